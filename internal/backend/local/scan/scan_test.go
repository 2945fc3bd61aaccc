package scan

import (
	"bytes"
	"context"
	"database/sql"
	"image/color"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/backend/local/tags"
	"github.com/tonearm/tonearm/internal/backend/local/testlib"
	"github.com/tonearm/tonearm/internal/safepath"
)

// syncBuffer is a log sink that the scan workers may write concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type fixture struct {
	music   string
	outside string
	store   *store.Store
	scanner *Scanner
	logs    *syncBuffer
	dbPath  string
}

func newFixture(t *testing.T, follow bool) *fixture {
	t.Helper()
	base := t.TempDir()
	fx := &fixture{music: filepath.Join(base, "music"), outside: filepath.Join(base, "outside"), logs: &syncBuffer{}}
	for _, d := range []string{fx.music, fx.outside} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	fx.dbPath = filepath.Join(base, "data", "library.db")
	st, err := store.Open(context.Background(), store.Options{Path: fx.dbPath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fx.store = st
	root, err := safepath.OpenRoot(fx.music)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	reader, err := tags.NewReader(tags.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	fx.scanner, err = New(Options{
		Root: root, Store: st, Reader: reader, Workers: 2, FollowSymlinks: follow,
		ExcludedExtensions: []string{".wma"},
		Logger:             slog.New(slog.NewTextHandler(fx.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

func (fx *fixture) scan(t *testing.T, force bool) Summary {
	t.Helper()
	sum, err := fx.scanner.Scan(context.Background(), Request{Force: force})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func (fx *fixture) track(t *testing.T, rel string) store.Track {
	t.Helper()
	tr, err := fx.store.TrackByPath(context.Background(), rel)
	if err != nil {
		t.Fatalf("track %q not indexed: %v", rel, err)
	}
	return tr
}

func allPaths(t *testing.T, s *store.Store) []string {
	t.Helper()
	tracks, err := s.Find(context.Background(), store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tr := range tracks {
		out = append(out, tr.Path)
	}
	sort.Strings(out)
	return out
}

func writeLibrary(t *testing.T, fx *fixture) {
	t.Helper()
	ctx := context.Background()
	gen, err := testlib.NewGenerator(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cover := testlib.PNG(color.RGBA{G: 200, A: 255})
	full := func(title string) *testlib.Tags {
		return &testlib.Tags{
			Title: title, Album: "Album", Artists: []string{"Alice", "Bob"}, AlbumArtists: []string{"Alice"},
			Genres: []string{"Rock"}, Track: "03/12", Date: "2019-05", RGTrackGain: "-3.00 dB",
			MBTrack: "8f3471b5-7e6a-48da-86a9-c1c07a0f47ae",
		}
	}
	files := []testlib.File{
		{Path: "formats/v23.mp3", Format: "mp3-id3v23", Tags: full("v23")},
		{Path: "formats/v24.mp3", Format: "mp3-id3v24", Tags: full("v24"), Cover: cover},
		{Path: "formats/a.flac", Format: "flac", Tags: full("flac"), Cover: cover},
		{Path: "formats/a.ogg", Format: "ogg", Tags: full("ogg")},
		{Path: "formats/a.opus", Format: "opus", Tags: full("opus")},
		{Path: "formats/a.wav", Format: "wav", Tags: full("wav")},
		{Path: "formats/aac.m4a", Format: "m4a-aac", Tags: full("aac"), Cover: cover},
		{Path: "formats/alac.m4a", Format: "m4a-alac", Tags: full("alac")},
		{Path: "odd/control.flac", Format: "flac", Tags: &testlib.Tags{Title: "Bell\x07 and\x1b[2J tab\there", Album: "\ufeffBOM Album"}},
		{Path: "odd/latin1.mp3", Format: "mp3-id3v23", Latin1: true, Tags: &testlib.Tags{Title: "Déjà vu", Artists: []string{"Françoise"}}},
		{Path: "odd/untagged.ogg", Format: "ogg"},
		{Path: "odd/caf\xe9 \xff.flac", Format: "flac", Tags: &testlib.Tags{Title: "Latin-1 name"}},
		{Path: "odd/truncated.flac", Format: "flac", Tags: &testlib.Tags{Title: "Truncated"}},
		{Path: "odd/excluded.wma", Format: "wav"},
		{Path: "outside.flac", Format: "flac", Tags: &testlib.Tags{Title: "Outside"}},
	}
	if err := gen.Write(ctx, fx.music, files); err != nil {
		t.Fatal(err)
	}
	// Move the file meant to be outside.
	if err := os.Rename(filepath.Join(fx.music, "outside.flac"), filepath.Join(fx.outside, "secret.flac")); err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(fx.music, "odd", "truncated.flac")
	data, err := os.ReadFile(trunc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(trunc, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := bytes.Repeat([]byte("not audio \x00\xff"), 500)
	if err := os.WriteFile(filepath.Join(fx.music, "odd", "corrupt.mp3"), garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fx.music, "odd", "notes.txt"), []byte("text"), 0o600); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"links/abs-out.flac": filepath.Join(fx.outside, "secret.flac"),
		"links/rel-out.flac": "../../outside/secret.flac",
		"links/rel-dir-out":  "../../outside",
		"links/rel-in.flac":  "../formats/a.flac",
		"links/rel-dir-in":   "../formats",
		"links/loop":         "../links",
		"links/broken.flac":  "missing.flac",
		"links/abs-in.flac":  filepath.Join(fx.music, "formats", "a.flac"),
	}
	if err := os.MkdirAll(filepath.Join(fx.music, "links"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(fx.music, name)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestScanGeneratedLibrary(t *testing.T) {
	fx := newFixture(t, true)
	writeLibrary(t, fx)
	sum := fx.scan(t, false)

	wantPaths := []string{
		"formats/a.flac", "formats/a.ogg", "formats/a.opus", "formats/a.wav", "formats/aac.m4a",
		"formats/alac.m4a", "formats/v23.mp3", "formats/v24.mp3",
		"links/rel-dir-in/a.flac", "links/rel-dir-in/a.ogg", "links/rel-dir-in/a.opus", "links/rel-dir-in/a.wav",
		"links/rel-dir-in/aac.m4a", "links/rel-dir-in/alac.m4a", "links/rel-dir-in/v23.mp3", "links/rel-dir-in/v24.mp3",
		"links/rel-in.flac",
		"odd/caf\xe9 \xff.flac", "odd/control.flac", "odd/latin1.mp3", "odd/truncated.flac", "odd/untagged.ogg",
	}
	got := allPaths(t, fx.store)
	// The formats folder is reached twice (directly and through rel-dir-in);
	// the walk visits each folder once, so only the first path is indexed.
	wantPaths = slices.DeleteFunc(wantPaths, func(p string) bool { return strings.HasPrefix(p, "links/rel-dir-in/") })
	if !slices.Equal(got, wantPaths) {
		t.Fatalf("indexed paths:\n got %q\nwant %q", got, wantPaths)
	}
	if sum.Added != len(wantPaths) || sum.Failed != 1 || sum.Removed != 0 {
		t.Errorf("summary %+v, want %d added, 1 failed (corrupt.mp3), 0 removed", sum, len(wantPaths))
	}

	for _, p := range wantPaths[:8] {
		tr := fx.track(t, p)
		wantArtists := []string{"Alice", "Bob"}
		if strings.HasSuffix(p, "v23.mp3") {
			wantArtists = []string{"Alice/Bob"} // ID3v2.3 stores one "/"-joined value
		}
		if !slices.Equal(tr.Artists, wantArtists) {
			t.Errorf("%s: artists %q, want %q", p, tr.Artists, wantArtists)
		}
		if tr.TrackNo != 3 || tr.NumTracks != 12 || tr.Date != "2019-05" {
			t.Errorf("%s: track %d/%d date %q, want 3/12 and 2019-05", p, tr.TrackNo, tr.NumTracks, tr.Date)
		}
		if tr.Length < 900*time.Millisecond || tr.Length > 1200*time.Millisecond {
			t.Errorf("%s: length %v, want about 1s", p, tr.Length)
		}
		if !tr.Gain.HasTrack || tr.Gain.TrackGain != -3 {
			t.Errorf("%s: gain %+v, want -3 dB", p, tr.Gain)
		}
		if tr.MusicBrainzTrackID == "" || tr.AlbumID == "" {
			t.Errorf("%s: MusicBrainz id %q album id %q, want both", p, tr.MusicBrainzTrackID, tr.AlbumID)
		}
	}
	for _, p := range []string{"formats/v24.mp3", "formats/a.flac", "formats/aac.m4a"} {
		if fx.track(t, p).CoverHash == "" {
			t.Errorf("%s: no cover hash", p)
		}
	}
	if c := fx.track(t, "odd/control.flac"); c.Title != "Bell and [2J tab here" || c.Album != "BOM Album" {
		t.Errorf("control characters: title %q album %q", c.Title, c.Album)
	}
	if l := fx.track(t, "odd/latin1.mp3"); l.Title != "Déjà vu" || !slices.Equal(l.Artists, []string{"Françoise"}) {
		t.Errorf("Latin-1 ID3: title %q artists %q", l.Title, l.Artists)
	}
	if u := fx.track(t, "odd/untagged.ogg"); u.Title != "untagged" || len(u.Artists) != 0 {
		t.Errorf("untagged file: title %q artists %q, want the file name", u.Title, u.Artists)
	}
	if raw := fx.track(t, "odd/caf\xe9 \xff.flac"); raw.Title != "Latin-1 name" {
		t.Errorf("non-UTF-8 name: title %q", raw.Title)
	}

	logs := fx.logs.String()
	for _, want := range []string{"links/abs-out.flac", "links/rel-out.flac", "links/rel-dir-out", "links/abs-in.flac", "odd/corrupt.mp3", "library scan finished"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log does not mention %s", want)
		}
	}
}

func TestScanSkipsSymlinksWhenNotFollowing(t *testing.T) {
	fx := newFixture(t, false)
	writeLibrary(t, fx)
	fx.scan(t, false)
	for _, p := range allPaths(t, fx.store) {
		if strings.HasPrefix(p, "links/") {
			t.Errorf("symlink %s indexed with following off", p)
		}
	}
}

func TestRescanAddsUpdatesRemoves(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, false)
	gen, err := testlib.NewGenerator(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	write := func(files ...testlib.File) {
		t.Helper()
		if err := gen.Write(ctx, fx.music, files); err != nil {
			t.Fatal(err)
		}
	}
	write(
		testlib.File{Path: "a/keep.flac", Format: "flac", Tags: &testlib.Tags{Title: "Keep"}},
		testlib.File{Path: "a/change.ogg", Format: "ogg", Tags: &testlib.Tags{Title: "Before"}},
		testlib.File{Path: "b/remove.mp3", Format: "mp3-id3v24", Tags: &testlib.Tags{Title: "Remove"}},
	)
	if sum := fx.scan(t, false); sum.Added != 3 {
		t.Fatalf("first scan %+v, want 3 added", sum)
	}
	keep := fx.track(t, "a/keep.flac")
	if keep.Codec != tags.CodecFLAC || keep.BitsPerSample != 16 {
		t.Errorf("a/keep.flac stored as codec %q, %d bits; want flac, 16", keep.Codec, keep.BitsPerSample)
	}

	if sum := fx.scan(t, false); sum.Added+sum.Updated+sum.Removed != 0 || sum.Scanned != 3 {
		t.Fatalf("unchanged rescan %+v, want nothing to do", sum)
	}

	write(testlib.File{Path: "a/change.ogg", Format: "ogg", Tags: &testlib.Tags{Title: "After"}},
		testlib.File{Path: "c/new.opus", Format: "opus", Tags: &testlib.Tags{Title: "New"}})
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(fx.music, "a", "change.ogg"), future, future); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(fx.music, "b", "remove.mp3")); err != nil {
		t.Fatal(err)
	}
	sum := fx.scan(t, false)
	if sum.Added != 1 || sum.Updated != 1 || sum.Removed != 1 {
		t.Fatalf("rescan %+v, want 1 added, 1 updated, 1 removed", sum)
	}
	if got := allPaths(t, fx.store); !slices.Equal(got, []string{"a/change.ogg", "a/keep.flac", "c/new.opus"}) {
		t.Fatalf("paths after rescan %q", got)
	}
	if c := fx.track(t, "a/change.ogg"); c.Title != "After" {
		t.Errorf("changed file title %q, want After", c.Title)
	}
	if k := fx.track(t, "a/keep.flac"); k.ID != keep.ID {
		t.Errorf("unchanged file was rewritten: id %d, was %d", k.ID, keep.ID)
	}

	sum = fx.scan(t, true)
	if sum.Updated != 3 || sum.Added != 0 {
		t.Errorf("forced rescan %+v, want 3 updated", sum)
	}

}

func TestScanRejectsConcurrentScan(t *testing.T) {
	fx := newFixture(t, false)
	fx.scanner.running <- struct{}{}
	_, err := fx.scanner.Scan(context.Background(), Request{})
	<-fx.scanner.running
	if err != ErrBusy {
		t.Fatalf("concurrent scan: err = %v, want ErrBusy", err)
	}
}

func TestScanRejectsTraversal(t *testing.T) {
	fx := newFixture(t, false)
	for _, under := range []string{"../outside", "/etc", "a/../../x"} {
		if _, err := fx.scanner.Scan(context.Background(), Request{Under: under}); err == nil {
			t.Errorf("Scan under %q succeeded", under)
		}
	}
}

// TestRescanReadsStaleTracks checks that a track stored without a codec,
// as the schema before the codec column left every track, is read again
// by the next scan although its file did not change.
func TestRescanReadsStaleTracks(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, false)
	gen, err := testlib.NewGenerator(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Write(ctx, fx.music, []testlib.File{
		{Path: "a/one.flac", Format: "flac"},
		{Path: "a/two.ogg", Format: "ogg"},
	}); err != nil {
		t.Fatal(err)
	}
	if sum := fx.scan(t, false); sum.Added != 2 {
		t.Fatalf("first scan %+v, want 2 added", sum)
	}
	db, err := sql.Open("sqlite", "file:"+fx.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec("UPDATE tracks SET codec = NULL WHERE path = CAST('a/two.ogg' AS BLOB)")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if sum := fx.scan(t, false); sum.Updated != 1 || sum.Added+sum.Removed != 0 {
		t.Fatalf("rescan %+v, want the stale track updated", sum)
	}
	if tr := fx.track(t, "a/two.ogg"); tr.Codec != tags.CodecVorbis {
		t.Errorf("a/two.ogg codec %q after the rescan, want vorbis", tr.Codec)
	}
}
