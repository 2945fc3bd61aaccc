package safepath

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCleanRejectsHostilePaths(t *testing.T) {
	hostile := []string{
		"..",
		"../etc/passwd",
		"a/../../etc/passwd",
		"a/..",
		"/etc/passwd",
		"//etc/passwd",
		"a\x00b",
		"a\\..\\b",
		"..\\etc",
		"%2e%2e/etc/passwd",
		"%2E%2E%2Fetc",
		"a%2fb",
		"a%5cb",
	}
	for _, in := range hostile {
		t.Run(in, func(t *testing.T) {
			got, err := Clean(in)
			if err == nil {
				t.Fatalf("Clean(%q) = %q, want an error", in, got)
			}
			if !errors.Is(err, ErrUnsafe) {
				t.Fatalf("Clean(%q) error %v does not wrap ErrUnsafe", in, err)
			}
		})
	}
}

func TestCleanAcceptsOrdinaryPaths(t *testing.T) {
	cases := map[string]string{
		"":                 "",
		".":                "",
		"./a.mp3":          "a.mp3",
		"a//b.flac":        "a/b.flac",
		"Artist/Album/":    "Artist/Album",
		"100% Hits.mp3":    "100% Hits.mp3",
		"caf\xe9.mp3":      "caf\xe9.mp3",
		"..foo/bar..":      "..foo/bar..",
		"a/./b":            "a/b",
		"Sigur Rós/Ágætis": "Sigur Rós/Ágætis",
	}
	for in, want := range cases {
		got, err := Clean(in)
		if err != nil {
			t.Errorf("Clean(%q): %v", in, err)
			continue
		}
		if got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanTextRejectsInvalidUTF8(t *testing.T) {
	if _, err := CleanText("caf\xe9.mp3"); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("CleanText of Latin-1 bytes: err = %v, want ErrUnsafe", err)
	}
}

func TestUnescapeRejectsEncodedTraversal(t *testing.T) {
	hostile := []string{
		"%2e%2e/etc/passwd",
		"..%2fetc",
		"%2Fetc%2Fpasswd",
		"a%00b",
		"a\x00b",
		"%252e%252e%252fetc",
		"a%5c..%5cb",
		"%zz",
	}
	for _, in := range hostile {
		if got, err := Unescape(in); err == nil {
			t.Errorf("Unescape(%q) = %q, want an error", in, got)
		}
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, rel := range []string{"a b/c.mp3", "caf\xe9/\xff\xfe.ogg", "100%.flac", "x?y#z.mp3", "ü/ß.opus"} {
		esc := Escape(rel)
		got, err := Unescape(esc)
		if err != nil {
			t.Errorf("Unescape(Escape(%q)) = %v", rel, err)
			continue
		}
		if got != rel {
			t.Errorf("round trip of %q gave %q via %q", rel, got, esc)
		}
	}
}

func TestRootResolveConfinesSymlinks(t *testing.T) {
	base := t.TempDir()
	music := filepath.Join(base, "music")
	mustMkdir(t, filepath.Join(music, "sub"))
	mustWrite(t, filepath.Join(music, "sub", "in.mp3"))
	mustWrite(t, filepath.Join(base, "secret.txt"))
	mustSymlink(t, "sub/in.mp3", filepath.Join(music, "rel-inside.mp3"))
	mustSymlink(t, "../secret.txt", filepath.Join(music, "rel-outside.txt"))
	mustSymlink(t, filepath.Join(base, "secret.txt"), filepath.Join(music, "abs-outside.txt"))
	mustSymlink(t, filepath.Join(music, "sub", "in.mp3"), filepath.Join(music, "abs-inside.mp3"))
	mustSymlink(t, "loop-b", filepath.Join(music, "loop-a"))
	mustSymlink(t, "loop-a", filepath.Join(music, "loop-b"))
	mustSymlink(t, "..", filepath.Join(music, "sub", "up"))

	root, err := OpenRoot(music)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()

	got, err := root.Resolve("rel-inside.mp3")
	if err != nil {
		t.Fatalf("Resolve(rel-inside.mp3): %v", err)
	}
	if want := filepath.Join(root.Dir(), "sub", "in.mp3"); got != want {
		t.Fatalf("Resolve(rel-inside.mp3) = %s, want %s", got, want)
	}

	rejected := []string{
		"rel-outside.txt",
		"abs-outside.txt",
		"abs-inside.mp3", // os.Root rejects every absolute symlink
		"loop-a",
		"sub/up/../secret.txt",
		"sub/up/sub/up/sub/up/../secret.txt",
		"../secret.txt",
		filepath.Join(base, "secret.txt"),
		"missing.mp3",
		"sub/in.mp3\x00.txt",
	}
	for _, rel := range rejected {
		if got, err := root.Resolve(rel); err == nil {
			t.Errorf("Resolve(%q) = %s, want an error", rel, got)
		}
		if f, err := root.Open(rel); err == nil {
			f.Close()
			t.Errorf("Open(%q) succeeded, want an error", rel)
		}
	}
}

func TestRootRel(t *testing.T) {
	base := t.TempDir()
	music := filepath.Join(base, "music")
	mustMkdir(t, filepath.Join(music, "a"))
	mustWrite(t, filepath.Join(music, "a", "b.mp3"))
	mustWrite(t, filepath.Join(base, "outside.mp3"))
	root, err := OpenRoot(music)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()

	got, err := root.Rel(filepath.Join(music, "a", "b.mp3"))
	if err != nil || got != "a/b.mp3" {
		t.Fatalf("Rel = %q, %v; want a/b.mp3", got, err)
	}
	for _, abs := range []string{
		filepath.Join(base, "outside.mp3"),
		filepath.Join(music, "..", "outside.mp3"),
		"/etc/hostname",
		"relative.mp3",
		music + "x/b.mp3",
	} {
		if got, err := root.Rel(abs); err == nil {
			t.Errorf("Rel(%q) = %q, want an error", abs, got)
		}
	}
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, name string) {
	t.Helper()
	if err := os.WriteFile(name, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}
