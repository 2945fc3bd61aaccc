package safepath

import (
	"strings"
	"testing"
)

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "a/b", "../x", "%2e%2e/x", "a\\b", "/abs", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Clean(in)
		if err != nil {
			return
		}
		if strings.HasPrefix(got, "/") || strings.IndexByte(got, 0) >= 0 || strings.IndexByte(got, '\\') >= 0 {
			t.Fatalf("Clean(%q) = %q: absolute, NUL or backslash", in, got)
		}
		for _, elem := range strings.Split(got, "/") {
			if elem == ".." {
				t.Fatalf("Clean(%q) = %q contains ..", in, got)
			}
		}
		again, err := Clean(got)
		if err != nil || again != got {
			t.Fatalf("Clean is not idempotent on %q: %q, %v", got, again, err)
		}
	})
}

func FuzzUnescape(f *testing.F) {
	for _, s := range []string{"a%20b", "%2e%2e", "%252e", "a/%ff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Unescape(in)
		if err != nil {
			return
		}
		if _, err := Clean(got); err != nil {
			t.Fatalf("Unescape(%q) = %q, which Clean rejects: %v", in, got, err)
		}
	})
}
