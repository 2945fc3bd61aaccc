package file

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tonearm/tonearm/internal/backend/local/tags"
	"github.com/tonearm/tonearm/internal/backend/local/testlib"
	"github.com/tonearm/tonearm/internal/models"
)

type layout struct {
	base, music, other string
	b                  *Backend
}

func newLayout(t *testing.T, withReader bool) layout {
	t.Helper()
	ctx := context.Background()
	base := t.TempDir()
	l := layout{base: base, music: filepath.Join(base, "music"), other: filepath.Join(base, "other")}
	gen, err := testlib.NewGenerator(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Write(ctx, l.music, []testlib.File{
		{Path: "album/01 song.flac", Format: "flac", Tags: &testlib.Tags{Title: "Song", Artists: []string{"Singer"}, Track: "1/9"}},
		{Path: "caf\xe9.ogg", Format: "ogg"},
		{Path: ".hidden.mp3", Format: "mp3-id3v24"},
	}); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		filepath.Join(l.music, "cover.jpg"):      "jpeg",
		filepath.Join(base, "secret.txt"):        "secret",
		filepath.Join(l.other, "track.wav"):      "wav",
		filepath.Join(l.music, "album", "x.txt"): "x",
	} {
		if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range map[string]string{
		"out-abs.txt": filepath.Join(base, "secret.txt"),
		"out-rel.txt": "../secret.txt",
		"in-rel.flac": "album/01 song.flac",
		"out-dir":     "../other",
	} {
		if err := os.Symlink(target, filepath.Join(l.music, name)); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{
		MediaDirs:          []MediaDir{{Path: l.music, Name: "Music"}},
		ExcludedExtensions: []string{".jpg", ".txt"},
		FollowSymlinks:     true,
	}
	if withReader {
		r, err := tags.NewReader(tags.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		opts.Reader = r
	}
	l.b, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.b.Close() })
	return l
}

func names(refs []models.Ref) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Type+":"+r.Name)
	}
	return out
}

func TestBrowseHidesEscapingSymlinks(t *testing.T) {
	l := newLayout(t, false)
	ctx := context.Background()
	root := l.b.Root()
	if root == nil || root.URI != URI(l.music) {
		t.Fatalf("Root = %+v", root)
	}
	refs, err := l.b.Browse(ctx, root.URI)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"directory:album", "track:caf\uFFFD.ogg", "track:in-rel.flac"}
	if got := names(refs); !slices.Equal(got, want) {
		t.Errorf("Browse = %q, want %q", got, want)
	}
	sub, err := l.b.Browse(ctx, refs[0].URI)
	if err != nil || !slices.Equal(names(sub), []string{"track:01 song.flac"}) {
		t.Errorf("Browse album = %q, %v", names(sub), err)
	}
}

func TestLookupReadsTags(t *testing.T) {
	l := newLayout(t, true)
	ctx := context.Background()
	uri := URI(filepath.Join(l.music, "album", "01 song.flac"))
	tracks, err := l.b.Lookup(ctx, uri)
	if err != nil || len(tracks) != 1 {
		t.Fatalf("Lookup = %v, %v", tracks, err)
	}
	tr := tracks[0]
	if tr.Name != "Song" || len(tr.Artists) != 1 || tr.TrackNo != 1 || tr.Length < 900 || tr.URI != uri {
		t.Errorf("track %+v", tr)
	}
	raw := URI(filepath.Join(l.music, "caf\xe9.ogg"))
	if tracks, err := l.b.Lookup(ctx, raw); err != nil || tracks[0].Name != "caf\uFFFD" && tracks[0].Name != "caf\uFFFD.ogg" {
		t.Errorf("Lookup Latin-1 name = %v, %v", tracks, err)
	}
}

func TestResolveOpensInsideOnly(t *testing.T) {
	l := newLayout(t, false)
	ctx := context.Background()
	src, err := l.b.Resolve(ctx, URI(filepath.Join(l.music, "in-rel.flac")))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := src.Open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	want, _ := os.ReadFile(filepath.Join(l.music, "album", "01 song.flac"))
	if string(data) != string(want) || src.Format != "flac" {
		t.Errorf("resolved %d bytes format %q, want %d bytes of flac", len(data), src.Format, len(want))
	}

	hostile := []string{
		"file:///etc/hostname",
		"file://localhost/etc/hostname",
		URI(filepath.Join(l.base, "secret.txt")),
		URI(filepath.Join(l.music, "out-abs.txt")),
		URI(filepath.Join(l.music, "out-rel.txt")),
		URI(filepath.Join(l.music, "out-dir", "track.wav")),
		"file://" + l.music + "/../secret.txt",
		"file://" + l.music + "/%2e%2e/secret.txt",
		"file://" + l.music + "/..%2fsecret.txt",
		"file://" + l.music + "/%252e%252e%252fsecret.txt",
		"file://" + l.music + "/album%00/01 song.flac",
		"file://" + l.music + "\\..\\secret.txt",
		"file://evil.example" + l.music + "/caf%E9.ogg",
		"file:" + l.music + "/caf%E9.ogg",
		"file://" + l.music + "x/caf%E9.ogg",
		"file://" + l.music + "/album?x=1",
		URI(l.music), // a folder is not playable
	}
	for _, uri := range hostile {
		if src, err := l.b.Resolve(ctx, uri); err == nil {
			t.Errorf("Resolve(%q) = %+v, want an error", uri, src)
		}
		if uri == URI(l.music) {
			continue
		}
		if tracks, err := l.b.Lookup(ctx, uri); err == nil {
			t.Errorf("Lookup(%q) = %v, want an error", uri, tracks)
		}
		if refs, err := l.b.Browse(ctx, uri); err == nil {
			t.Errorf("Browse(%q) = %v, want an error", uri, refs)
		}
	}
}

func TestSeveralMediaDirs(t *testing.T) {
	l := newLayout(t, false)
	b, err := New(Options{MediaDirs: []MediaDir{{Path: l.music, Name: "Music"}, {Path: l.other}, {Path: filepath.Join(l.base, "missing")}}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if root := b.Root(); root == nil || root.URI != RootURI {
		t.Fatalf("Root = %+v, want file:root", root)
	}
	refs, err := b.Browse(context.Background(), RootURI)
	if err != nil || !slices.Equal(names(refs), []string{"directory:Music", "directory:other"}) {
		t.Errorf("Browse file:root = %q, %v", names(refs), err)
	}
	if _, err := b.Resolve(context.Background(), URI(filepath.Join(l.other, "track.wav"))); err != nil {
		t.Errorf("Resolve in the second media folder: %v", err)
	}
}
