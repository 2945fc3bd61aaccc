package protocol

import (
	"math"
	"strconv"
	"strings"
)

// maxNumberLength bounds numeric arguments before they reach strconv.
const maxNumberLength = 32

// ParseInt parses a signed decimal integer argument. Leading white space
// and a "+" are accepted, as C's strtol in MPD 0.23.12 accepts them.
func ParseInt(s string) (int, error) {
	if len(s) > maxNumberLength {
		return 0, Errorf(AckArg, "Number too large: %s", s[:maxNumberLength])
	}
	n, err := strconv.ParseInt(strings.TrimLeft(s, cSpaces), 10, 32)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, Errorf(AckArg, "Number too large: %s", s)
		}
		return 0, Errorf(AckArg, "Integer expected: %s", s)
	}
	return int(n), nil
}

// ParseUint parses a non-negative decimal integer argument.
func ParseUint(s string) (int, error) {
	n, err := ParseInt(s)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		// MPD 0.23.12 reads a negative number as a large unsigned one.
		return 0, Errorf(AckArg, "Number too large: %s", s)
	}
	return n, nil
}

// ParseVersion parses a playlist version as MPD 0.23.12 does, with C's
// strtoul (see parseCUnsigned) and keeping the low 32 bits. So "-1" is
// 4294967295, newer than any version.
func ParseVersion(s string) (uint32, error) {
	n, ok := parseCUnsigned(s)
	if !ok {
		return 0, Errorf(AckArg, "Integer expected: %s", s)
	}
	return uint32(n), nil
}

// parseCUnsigned reads the whole of s as C's strtoull does on a 64-bit
// system: after leading white space and an optional sign come one or more
// decimal digits. A number past 2^64-1 becomes 2^64-1, with or without a
// sign, and a smaller negative one wraps around. It reports false when s
// contains anything else.
func parseCUnsigned(s string) (uint64, bool) {
	digits := strings.TrimLeft(s, cSpaces)
	negative := false
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		negative = digits[0] == '-'
		digits = digits[1:]
	}
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		// Only a range error is left, and it yields 2^64-1 even after
		// a minus sign.
		return math.MaxUint64, true
	}
	if negative {
		n = -n
	}
	return n, true
}

// ParseBool parses 0 or 1 as MPD 0.23.12 does, with strtol, so " 1",
// "+1", "01" and "-0" pass too.
func ParseBool(s string) (bool, error) {
	n, err := ParseInt(s)
	if err != nil || (n != 0 && n != 1) {
		return false, Errorf(AckArg, "Boolean (0/1) expected: %s", s)
	}
	return n == 1, nil
}

// ParseFloat parses a finite number in the forms C's strtod reads, as MPD
// 0.23.12 does: after optional leading white space, a decimal number or a
// hexadecimal one such as "0x10", whose "p" exponent may be left out.
// Go's digit separator "_" is rejected.
func ParseFloat(s string) (float64, error) {
	if len(s) > maxNumberLength {
		return 0, Errorf(AckArg, "Float expected: %s", s[:maxNumberLength])
	}
	number := strings.TrimLeft(s, cSpaces)
	unsigned := strings.TrimLeft(number, "+-")
	if len(unsigned) > 1 && unsigned[0] == '0' && (unsigned[1] == 'x' || unsigned[1] == 'X') &&
		!strings.ContainsAny(unsigned, "pP") {
		number += "p0"
	}
	f, err := strconv.ParseFloat(number, 64)
	if err != nil || strings.Contains(number, "_") || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, Errorf(AckArg, "Float expected: %s", s)
	}
	return f, nil
}

// cSpaces are the bytes that C's isspace accepts in the "C" locale.
const cSpaces = " \t\n\v\f\r"

// ParseSeekSeconds parses the time argument of seek and seekid: a
// number of seconds that is not negative. Infinity and NaN, in the
// spellings of C's strtod ("inf", "infinity", "nan", "nan(chars)", any
// case, optional sign), become 0 because MPD 0.23.12 responds OK to "seek 0
// inf" and "seek 0 nan" and plays the song from its start. "-inf" is
// negative and fails. The result is always finite.
func ParseSeekSeconds(s string) (float64, error) {
	seconds, ok := parseNonFinite(s)
	if !ok {
		var err error
		if seconds, err = ParseFloat(s); err != nil {
			return 0, err
		}
	}
	if seconds < 0 {
		return 0, Errorf(AckArg, "Negative value not allowed: %s", s)
	}
	if math.IsInf(seconds, 0) || math.IsNaN(seconds) {
		return 0, nil
	}
	return seconds, nil
}

// parseNonFinite reads s as one of strtod's spellings of infinity or NaN,
// after optional leading white space.
func parseNonFinite(s string) (float64, bool) {
	word, sign := strings.TrimLeft(s, cSpaces), 1
	if word != "" && (word[0] == '+' || word[0] == '-') {
		if word[0] == '-' {
			sign = -1
		}
		word = word[1:]
	}
	word = strings.ToLower(word)
	switch {
	case word == "inf" || word == "infinity":
		return math.Inf(sign), true
	case word == "nan":
		return math.NaN(), true
	case strings.HasPrefix(word, "nan(") && strings.HasSuffix(word, ")"):
		inner := word[len("nan(") : len(word)-1]
		if strings.Trim(inner, "abcdefghijklmnopqrstuvwxyz0123456789_") == "" {
			return math.NaN(), true
		}
	}
	return 0, false
}

// Range is a half-open range of positions [Start, End). End is -1 for an
// open range such as "5:", which runs to the end.
type Range struct {
	Start, End int
}

// Open reports whether the range runs to the end of the list.
func (r Range) Open() bool { return r.End < 0 }

// Clamp returns the range limited to a list of n items.
func (r Range) Clamp(n int) Range {
	if r.End < 0 || r.End > n {
		r.End = n
	}
	if r.Start > r.End {
		r.Start = r.End
	}
	return r
}

// ParseRange parses "START:END", "START:" or a single position "N", which
// means "N:N+1", as MPD 0.23 does. "-1" is the whole list, as in MPD
// 0.23.12, which keeps it for older clients.
func ParseRange(s string) (Range, error) {
	if strings.TrimLeft(s, cSpaces) == "-1" {
		return Range{Start: 0, End: -1}, nil
	}
	before, after, found := strings.Cut(s, ":")
	start, err := ParseUint(before)
	if err != nil {
		return Range{}, Errorf(AckArg, "Integer or range expected: %s", s)
	}
	if !found {
		if start == math.MaxInt32 {
			return Range{}, Errorf(AckArg, "Number too large: %s", s)
		}
		return Range{Start: start, End: start + 1}, nil
	}
	if after == "" {
		return Range{Start: start, End: -1}, nil
	}
	end, err := ParseUint(after)
	if err != nil {
		return Range{}, Errorf(AckArg, "Integer or range expected: %s", s)
	}
	if end < start {
		return Range{}, Errorf(AckArg, "Malformed range: %s", s)
	}
	return Range{Start: start, End: end}, nil
}

// ParseSeekTime parses a time in seconds for seekcur: a plain number, or one
// with a leading "+" or "-" meaning relative to the current position.
// Infinity and NaN, even with a sign, mean the start of the song, as
// "seekcur +inf" and "seekcur -nan" do in MPD 0.23.12. The result is
// always finite. A negative time after white space, such as " -5", is not
// relative and becomes 0, as in MPD 0.23.12.
func ParseSeekTime(s string) (seconds float64, relative bool, err error) {
	if _, ok := parseNonFinite(s); ok {
		return 0, false, nil
	}
	if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
		relative = true
	}
	seconds, err = ParseFloat(s)
	if err != nil {
		return 0, false, err
	}
	if !relative && seconds < 0 {
		return 0, false, nil
	}
	return seconds, relative, nil
}

// ParseSingle parses the argument of the single command: "0", "1" or
// "oneshot".
func ParseSingle(s string) (string, error) {
	switch s {
	case "0", "1", "oneshot":
		return s, nil
	}
	return "", Errorf(AckArg, "Boolean (0/1) expected: %s", s)
}

// ParseOutputID parses an output number.
func ParseOutputID(s string) (int, error) { return ParseUint(s) }
