package protocol

import (
	"math"
	"testing"
	"time"
)

// The expected values are those MPD 0.23.12 (Debian package mpd) uses for
// the same arguments on amd64.
func TestParseVersion(t *testing.T) {
	cases := []struct {
		arg  string
		want uint32
	}{
		{"0", 0},
		{"7", 7},
		{"+7", 7},
		{" 7", 7},
		{"-1", math.MaxUint32},
		{"-2", math.MaxUint32 - 1},
		{"4294967295", math.MaxUint32},
		{"4294967296", 0},
		{"-4294967295", 1},
		{"99999999999", 1215752191},
		{"99999999999999999999", math.MaxUint32},
	}
	for _, tc := range cases {
		got, err := ParseVersion(tc.arg)
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", tc.arg, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseVersion(%q) = %d, want %d", tc.arg, got, tc.want)
		}
	}
	for _, arg := range []string{"", "x", "1.5", "0x3", "3x", "3 ", "-", "+", "+-1"} {
		_, err := ParseVersion(arg)
		want := "Integer expected: " + arg
		if err == nil || err.Error() != want {
			t.Errorf("ParseVersion(%q) error = %v, want %q", arg, err, want)
		}
	}
}

func TestParseTimeSeconds(t *testing.T) {
	cases := []struct {
		arg  string
		want time.Time
	}{
		{"0", time.Unix(0, 0)},
		{"-0", time.Unix(0, 0)},
		{"+5", time.Unix(5, 0)},
		{" 5", time.Unix(5, 0)},
		{"1796426505", time.Unix(1796426505, 0)},
		{"-1", time.Unix(-1, 0)},
		// The largest time_t whose nanoseconds fit in 64 bits.
		{"9223372036", time.Unix(9223372036, 0)},
		// Past it the nanoseconds wrap around.
		{"9223372037", time.Unix(0, math.MinInt64+145224192)},
		{"18446744074", time.Unix(0, 290448384)},
		{"20446744074", time.Unix(2000000000, 290448384)},
		// strtoull returns 2^64-1, which is -1 as time_t.
		{"99999999999999999999", time.Unix(-1, 0)},
		{"-99999999999999999999", time.Unix(-1, 0)},
	}
	for _, tc := range cases {
		got, err := ParseTime(tc.arg)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tc.arg, err)
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, want %v", tc.arg, got, tc.want)
		}
	}
	for _, arg := range []string{"", "5 ", "5x", "1.5", "-1.5", "0x10", "1e3", "-", "abc"} {
		_, err := ParseTime(arg)
		if err == nil || err.Error() != "Failed to parse date" {
			t.Errorf("ParseTime(%q) error = %v, want Failed to parse date", arg, err)
		}
	}
}

func TestParseSeekSeconds(t *testing.T) {
	cases := []struct {
		arg  string
		want float64
	}{
		{"1.5", 1.5},
		{"0", 0},
		{"inf", 0},
		{"INF", 0},
		{"+inf", 0},
		{"Infinity", 0},
		{"nan", 0},
		{"NaN", 0},
		{"-nan", 0},
		{"+nan", 0},
		{"nan()", 0},
		{"nan(0x1_a)", 0},
	}
	for _, tc := range cases {
		got, err := ParseSeekSeconds(tc.arg)
		if err != nil {
			t.Errorf("ParseSeekSeconds(%q): %v", tc.arg, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseSeekSeconds(%q) = %g, want %g", tc.arg, got, tc.want)
		}
	}
	failures := map[string]string{
		"-inf":      "Negative value not allowed: -inf",
		"-Infinity": "Negative value not allowed: -Infinity",
		"-1":        "Negative value not allowed: -1",
		"infx":      "Float expected: infx",
		"nan(":      "Float expected: nan(",
		"nan(a b)":  "Float expected: nan(a b)",
		"--inf":     "Float expected: --inf",
		"in":        "Float expected: in",
	}
	for arg, want := range failures {
		_, err := ParseSeekSeconds(arg)
		if err == nil || err.Error() != want {
			t.Errorf("ParseSeekSeconds(%q) error = %v, want %q", arg, err, want)
		}
	}
}

// MPD 0.23.12 seeks to the start of the song for each of these.
func TestParseSeekTimeNonFinite(t *testing.T) {
	for _, arg := range []string{"inf", "+inf", "-inf", "Infinity", "nan", "+nan", "-NaN"} {
		seconds, relative, err := ParseSeekTime(arg)
		if err != nil {
			t.Errorf("ParseSeekTime(%q): %v", arg, err)
			continue
		}
		if seconds != 0 {
			t.Errorf("ParseSeekTime(%q) seconds = %g, want 0", arg, seconds)
		}
		if relative {
			t.Errorf("ParseSeekTime(%q) is relative, want absolute", arg)
		}
	}
}

// MPD 0.23.12 matches "(base 'X')" on the queue with these results.
func TestInBase(t *testing.T) {
	const song = "A/X/01 One.mp3"
	cases := []struct {
		base string
		want bool
	}{
		{"", true},
		{"A", true},
		{"A/", true},
		{"A/X", true},
		{song, true},
		{"/", false},
		{"A//", false},
		{"/A", false},
		{"A/X/01", false},
		{song + "/", false},
	}
	for _, tc := range cases {
		if got := inBase(song, tc.base); got != tc.want {
			t.Errorf("inBase(%q, %q) = %v, want %v", song, tc.base, got, tc.want)
		}
	}
}

// MPD 0.23.12 reads these with strtod.
func TestParseFloatCForms(t *testing.T) {
	cases := []struct {
		arg  string
		want float64
	}{
		{" 5", 5},
		{"\t5", 5},
		{"+5", 5},
		{".5", 0.5},
		{"5.", 5},
		{"1e1", 10},
		{"0x10", 16},
		{"0X.8", 0.5},
		{"0x1.8p1", 3},
		{"-0x10", -16},
	}
	for _, tc := range cases {
		got, err := ParseFloat(tc.arg)
		if err != nil {
			t.Errorf("ParseFloat(%q): %v", tc.arg, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseFloat(%q) = %g, want %g", tc.arg, got, tc.want)
		}
	}
	for _, arg := range []string{"1_0", "0x_10", "5 ", "0x", "1e", "", "inf", "nan"} {
		_, err := ParseFloat(arg)
		want := "Float expected: " + arg
		if err == nil || err.Error() != want {
			t.Errorf("ParseFloat(%q) error = %v, want %q", arg, err, want)
		}
	}
}

// After white space a sign does not make a seekcur time relative, and a
// negative absolute time is the start of the song, as in MPD 0.23.12.
func TestParseSeekTimeLeadingSpace(t *testing.T) {
	cases := []struct {
		arg  string
		want float64
	}{
		{" -5", 0},
		{" +5", 5},
		{" 5", 5},
		{" inf", 0},
	}
	for _, tc := range cases {
		seconds, relative, err := ParseSeekTime(tc.arg)
		if err != nil {
			t.Errorf("ParseSeekTime(%q): %v", tc.arg, err)
			continue
		}
		if seconds != tc.want {
			t.Errorf("ParseSeekTime(%q) seconds = %g, want %g", tc.arg, seconds, tc.want)
		}
		if relative {
			t.Errorf("ParseSeekTime(%q) is relative, want absolute", tc.arg)
		}
	}
	want := "Negative value not allowed:  -5"
	if _, err := ParseSeekSeconds(" -5"); err == nil || err.Error() != want {
		t.Errorf("ParseSeekSeconds(\" -5\") error = %v, want %q", err, want)
	}
}

// MPD 0.23.12 reads integer arguments with strtol, so leading white space
// and a plus sign pass, and trailing characters fail.
func TestParseIntAsStrtol(t *testing.T) {
	for arg, want := range map[string]int{"7": 7, " 7": 7, "+8": 8, "\v\f 9": 9, "-3": -3} {
		got, err := ParseInt(arg)
		if err != nil || got != want {
			t.Errorf("ParseInt(%q) = %d, %v, want %d", arg, got, err, want)
		}
	}
	for _, arg := range []string{"9 ", "t10", "", " ", "+", "0x1"} {
		if _, err := ParseInt(arg); err == nil || err.Error() != "Integer expected: "+arg {
			t.Errorf("ParseInt(%q) error = %v, want Integer expected", arg, err)
		}
	}
}
