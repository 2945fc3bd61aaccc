package protocol

import (
	"math"
	"testing"
	"time"
)

// MPD 0.23.12 (Debian 12, amd64) accepts each of these. Its count for
// "(modified-since 'VALUE')" with songs modified at 2026-12-04T23:21:45Z
// agrees with these times, which follow glibc's strptime rules.
func TestParseISO8601Times(t *testing.T) {
	utc := func(year int, month time.Month, day, hour, minute, second int) time.Time {
		return time.Date(year, month, day, hour, minute, second, 0, time.UTC)
	}
	cases := []struct {
		arg  string
		want time.Time
	}{
		{"2026-12", utc(2026, 12, 1, 0, 0, 0)},
		{"2026-12-04", utc(2026, 12, 4, 0, 0, 0)},
		{"2026-12-4", utc(2026, 12, 4, 0, 0, 0)},
		{"2026- 12- 04", utc(2026, 12, 4, 0, 0, 0)},
		{" 2026-12-04", utc(2026, 12, 4, 0, 0, 0)},
		{"20261204T23", utc(2026, 12, 4, 23, 0, 0)},
		{"2026-12-04Z", utc(2026, 12, 4, 0, 0, 0)},
		{"2026-12-04T23", utc(2026, 12, 4, 23, 0, 0)},
		{"2026-12-04T23:21", utc(2026, 12, 4, 23, 21, 0)},
		{"2026-12-04T23:21:45", utc(2026, 12, 4, 23, 21, 45)},
		{"2026-12-04T2321", utc(2026, 12, 4, 23, 21, 0)},
		{"2026-12-04T232145", utc(2026, 12, 4, 23, 21, 45)},
		{"2026-12-04T 2: 3", utc(2026, 12, 4, 2, 3, 0)},
		// The hour stops after "9" because 90 > 23, and "9" is the minute.
		{"2026-12-04T99", utc(2026, 12, 4, 9, 9, 0)},
		{"2026-12-04T23:21:61", utc(2026, 12, 4, 23, 22, 1)},
		{"2026-02-30", utc(2026, 3, 2, 0, 0, 0)},
		{"2026-12-04T23:21:45Z", utc(2026, 12, 4, 23, 21, 45)},
		{"2026-12-04T23:21:45+01:00", utc(2026, 12, 4, 22, 21, 45)},
		{"2026-12-04T23:21:45+0100", utc(2026, 12, 4, 22, 21, 45)},
		{"2026-12-04T23:21:45+01", utc(2026, 12, 4, 22, 21, 45)},
		{"2026-12-04T22:21:46-01", utc(2026, 12, 4, 23, 21, 46)},
		{"2026-12-04T23:21:45+13:59", utc(2026, 12, 4, 9, 22, 45)},
		// strtoul reads " 100" as four bytes: 1 hour and 0 minutes.
		{"2026-12-04T23:21:45+ 100", utc(2026, 12, 4, 22, 21, 45)},
		{"2262-04-11", utc(2262, 4, 11, 0, 0, 0)},
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
}

// Past 2262-04-11 and before 1677-09-22, MPD 0.23.12's nanoseconds wrap
// around, so the year 2262 ends up before every song and 1677 after.
func TestParseISO8601Wraps(t *testing.T) {
	late, err := ParseTime("2262-04-12")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(0, 0); !late.Before(want) {
		t.Errorf("ParseTime(2262-04-12) = %v, want before %v", late, want)
	}
	early, err := ParseTime("1677-09-21")
	if err != nil {
		t.Fatal(err)
	}
	seconds := time.Date(1677, 9, 21, 0, 0, 0, 0, time.UTC).Unix()
	if want := time.Unix(0, seconds*int64(time.Second)); !early.Equal(want) {
		t.Errorf("ParseTime(1677-09-21) = %v, want %v", early, want)
	}
	if early.Before(time.Unix(math.MaxInt32, 0)) {
		t.Errorf("ParseTime(1677-09-21) = %v, want after 2038", early)
	}
}

func TestParseISO8601Errors(t *testing.T) {
	cases := map[string]string{
		"2026-12x":                   "Failed to parse date",
		"2026/12/04":                 "Failed to parse date",
		"10000-01-01":                "Failed to parse date",
		"02026-12-04":                "Failed to parse date",
		"+2026-12-04":                "Failed to parse date",
		"2026-00-10":                 "Failed to parse date",
		"2026-12-32":                 "Failed to parse date",
		"2026-W49":                   "Failed to parse date",
		" ":                          "Failed to parse date",
		"2026-12-04T":                "Failed to parse time of day",
		"2026-12-04TZ":               "Failed to parse time of day",
		"2026-12-04T24":              "Failed to parse time of day",
		"2026-12-04T23:":             "Failed to parse time of day",
		"2026-12-04T23:21:":          "Failed to parse time of day",
		"2026-12-04T23:21:62":        "Failed to parse time of day",
		"2026-12-04T23:60":           "Garbage at end of time stamp",
		"2026-12-04T23:2145":         "Garbage at end of time stamp",
		"2026-12-04T23:21:45.5":      "Garbage at end of time stamp",
		"2026-12-04T23:21:45z":       "Garbage at end of time stamp",
		"2026-12-04T23:21:45ZZ":      "Garbage at end of time stamp",
		"2026-12-04 ":                "Garbage at end of time stamp",
		"2026-12-04x":                "Garbage at end of time stamp",
		"2026-12-04+":                "Failed to parse time zone offset",
		"2026-12-04+1":               "Failed to parse time zone offset",
		"2026-12-04+1:00":            "Failed to parse time zone offset",
		"2026-12-04+01:":             "Failed to parse time zone offset",
		"2026-12-04+01:3":            "Failed to parse time zone offset",
		"2026-12-04+01:300":          "Failed to parse time zone offset",
		"2026-12-04+14":              "Time offset hours out of range",
		"2026-12-04+-1":              "Time offset hours out of range",
		"2026-12-04+1360":            "Time offset minutes out of range",
		"2026-12-04T23:21:45+01:00x": "Garbage at end of time stamp",
	}
	for arg, want := range cases {
		_, err := ParseTime(arg)
		if err == nil || err.Error() != want {
			t.Errorf("ParseTime(%q) error = %v, want %q", arg, err, want)
		}
	}
}
