package protocol

import (
	"math"
	"strconv"
	"strings"
)

// maxNumberLength bounds numeric arguments before they reach strconv.
const maxNumberLength = 32

// ParseInt parses a signed decimal integer argument.
func ParseInt(s string) (int, error) {
	if len(s) > maxNumberLength {
		return 0, Errorf(AckArg, "Number too large: %s", s[:maxNumberLength])
	}
	n, err := strconv.ParseInt(s, 10, 32)
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

// ParseBool parses "0" or "1".
func ParseBool(s string) (bool, error) {
	switch s {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, Errorf(AckArg, "Boolean (0/1) expected: %s", s)
}

// ParseFloat parses a finite decimal number.
func ParseFloat(s string) (float64, error) {
	if len(s) > maxNumberLength {
		return 0, Errorf(AckArg, "Float expected: %s", s[:maxNumberLength])
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, Errorf(AckArg, "Float expected: %s", s)
	}
	return f, nil
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
	if s == "-1" {
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
func ParseSeekTime(s string) (seconds float64, relative bool, err error) {
	if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
		relative = true
	}
	seconds, err = ParseFloat(s)
	if err != nil {
		return 0, false, err
	}
	if !relative && seconds < 0 {
		return 0, false, Errorf(AckArg, "Negative value not allowed: %s", s)
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
