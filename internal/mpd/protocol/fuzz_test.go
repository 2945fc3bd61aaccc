package protocol

import (
	"testing"
	"unicode/utf8"
)

// The fuzz targets bound their input to the default maximum line length, so
// one iteration stays small.
const fuzzMaxInput = 4096

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"status", `find "(artist == \"x\")"`, `add 'a b'`, "play 1", `a "\\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if len(line) > fuzzMaxInput {
			return
		}
		name, args, err := Tokenize(line)
		if err != nil {
			return
		}
		if name == "" || !utf8.ValidString(name) {
			t.Fatalf("Tokenize(%q) returned name %q", line, name)
		}
		if len(args) > MaxArgs {
			t.Fatalf("Tokenize(%q) returned %d args", line, len(args))
		}
		line2 := name
		for _, a := range args {
			line2 += " " + Quote(a)
		}
		name2, args2, err := Tokenize(line2)
		if err != nil || name2 != name || len(args2) != len(args) {
			t.Fatalf("re-tokenizing %q gave %q %q %v", line2, name2, args2, err)
		}
		for i := range args {
			if args[i] != args2[i] {
				t.Fatalf("argument %d changed from %q to %q", i, args[i], args2[i])
			}
		}
	})
}

func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{"1", "2:5", "3:", "-1", "1e9", "+2.5", "oneshot"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > fuzzMaxInput {
			return
		}
		if r, err := ParseRange(s); err == nil {
			if r.Start < 0 || (r.End >= 0 && r.End < r.Start) {
				t.Fatalf("ParseRange(%q) = %+v", s, r)
			}
		}
		if n, err := ParseUint(s); err == nil && n < 0 {
			t.Fatalf("ParseUint(%q) = %d", s, n)
		}
		_, _ = ParseInt(s)
		_, _ = ParseFloat(s)
		_, _, _ = ParseSeekTime(s)
		_, _ = ParseBool(s)
		_, _ = ParseTime(s)
	})
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"(Artist == 'x')", "((a == 'b') AND (!(c != \"d\")))", "(base 'x')",
		"(modified-since '2020-01-01')", "(prio >= 3)", "(Title =~ 'a.*b')",
		"(AudioFormat =~ '44100:*:2')",
	} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, expr string, fold bool) {
		if len(expr) > fuzzMaxInput {
			return
		}
		filter, err := ParseFilter([]string{expr}, fold)
		if err != nil {
			return
		}
		filter.Match(testSong())
	})
}
