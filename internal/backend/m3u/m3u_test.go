package m3u

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/models"
)

// testEnv is a playlists folder beside a music folder whose files map to
// local:track: URIs, as the local backend maps them.
type testEnv struct {
	p         *Provider
	dir       string
	music     string
	outside   string
	playlists string
}

func newEnv(t *testing.T, opts Options) *testEnv {
	t.Helper()
	top := t.TempDir()
	env := &testEnv{
		dir:       top,
		music:     filepath.Join(top, "music"),
		outside:   filepath.Join(top, "outside"),
		playlists: filepath.Join(top, "data", "m3u"),
	}
	for _, d := range []string{env.music, filepath.Join(env.music, "Album"), env.outside} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"Album/01 Song.mp3", "Album/02 Caf\u00e9.mp3", "#1 hit.mp3"} {
		if err := os.WriteFile(filepath.Join(env.music, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	opts.PlaylistsDir = env.playlists
	if opts.TrackForPath == nil {
		opts.TrackForPath = func(_ context.Context, path string) (models.Track, bool) {
			rel, err := filepath.Rel(env.music, path)
			if err != nil || !filepath.IsLocal(rel) {
				return models.Track{}, false
			}
			if _, err := os.Stat(path); err != nil {
				return models.Track{}, false
			}
			return models.Track{URI: "local:track:" + filepath.ToSlash(rel), Name: "Tagged " + filepath.Base(rel), Length: 1000}, true
		}
	}
	if opts.PathForURI == nil {
		opts.PathForURI = func(_ context.Context, uri string) (string, bool) {
			rel, ok := strings.CutPrefix(uri, "local:track:")
			if !ok {
				return "", false
			}
			return filepath.Join(env.music, rel), true
		}
	}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	env.p = p
	return env
}

func (e *testEnv) writePlaylist(t *testing.T, file, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(e.playlists, file), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestNewCreatesPrivateFolder(t *testing.T) {
	env := newEnv(t, Options{})
	info, err := os.Stat(env.playlists)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o700 {
		t.Fatalf("playlists folder mode = %o, want 700", mode)
	}
}

func TestNewRejectsOptions(t *testing.T) {
	dir := t.TempDir()
	for _, opts := range []Options{
		{},
		{PlaylistsDir: dir, DefaultEncoding: "utf-16"},
		{PlaylistsDir: dir, DefaultExtension: ".pls"},
	} {
		if _, err := New(opts); err == nil {
			t.Errorf("New(%+v) succeeded", opts)
		}
	}
}

func TestCreateSaveLookup(t *testing.T) {
	env := newEnv(t, Options{})
	ctx := context.Background()

	pl, err := env.p.Create(ctx, "My List")
	if err != nil {
		t.Fatal(err)
	}
	if pl.URI != "m3u:My%20List.m3u8" {
		t.Fatalf("URI = %s, want m3u:My%%20List.m3u8", pl.URI)
	}
	if pl.Name != "My List" {
		t.Fatalf("name = %q", pl.Name)
	}
	info, err := os.Stat(filepath.Join(env.playlists, "My List.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("file mode = %o, want 600", mode)
	}

	pl.Tracks = []models.Track{
		{URI: "local:track:Album/01 Song.mp3", Name: "Song", Length: 215_500},
		{URI: "local:track:Album/02 Caf\u00e9.mp3"},
		{URI: "http://radio.test/live", Name: "Radio"},
	}
	saved, err := env.p.Save(ctx, *pl)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(env.playlists, "My List.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	// The music folder is outside BaseDir (the playlists folder), so
	// paths are absolute.
	want := "#EXTM3U\n#EXTINF:215,Song\n" + env.music + "/Album/01 Song.mp3\n" +
		env.music + "/Album/02 Caf\u00e9.mp3\n#EXTINF:-1,Radio\nhttp://radio.test/live\n"
	if string(data) != want {
		t.Fatalf("file =\n%s\nwant\n%s", data, want)
	}
	if len(saved.Tracks) != 3 {
		t.Fatalf("saved %d tracks, want 3", len(saved.Tracks))
	}
	first := saved.Tracks[0]
	if first.URI != "local:track:Album/01 Song.mp3" || first.Name != "Song" || first.Length != 215_000 {
		t.Fatalf("track 0 read back as %+v", first)
	}
}

func TestSaveWritesPathsRelativeToBaseDir(t *testing.T) {
	env := newEnv(t, Options{})
	// The music folder's path is known only after newEnv, so BaseDir is
	// set here rather than through Options.
	env.p.baseDir = env.music
	ctx := context.Background()
	pl, err := env.p.Create(ctx, "rel")
	if err != nil {
		t.Fatal(err)
	}
	pl.Tracks = []models.Track{{URI: "local:track:Album/01 Song.mp3"}, {URI: "local:track:#1 hit.mp3"}}

	saved, err := env.p.Save(ctx, *pl)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(env.playlists, "rel.m3u8"))
	if string(data) != "#EXTM3U\nAlbum/01 Song.mp3\n./#1 hit.mp3\n" {
		t.Fatalf("file = %q", data)
	}
	if saved.Tracks[0].URI != "local:track:Album/01 Song.mp3" {
		t.Fatalf("track 0 read back as %q", saved.Tracks[0].URI)
	}
	if saved.Tracks[1].URI != "local:track:#1 hit.mp3" {
		t.Fatalf("track 1 read back as %q, want local:track:#1 hit.mp3", saved.Tracks[1].URI)
	}
}

func TestLookupResolvesEntries(t *testing.T) {
	env := newEnv(t, Options{})
	content := "\xEF\xBB\xBF#EXTM3U\r\n" +
		"#EXTINF:123,Named\r\n../../music/Album/01 Song.mp3\r\n" +
		env.music + "/Album/02 Caf\u00e9.mp3\r\n" +
		"file://" + env.music + "/Album/01%20Song.mp3\r\n" +
		"missing.mp3\r\n" +
		"../../outside/secret.mp3\r\n" +
		"/etc/passwd\r\n" +
		"spotify:track:abc\r\n" +
		"# a comment\r\n\r\n"
	env.writePlaylist(t, "mix.m3u8", content)

	pl, err := env.p.Lookup(context.Background(), "m3u:mix.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	want := []models.Track{
		{URI: "local:track:Album/01 Song.mp3", Name: "Named", Length: 123000},
		{URI: "local:track:Album/02 Caf\u00e9.mp3", Name: "Tagged 02 Caf\u00e9.mp3", Length: 1000},
		{URI: "local:track:Album/01 Song.mp3", Name: "Tagged 01 Song.mp3", Length: 1000},
		{URI: fileURI(filepath.Join(env.playlists, "missing.mp3")), Name: "missing.mp3"},
		{URI: fileURI(filepath.Join(env.outside, "secret.mp3")), Name: "secret.mp3"},
		{URI: "file:///etc/passwd", Name: "passwd"},
		{URI: "spotify:track:abc"},
	}
	if len(pl.Tracks) != len(want) {
		t.Fatalf("got %d tracks: %+v", len(pl.Tracks), pl.Tracks)
	}
	for i := range want {
		if pl.Tracks[i].URI != want[i].URI || pl.Tracks[i].Name != want[i].Name || pl.Tracks[i].Length != want[i].Length {
			t.Errorf("track %d = %+v, want %+v", i, pl.Tracks[i], want[i])
		}
	}
	if pl.Name != "mix" || pl.LastModified == 0 {
		t.Errorf("playlist = %q modified %d", pl.Name, pl.LastModified)
	}

	refs, err := env.p.Items(context.Background(), "m3u:mix.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != len(want) || refs[0].Type != models.RefTrack || refs[0].Name != "Named" {
		t.Fatalf("items = %+v", refs)
	}
}

func TestLookupLatin1(t *testing.T) {
	env := newEnv(t, Options{})
	env.writePlaylist(t, "old.m3u", "#EXTINF:1,Caf\xe9 \xe0 Paris\nhttp://radio.test/caf\xe9\n")
	env.writePlaylist(t, "new.m3u", "#EXTINF:1,Caf\u00e9\nhttp://radio.test/\n")
	env.writePlaylist(t, "bad.m3u8", "#EXTINF:1,Caf\xe9\nhttp://radio.test/\n")

	old, err := env.p.Lookup(context.Background(), "m3u:old.m3u")
	if err != nil {
		t.Fatal(err)
	}
	if old.Tracks[0].Name != "Caf\u00e9 \u00e0 Paris" || old.Tracks[0].URI != "http://radio.test/caf\u00e9" {
		t.Fatalf("Latin-1 track = %+v", old.Tracks[0])
	}
	utf, err := env.p.Lookup(context.Background(), "m3u:new.m3u")
	if err != nil {
		t.Fatal(err)
	}
	if utf.Tracks[0].Name != "Caf\u00e9" {
		t.Fatalf("UTF-8 .m3u track name = %q", utf.Tracks[0].Name)
	}
	bad, err := env.p.Lookup(context.Background(), "m3u:bad.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	if bad.Tracks[0].Name != "Caf\uFFFD" {
		t.Fatalf("invalid UTF-8 in .m3u8 gave name %q", bad.Tracks[0].Name)
	}
}

func TestSaveLatin1(t *testing.T) {
	env := newEnv(t, Options{DefaultExtension: ".m3u"})
	ctx := context.Background()
	pl, err := env.p.Create(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	pl.Tracks = []models.Track{{URI: "http://radio.test/caf\u00e9", Name: "Caf\u00e9 \u2713"}}
	if _, err := env.p.Save(ctx, *pl); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(env.playlists, "old.m3u"))
	if string(data) != "#EXTM3U\n#EXTINF:-1,Caf\xe9 ?\nhttp://radio.test/caf\xe9\n" {
		t.Fatalf("file = %q", data)
	}

	pl.Tracks = []models.Track{{URI: "http://radio.test/\u2713"}}
	if _, err := env.p.Save(ctx, *pl); err == nil {
		t.Fatal("Save wrote a URI that Latin-1 cannot encode")
	}
}

func TestSaveCannotInjectLines(t *testing.T) {
	env := newEnv(t, Options{})
	ctx := context.Background()
	pl, err := env.p.Create(ctx, "inject")
	if err != nil {
		t.Fatal(err)
	}
	pl.Tracks = []models.Track{{URI: "http://radio.test/", Name: "A\nfile:///etc/passwd\r\n#EXTINF:1,x\u2028y\u0085z"}}
	saved, err := env.p.Save(ctx, *pl)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved.Tracks) != 1 {
		t.Fatalf("name with line breaks made %d tracks: %+v", len(saved.Tracks), saved.Tracks)
	}
	if saved.Tracks[0].Name != "Afile:///etc/passwd#EXTINF:1,xyz" {
		t.Fatalf("name = %q", saved.Tracks[0].Name)
	}

	for _, uri := range []string{"http://radio.test/\nfile:///etc/passwd", "http://a.test/\rb", "a\x00b", "", "x\u2028y"} {
		pl.Tracks = []models.Track{{URI: uri}}
		if _, err := env.p.Save(ctx, *pl); err == nil {
			t.Errorf("Save accepted track URI %q", uri)
		}
	}
	data, _ := os.ReadFile(filepath.Join(env.playlists, "inject.m3u8"))
	if strings.Count(string(data), "\n") != 3 {
		t.Fatalf("file has more lines than header, info and entry: %q", data)
	}
}

func TestHostileNames(t *testing.T) {
	env := newEnv(t, Options{})
	ctx := context.Background()
	names := []string{
		"", " ", ".", "..", "../evil", "a/b", `a\b`, "/etc/passwd", ".hidden",
		"a\x00b", "a\nb", "a\rb", "tab\there", "bell\a", "del\x7f", "c1\u0085x",
		"ls\u2028x", "\xff\xfe", strings.Repeat("a", MaxNameLength+1),
	}
	for _, name := range names {
		if _, err := env.p.Create(ctx, name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Create(%q) = %v, want ErrInvalidName", name, err)
		}
		if _, err := env.p.Save(ctx, models.Playlist{URI: "m3u:ok.m3u8", Name: name}); name != "" && name != " " && !errors.Is(err, ErrInvalidName) {
			t.Errorf("Save renaming to %q = %v, want ErrInvalidName", name, err)
		}
	}
	entries, _ := os.ReadDir(env.dir)
	for _, e := range entries {
		if e.Name() != "music" && e.Name() != "outside" && e.Name() != "data" {
			t.Errorf("unexpected file %s next to the playlists folder", e.Name())
		}
	}
}

func TestHostileURIs(t *testing.T) {
	env := newEnv(t, Options{})
	ctx := context.Background()
	uris := []string{
		"m3u:..%2Fevil.m3u8", "m3u:%2e%2e%2fevil.m3u", "m3u:../evil.m3u8",
		"m3u:%2Fetc%2Fpasswd.m3u", "m3u:a%00.m3u8", "m3u:a%0A.m3u8",
		"m3u:x.txt", "m3u:x", "m3u:.m3u8", "m3u:%zz.m3u8", "file:///etc/passwd",
		"m3u:sub%2Flist.m3u8", "m3u:" + strings.Repeat("a", 300) + ".m3u8",
	}
	for _, uri := range uris {
		if _, err := env.p.Lookup(ctx, uri); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Lookup(%q) = %v, want ErrInvalidName", uri, err)
		}
		if _, err := env.p.Save(ctx, models.Playlist{URI: uri}); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Save(%q) = %v, want ErrInvalidName", uri, err)
		}
		if _, err := env.p.Delete(ctx, uri); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidName", uri, err)
		}
		if _, err := env.p.Rename(ctx, uri, "x"); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Rename(%q) = %v, want ErrInvalidName", uri, err)
		}
	}
}

func TestSymlinksOutOfFolder(t *testing.T) {
	env := newEnv(t, Options{})
	ctx := context.Background()
	secret := filepath.Join(env.outside, "secret.m3u8")
	if err := os.WriteFile(secret, []byte("http://secret.test/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(env.playlists, "link.m3u8")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../outside/secret.m3u8", filepath.Join(env.playlists, "rel.m3u8")); err != nil {
		t.Fatal(err)
	}

	refs, err := env.p.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 0 {
		t.Fatalf("List shows symbolic links: %+v", refs)
	}
	for _, uri := range []string{"m3u:link.m3u8", "m3u:rel.m3u8"} {
		pl, err := env.p.Lookup(ctx, uri)
		if err == nil {
			t.Fatalf("Lookup(%s) read outside the folder: %+v", uri, pl)
		}
	}
	if ok, err := env.p.Delete(ctx, "m3u:link.m3u8"); ok || err == nil {
		t.Fatalf("Delete of a symbolic link = %v, %v; want an error", ok, err)
	}
	// Saving over a link replaces the link and leaves its target alone.
	if _, err := env.p.Save(ctx, models.Playlist{URI: "m3u:link.m3u8", Tracks: []models.Track{{URI: "http://new.test/"}}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(secret)
	if string(data) != "http://secret.test/\n" {
		t.Fatalf("Save wrote through a symbolic link: %q", data)
	}
}

func TestListRenameDelete(t *testing.T) {
	env := newEnv(t, Options{})
	ctx := context.Background()
	for _, name := range []string{"b list", "a list", "Ünïcödé"} {
		if _, err := env.p.Create(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	env.writePlaylist(t, "old style.m3u", "http://radio.test/\n")
	env.writePlaylist(t, "notes.txt", "x")
	if err := os.Mkdir(filepath.Join(env.playlists, "dir.m3u"), 0o700); err != nil {
		t.Fatal(err)
	}

	refs, err := env.p.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range refs {
		got = append(got, r.Name+"="+r.URI)
		if r.Type != models.RefPlaylist {
			t.Errorf("ref type %q", r.Type)
		}
	}
	want := "a list=m3u:a%20list.m3u8|b list=m3u:b%20list.m3u8|old style=m3u:old%20style.m3u|Ünïcödé=m3u:%C3%9Cn%C3%AFc%C3%B6d%C3%A9.m3u8"
	if strings.Join(got, "|") != want {
		t.Fatalf("List = %s\nwant %s", strings.Join(got, "|"), want)
	}

	if _, err := env.p.Create(ctx, "a list"); !errors.Is(err, ErrExists) {
		t.Fatalf("Create of an existing name = %v, want ErrExists", err)
	}
	if _, err := env.p.Create(ctx, "old style"); !errors.Is(err, ErrExists) {
		t.Fatalf("Create of a name used by a .m3u file = %v, want ErrExists", err)
	}

	renamed, err := env.p.Rename(ctx, "m3u:old%20style.m3u", "new style")
	if err != nil {
		t.Fatal(err)
	}
	if renamed.URI != "m3u:new%20style.m3u" || len(renamed.Tracks) != 1 {
		t.Fatalf("renamed = %+v", renamed)
	}
	if _, err := env.p.Rename(ctx, "m3u:new%20style.m3u", "a list"); !errors.Is(err, ErrExists) {
		t.Fatalf("Rename onto an existing name = %v, want ErrExists", err)
	}
	if _, err := env.p.Rename(ctx, "m3u:gone.m3u", "x"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("Rename of a missing playlist = %v, want ErrNotFound", err)
	}

	saved, err := env.p.Save(ctx, models.Playlist{URI: "m3u:b%20list.m3u8", Name: "c list"})
	if err != nil {
		t.Fatal(err)
	}
	if saved.URI != "m3u:c%20list.m3u8" || saved.Name != "c list" {
		t.Fatalf("Save with a new name = %+v", saved)
	}
	if _, err := os.Stat(filepath.Join(env.playlists, "b list.m3u8")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old file still there after renaming save: %v", err)
	}

	ok, err := env.p.Delete(ctx, "m3u:c%20list.m3u8")
	if err != nil || !ok {
		t.Fatalf("Delete = %v, %v", ok, err)
	}
	ok, err = env.p.Delete(ctx, "m3u:c%20list.m3u8")
	if err != nil || ok {
		t.Fatalf("second Delete = %v, %v; want false, nil", ok, err)
	}
	if _, err := env.p.Lookup(ctx, "m3u:c%20list.m3u8"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("Lookup after Delete = %v, want ErrNotFound", err)
	}
	if err := env.p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestLookupTooLarge(t *testing.T) {
	env := newEnv(t, Options{})
	f, err := os.Create(filepath.Join(env.playlists, "big.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := env.p.Lookup(context.Background(), "m3u:big.m3u8"); err == nil {
		t.Fatal("Lookup read a file over MaxFileSize")
	}
}

func TestURIRoundTrip(t *testing.T) {
	for _, file := range []string{"a.m3u8", "My List.m3u", "100% €.m3u8", "x+y=z?&#.m3u8", "日本.m3u"} {
		uri := uriFromFile(file)
		got, err := fileFromURI(uri)
		if err != nil {
			t.Fatalf("fileFromURI(%s): %v", uri, err)
		}
		if got != file {
			t.Fatalf("round trip of %q gave %q via %s", file, got, uri)
		}
	}
}

func TestParseItems(t *testing.T) {
	res := parseItems([]byte("#EXTM3U\r#EXTINF:12.5 tvg-id=\"1\",Title\rone\r\n\r\n#EXTINF:x,\ntwo\nbad\x00entry\n  three  \n"), false)
	if len(res.items) != 3 || res.skipped != 1 {
		t.Fatalf("items = %+v, skipped %d", res.items, res.skipped)
	}
	if res.items[0] != (item{location: "one", title: "Title", lengthMS: 12500}) {
		t.Fatalf("item 0 = %+v", res.items[0])
	}
	if res.items[1] != (item{location: "two"}) || res.items[2].location != "three" {
		t.Fatalf("items = %+v", res.items)
	}
}

func FuzzParseItems(f *testing.F) {
	f.Add([]byte("#EXTM3U\n#EXTINF:1,A\nhttp://a.test/\n"), true)
	f.Add([]byte("\xEF\xBB\xBFa\r\nb\rc\x00"), false)
	f.Fuzz(func(t *testing.T, data []byte, latin1 bool) {
		res := parseItems(data, latin1)
		if len(res.items) > MaxItems {
			t.Fatalf("%d items", len(res.items))
		}
		var lines []dumpLine
		for _, it := range res.items {
			if it.location == "" || hasControl(it.location) || hasControl(it.title) {
				t.Fatalf("bad item %+v", it)
			}
			lines = append(lines, dumpLine{location: it.location, title: it.title, lengthMS: it.lengthMS})
		}
		// What was read writes back, and reads back the same.
		out, err := dumpItems(lines, false)
		if err != nil {
			t.Fatalf("dump of parsed items: %v", err)
		}
		again := parseItems(out, false)
		if len(again.items) != len(res.items) {
			t.Fatalf("round trip gave %d items, want %d", len(again.items), len(res.items))
		}
	})
}

func FuzzFileFromURI(f *testing.F) {
	f.Add("m3u:My%20List.m3u8")
	f.Add("m3u:..%2Fx.m3u")
	f.Fuzz(func(t *testing.T, uri string) {
		file, err := fileFromURI(uri)
		if err != nil {
			return
		}
		if file != filepath.Base(file) || strings.HasPrefix(file, ".") || strings.ContainsAny(file, "/\\\x00\n\r") {
			t.Fatalf("fileFromURI(%q) = %q escapes the folder", uri, file)
		}
		if back, err := fileFromURI(uriFromFile(file)); err != nil || back != file {
			t.Fatalf("round trip of %q = %q, %v", file, back, err)
		}
	})
}
