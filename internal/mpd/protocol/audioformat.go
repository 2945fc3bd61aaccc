package protocol

import (
	"strconv"
	"strings"
)

// Bounds of an audio format in MPD 0.23.12, which rejects a sample rate of
// 0 and more than 8 channels.
const (
	maxSampleRate = 1<<30 - 1
	maxChannels   = 8
)

// ParseAudioFormat parses an audio format such as "44100:16:2", "48000:f:2"
// or "dsd64:2" as MPD 0.23.12 does, with its error messages. It returns
// the format as "status" writes it: rate, sample format ("8", "16", "24",
// "32", "f" or "dsd") and channels, joined by colons.
// With mask set, "*" stands for any value of a field and is kept.
func ParseAudioFormat(s string, mask bool) (string, error) {
	if rest, ok := strings.CutPrefix(s, "dsd"); ok {
		// "dsd64:2" names the DSD rate in multiples of 44.1 kHz / 8.
		digits, after := leadingDigits(rest)
		if n, err := strconv.Atoi(digits); err == nil && strings.HasPrefix(after, ":") &&
			n >= 32 && n <= 4096 && n%2 == 0 {
			channels, err := parseChannels(after[1:], mask)
			if err != nil {
				return "", err
			}
			return strconv.Itoa(n*44100/8) + ":dsd:" + channels, nil
		}
	}
	rate, rest, err := parseSampleRate(s, mask)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(rest, ":") {
		return "", Errorf(AckArg, "Sample format missing")
	}
	format, rest, err := parseSampleFormat(rest[1:], mask)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(rest, ":") {
		return "", Errorf(AckArg, "Channel count missing")
	}
	channels, err := parseChannels(rest[1:], mask)
	if err != nil {
		return "", err
	}
	return rate + ":" + format + ":" + channels, nil
}

// leadingDigits splits s after its leading ASCII digits.
func leadingDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// parseNumber parses the leading digits of s, capping the value at
// limit+1 so that a long number is reported as out of range.
func parseNumber(s string, limit int) (n int, rest string, ok bool) {
	digits, rest := leadingDigits(s)
	if digits == "" {
		return 0, s, false
	}
	for _, c := range digits {
		n = n*10 + int(c-'0')
		if n > limit {
			n = limit + 1
		}
	}
	return n, rest, true
}

func parseSampleRate(s string, mask bool) (string, string, error) {
	if mask && strings.HasPrefix(s, "*") {
		return "*", s[1:], nil
	}
	n, rest, ok := parseNumber(s, maxSampleRate)
	if !ok {
		return "", "", Errorf(AckArg, "Failed to parse the sample rate")
	}
	if n == 0 || n > maxSampleRate {
		return "", "", Errorf(AckArg, "Invalid sample rate: %d", n)
	}
	return strconv.Itoa(n), rest, nil
}

func parseSampleFormat(s string, mask bool) (string, string, error) {
	switch {
	case mask && strings.HasPrefix(s, "*"):
		return "*", s[1:], nil
	case strings.HasPrefix(s, "f"):
		return "f", s[1:], nil
	case strings.HasPrefix(s, "dsd"):
		return "dsd", s[3:], nil
	}
	n, rest, ok := parseNumber(s, 1<<16)
	if !ok {
		return "", "", Errorf(AckArg, "Failed to parse the sample format")
	}
	switch n {
	case 8, 16, 32:
	case 24:
		// "24_3", packed 24-bit samples, is read as 24 for compatibility.
		rest = strings.TrimPrefix(rest, "_3")
	default:
		return "", "", Errorf(AckArg, "Invalid sample format: %d", n)
	}
	return strconv.Itoa(n), rest, nil
}

func parseChannels(s string, mask bool) (string, error) {
	value, rest := "", s
	if mask && strings.HasPrefix(s, "*") {
		value, rest = "*", s[1:]
	} else {
		n, after, ok := parseNumber(s, 255)
		if !ok {
			return "", Errorf(AckArg, "Failed to parse the channel count")
		}
		if n == 0 || n > maxChannels {
			return "", Errorf(AckArg, "Invalid channel count: %d", n)
		}
		value, rest = strconv.Itoa(n), after
	}
	if rest != "" {
		return "", Errorf(AckArg, "Extra data after channel count: %s", rest)
	}
	return value, nil
}
