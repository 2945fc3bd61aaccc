package protocol

import (
	"strings"
	"time"
)

// The functions below read an ISO 8601 date or time the way MPD 0.23.12
// does on Debian 12. MPD parses it with glibc's strptime, so each number
// follows glibc's rules: leading white space is skipped, and a digit is
// taken only while the value times ten stays within the field's maximum.
// So "T99" is 09:09, because the hour stops after one digit and the
// minute takes the other. Out-of-range dates such as "2026-02-30" roll
// over as timegm rolls them.

// isoTimeParser reads one time stamp byte by byte.
type isoTimeParser struct {
	s string
	i int
}

// parseISO8601 reads s as MPD 0.23.12 reads a modified-since date. It is
// "YYYY-MM" for the start of a month, or "YYYY-MM-DD" or "YYYYMMDD". A
// date may go on with "T" and an hour, minutes and seconds (with or
// without colons), and then with "Z" or an offset such as "+01", "+0100"
// or "+01:00". Errors carry MPD 0.23.12's messages.
func parseISO8601(s string) (time.Time, error) {
	p := &isoTimeParser{s: s}
	if year, month, ok := p.yearMonth(); ok && p.i == len(s) {
		return unixNanos(time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC).Unix(), 0), nil
	}
	year, month, day, ok := p.date()
	if !ok {
		return time.Time{}, Errorf(AckArg, "Failed to parse date")
	}
	var hour, minute, second int
	if p.i < len(s) && s[p.i] == 'T' {
		p.i++
		if hour, minute, second, ok = p.timeOfDay(); !ok {
			return time.Time{}, Errorf(AckArg, "Failed to parse time of day")
		}
	}
	seconds := time.Date(year, time.Month(month), day, hour, minute, second, 0, time.UTC).Unix()
	var offset time.Duration
	if p.i < len(s) {
		switch s[p.i] {
		case 'Z':
			p.i++
		case '+', '-':
			var err error
			if offset, err = p.zoneOffset(); err != nil {
				return time.Time{}, err
			}
		}
	}
	if p.i != len(s) {
		return time.Time{}, Errorf(AckArg, "Garbage at end of time stamp")
	}
	return unixNanos(seconds, -offset), nil
}

// unixNanos returns the time seconds after the epoch plus delta, computed
// as MPD 0.23.12 computes it: in 64-bit nanoseconds that wrap around past
// about the years 1677 and 2262.
func unixNanos(seconds int64, delta time.Duration) time.Time {
	return time.Unix(0, seconds*int64(time.Second)+int64(delta)).UTC()
}

// number reads a field as glibc's strptime reads it: white space, then
// at least one digit, then more digits while there are fewer than
// maxDigits and the value times ten is at most to. The value must lie
// between from and to.
func (p *isoTimeParser) number(from, to, maxDigits int) (int, bool) {
	for p.i < len(p.s) && isCSpace(p.s[p.i]) {
		p.i++
	}
	if p.i == len(p.s) || !isDigit(p.s[p.i]) {
		return 0, false
	}
	value := 0
	for digits := 0; ; {
		value = value*10 + int(p.s[p.i]-'0')
		p.i++
		digits++
		if digits == maxDigits || value*10 > to || p.i == len(p.s) || !isDigit(p.s[p.i]) {
			break
		}
	}
	return value, value >= from && value <= to
}

// literal reads the byte c, which must come next.
func (p *isoTimeParser) literal(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *isoTimeParser) year() (int, bool) { return p.number(0, 9999, 4) }

func (p *isoTimeParser) month() (int, bool) { return p.number(1, 12, 2) }

func (p *isoTimeParser) day() (int, bool) { return p.number(1, 31, 2) }

// yearMonth reads "%Y-%m".
func (p *isoTimeParser) yearMonth() (year, month int, ok bool) {
	year, ok = p.year()
	if !ok || !p.literal('-') {
		return 0, 0, false
	}
	month, ok = p.month()
	return year, month, ok
}

// date reads "%Y-%m-%d" or, when that fails, "%Y%m%d" from the start of
// the string.
func (p *isoTimeParser) date() (year, month, day int, ok bool) {
	p.i = 0
	if year, month, ok = p.yearMonth(); ok && p.literal('-') {
		if day, ok = p.day(); ok {
			return year, month, day, true
		}
	}
	p.i = 0
	if year, ok = p.year(); !ok {
		return 0, 0, 0, false
	}
	if month, ok = p.month(); !ok {
		return 0, 0, 0, false
	}
	if day, ok = p.day(); !ok {
		return 0, 0, 0, false
	}
	return year, month, day, true
}

// timeOfDay reads the part after "T": an hour, then minutes and seconds
// either after colons, where each colon must be followed by its field,
// or right after the hour, where each field is optional.
func (p *isoTimeParser) timeOfDay() (hour, minute, second int, ok bool) {
	if hour, ok = p.number(0, 23, 2); !ok {
		return 0, 0, 0, false
	}
	if p.literal(':') {
		if minute, ok = p.number(0, 59, 2); !ok {
			return 0, 0, 0, false
		}
		if !p.literal(':') {
			return hour, minute, 0, true
		}
		if second, ok = p.number(0, 61, 2); !ok {
			return 0, 0, 0, false
		}
		return hour, minute, second, true
	}
	// A failed field leaves the position where it started.
	start := p.i
	if minute, ok = p.number(0, 59, 2); !ok {
		p.i = start
		return hour, 0, 0, true
	}
	start = p.i
	if second, ok = p.number(0, 61, 2); !ok {
		p.i = start
		return hour, minute, 0, true
	}
	return hour, minute, second, true
}

// zoneOffset reads "+HH", "+HHMM" or "+HH:MM" (or with "-"), where the
// digits are read with strtoul as MPD 0.23.12 reads them and must span
// exactly two or four bytes. Hours past 13 and minutes past 59 fail.
func (p *isoTimeParser) zoneOffset() (time.Duration, error) {
	negative := p.s[p.i] == '-'
	p.i++
	failed := Errorf(AckArg, "Failed to parse time zone offset")

	value, length := strtoulPrefix(p.s[p.i:])
	var hours, minutes uint32
	switch length {
	case 4:
		hours, minutes = uint32(value/100), uint32(value%100)
		p.i += 4
	case 2:
		hours = uint32(value)
		p.i += 2
		if p.literal(':') {
			value, length = strtoulPrefix(p.s[p.i:])
			if length != 2 {
				return 0, failed
			}
			minutes = uint32(value)
			p.i += 2
		}
	default:
		return 0, failed
	}

	if hours > 13 {
		return 0, Errorf(AckArg, "Time offset hours out of range")
	}
	if minutes >= 60 {
		return 0, Errorf(AckArg, "Time offset minutes out of range")
	}

	offset := time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute
	if negative {
		offset = -offset
	}
	return offset, nil
}

// strtoulPrefix reads the longest prefix of s that C's strtoul reads as a
// decimal number (see parseCUnsigned) and returns its value and length,
// or a length of 0 when s does not start with a number.
func strtoulPrefix(s string) (uint64, int) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == start {
		return 0, 0
	}
	value, _ := parseCUnsigned(s[:i])
	return value, i
}

// isCSpace reports whether c is one of cSpaces.
func isCSpace(c byte) bool { return strings.IndexByte(cSpaces, c) >= 0 }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
