package protocol

import (
	"math"
	"slices"
	"strconv"
	"strings"
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
	for _, s := range []string{"1", "2:5", "3:", "-1", "1e9", "+2.5", "oneshot", "NaN", "-Inf", "2147483648", "-2147483648", "00", " 1", "+0", " -1"} {
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
		if n, err := ParseInt(s); err == nil {
			if n < math.MinInt32 || n > math.MaxInt32 {
				t.Fatalf("ParseInt(%q) = %d, outside 32 bits", s, n)
			}
			if back, err := ParseInt(strconv.Itoa(n)); err != nil || back != n {
				t.Fatalf("ParseInt(%q) = %d does not parse back: %d, %v", s, n, back, err)
			}
		}
		if x, err := ParseFloat(s); err == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
			t.Fatalf("ParseFloat(%q) = %v", s, x)
		}
		if x, relative, err := ParseSeekTime(s); err == nil {
			if math.IsNaN(x) || math.IsInf(x, 0) || (!relative && x < 0) {
				t.Fatalf("ParseSeekTime(%q) = %v, relative %v", s, x, relative)
			}
		}
		// ParseBool takes what strtol reads as 0 or 1, as MPD 0.23.12 does.
		if b, err := ParseBool(s); err == nil {
			n, ierr := ParseInt(s)
			if ierr != nil || (n != 0 && n != 1) || b != (n == 1) {
				t.Fatalf("ParseBool(%q) = %v, but ParseInt = %d, %v", s, b, n, ierr)
			}
		}
		_, _ = ParseTime(s)
	})
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"(Artist == 'x')", "((Artist == 'b') AND (!(Album != \"d\")))", "(base 'x')",
		"(modified-since '2020-01-01')", "(prio >= 3)", "(Title =~ 'a.*b')",
		"(AudioFormat =~ '44100:*:2')",
		// Several arguments, one per line: expressions and old pairs mixed.
		"((Artist == 'b') AND (base 'x'))\n(Album == 'y')", "Artist\nb\n(Album == 'y')",
	} {
		f.Add(s, true)
	}
	// Filters at the depth and size limits, and one node over them.
	for _, extra := range []int{0, 1} {
		nots := MaxFilterDepth - 1 + extra
		f.Add(strings.Repeat("(!", nots)+"(Artist == 'x')"+strings.Repeat(")", nots), false)
		conditions := slices.Repeat([]string{"(Artist == 'x')"}, MaxFilterTerms-1+extra)
		f.Add("("+strings.Join(conditions, " AND ")+")", false)
	}
	f.Fuzz(func(t *testing.T, expr string, fold bool) {
		if len(expr) > fuzzMaxInput {
			return
		}
		// Each line of expr is one argument.
		filter, err := ParseFilter(strings.Split(expr, "\n"), fold)
		if err != nil {
			return
		}
		nodes := checkFilterTree(t, expr, filter, 1)
		if nodes > MaxFilterTerms {
			t.Fatalf("ParseFilter(%q) built %d nodes, over the limit of %d", expr, nodes, MaxFilterTerms)
		}
		filter.Match(testSong())
	})
}

// checkFilterTree checks the shape of the filter node f at depth (1 for the
// root) and returns the number of nodes below and including f.
func checkFilterTree(t *testing.T, expr string, f *Filter, depth int) int {
	t.Helper()
	if depth > MaxFilterDepth {
		t.Fatalf("ParseFilter(%q) nests %d deep, over the limit of %d", expr, depth, MaxFilterDepth)
	}
	switch f.Kind {
	case KindAnd:
		if len(f.Children) == 0 {
			t.Fatalf("ParseFilter(%q) built an AND without conditions", expr)
		}
	case KindNot:
		if len(f.Children) != 1 {
			t.Fatalf("ParseFilter(%q) built a NOT of %d conditions", expr, len(f.Children))
		}
	default:
		if len(f.Children) != 0 {
			t.Fatalf("ParseFilter(%q) built a condition of kind %d with children", expr, f.Kind)
		}
		if (f.Op == OpRegexp || f.Op == OpNotRegexp) && f.Kind != KindAudioFormat && f.Regexp == nil {
			t.Fatalf("ParseFilter(%q) built a regular expression condition without a compiled pattern", expr)
		}
	}
	nodes := 1
	for _, child := range f.Children {
		nodes += checkFilterTree(t, expr, child, depth+1)
	}
	return nodes
}
