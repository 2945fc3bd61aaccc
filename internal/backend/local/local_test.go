package local

import (
	"context"
	"errors"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/local/testlib"
	"github.com/tonearm/tonearm/internal/models"
)

func openLibrary(t *testing.T) (*Library, string) {
	t.Helper()
	ctx := context.Background()
	base := t.TempDir()
	music := filepath.Join(base, "music")
	gen, err := testlib.NewGenerator(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cover := testlib.PNG(color.RGBA{B: 200, A: 255})
	files := []testlib.File{
		{Path: "Queen/Hot Space/11 Under Pressure.flac", Format: "flac", Cover: cover, Tags: &testlib.Tags{
			Title: "Under Pressure", Album: "Hot Space", Artists: []string{"Queen", "David Bowie"},
			AlbumArtists: []string{"Queen"}, Genres: []string{"Rock"}, Track: "11/11", Date: "1982-05",
			RGTrackGain: "-4.00 dB", RGTrackPeak: "0.9"}},
		{Path: "Queen/Hot Space/01 Staying Power.mp3", Format: "mp3-id3v24", Tags: &testlib.Tags{
			Title: "Staying Power", Album: "Hot Space", Artists: []string{"Queen"}, AlbumArtists: []string{"Queen"},
			Genres: []string{"Rock"}, Track: "1/11", Date: "1982-05"}},
		{Path: "Björk/Debut/02 Crying.ogg", Format: "ogg", Tags: &testlib.Tags{
			Title: "Crying", Album: "Debut", Artists: []string{"Björk"}, Genres: []string{"Pop"}, Track: "2", Date: "1993"}},
		{Path: "loose/caf\xe9.opus", Format: "opus", Tags: &testlib.Tags{Title: "Café"}},
	}
	if err := gen.Write(ctx, music, files); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "secret.txt"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Open(ctx, Config{MediaDir: music, DataDir: filepath.Join(base, "data")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if _, err := l.Scan(ctx, false); err != nil {
		t.Fatal(err)
	}
	return l, music
}

func refNames(refs []models.Ref) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Type+":"+r.Name)
	}
	return out
}

func trackNames(tracks []models.Track) []string {
	var out []string
	for _, t := range tracks {
		out = append(out, t.Name)
	}
	return out
}

func TestBrowse(t *testing.T) {
	ctx := context.Background()
	l, _ := openLibrary(t)
	root, err := l.Browse(ctx, l.Root().URI)
	if err != nil || len(root) == 0 || root[0].URI != DirectoryPrefix {
		t.Fatalf("Browse root = %v, %v", root, err)
	}
	top, err := l.Browse(ctx, DirectoryPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if got := refNames(top); !slices.Equal(got, []string{"directory:Björk", "directory:Queen", "directory:loose"}) {
		t.Errorf("Browse folders = %q", got)
	}
	album, err := l.Browse(ctx, FolderURI("Queen/Hot Space"))
	if err != nil {
		t.Fatal(err)
	}
	if got := refNames(album); !slices.Equal(got, []string{"track:Staying Power", "track:Under Pressure"}) {
		t.Errorf("Browse Queen/Hot Space = %q", got)
	}
	loose, err := l.Browse(ctx, FolderURI("loose"))
	if err != nil || len(loose) != 1 || loose[0].URI != "local:track:loose/caf%E9.opus" {
		t.Errorf("Browse loose = %v, %v; want the percent-encoded Latin-1 name", loose, err)
	}

	artists, err := l.Browse(ctx, RootURI+"?type=artist")
	if err != nil {
		t.Fatal(err)
	}
	if got := refNames(artists); !slices.Equal(got, []string{"artist:Björk", "artist:David Bowie", "artist:Queen"}) {
		t.Errorf("Browse artists = %q", got)
	}
	queenAlbums, err := l.Browse(ctx, artists[2].URI)
	if err != nil || !slices.Equal(refNames(queenAlbums), []string{"album:Hot Space"}) {
		t.Fatalf("Browse Queen = %q, %v", refNames(queenAlbums), err)
	}
	tracks, err := l.Browse(ctx, queenAlbums[0].URI)
	if err != nil || !slices.Equal(refNames(tracks), []string{"track:Staying Power", "track:Under Pressure"}) {
		t.Errorf("Browse Hot Space = %q, %v; want track order", refNames(tracks), err)
	}
	genres, err := l.Browse(ctx, RootURI+"?type=genre")
	if err != nil || !slices.Equal(refNames(genres), []string{"directory:Pop", "directory:Rock"}) {
		t.Fatalf("Browse genres = %q, %v", refNames(genres), err)
	}
	pop, err := l.Browse(ctx, genres[0].URI)
	if err != nil || !slices.Equal(refNames(pop), []string{"album:Debut"}) {
		t.Errorf("Browse genre Pop = %q, %v", refNames(pop), err)
	}
	years, err := l.Browse(ctx, RootURI+"?type=date")
	if err != nil || !slices.Equal(refNames(years), []string{"directory:1982", "directory:1993"}) {
		t.Errorf("Browse years = %q, %v", refNames(years), err)
	}
	if _, err := l.Browse(ctx, "local:nonsense"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("Browse unknown URI: err = %v, want ErrNotFound", err)
	}
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	l, _ := openLibrary(t)
	cases := []struct {
		name  string
		query models.Query
		uris  []string
		exact bool
		want  []string
	}{
		{"any prefix", models.Query{"any": {"press"}}, nil, false, []string{"Under Pressure"}},
		{"accent folded", models.Query{"artist": {"bjork"}}, nil, false, []string{"Crying"}},
		{"second artist", models.Query{"artist": {"bowie"}}, nil, false, []string{"Under Pressure"}},
		{"exact artist", models.Query{"artist": {"queen"}}, nil, true, []string{"Staying Power", "Under Pressure"}},
		{"exact needs whole value", models.Query{"artist": {"que"}}, nil, true, nil},
		{"two fields", models.Query{"album": {"hot space"}, "track_no": {"1"}}, nil, true, []string{"Staying Power"}},
		{"in folder", models.Query{"any": {"cry"}}, []string{FolderURI("Björk")}, false, []string{"Crying"}},
		{"other backend uris", models.Query{"any": {"r"}}, []string{"file:///x"}, false, nil},
		{"uri", models.Query{"uri": {TrackURI("Björk/Debut/02 Crying.ogg")}}, nil, true, []string{"Crying"}},
		{"date", models.Query{"date": {"1982"}}, nil, false, []string{"Staying Power", "Under Pressure"}},
		{"fts syntax", models.Query{"any": {`"press" OR * NEAR(`}}, nil, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := l.Search(ctx, c.query, c.uris, c.exact)
			if err != nil {
				t.Fatal(err)
			}
			if got := trackNames(res.Tracks); !slices.Equal(got, c.want) {
				t.Errorf("Search = %q, want %q", got, c.want)
			}
		})
	}
	if _, err := l.Search(ctx, models.Query{"bogus": {"x"}}, nil, false); err == nil {
		t.Error("Search with an unknown field succeeded")
	}
	res, err := l.Search(ctx, models.Query{"artist": {"queen"}}, nil, true)
	if err != nil || len(res.Albums) != 1 || res.Albums[0].Name != "Hot Space" || res.URI != SearchURI {
		t.Errorf("Search albums = %+v, %v", res.Albums, err)
	}
}

func TestLookupAndDistinct(t *testing.T) {
	ctx := context.Background()
	l, _ := openLibrary(t)
	tracks, err := l.Lookup(ctx, TrackURI("Queen/Hot Space/11 Under Pressure.flac"))
	if err != nil || len(tracks) != 1 {
		t.Fatalf("Lookup track = %v, %v", tracks, err)
	}
	tr := tracks[0]
	if tr.Name != "Under Pressure" || tr.TrackNo != 11 || tr.Date != "1982-05" || tr.Genre != "Rock" || tr.Length < 900 {
		t.Errorf("track fields %+v", tr)
	}
	if len(tr.Artists) != 2 || tr.Artists[1].Name != "David Bowie" || tr.Album == nil || tr.Album.NumTracks != 11 {
		t.Errorf("track artists %+v album %+v", tr.Artists, tr.Album)
	}
	album, err := l.Lookup(ctx, tr.Album.URI)
	if err != nil || !slices.Equal(trackNames(album), []string{"Staying Power", "Under Pressure"}) {
		t.Errorf("Lookup album = %q, %v", trackNames(album), err)
	}
	bowie, err := l.Lookup(ctx, tr.Artists[1].URI)
	if err != nil || !slices.Equal(trackNames(bowie), []string{"Under Pressure"}) {
		t.Errorf("Lookup artist = %q, %v", trackNames(bowie), err)
	}
	all, err := l.Lookup(ctx, FolderURI("Queen"))
	if err != nil || len(all) != 2 {
		t.Errorf("Lookup folder = %q, %v", trackNames(all), err)
	}
	for _, uri := range []string{
		"local:track:missing.mp3", "local:album:md5:00", "local:artist:md5:00",
	} {
		if _, err := l.Lookup(ctx, uri); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("Lookup(%q): err = %v, want ErrNotFound", uri, err)
		}
	}

	genres, err := l.Distinct(ctx, "genre", nil)
	if err != nil || !slices.Equal(genres, []string{"Pop", "Rock"}) {
		t.Errorf("Distinct genre = %q, %v", genres, err)
	}
	artists, err := l.Distinct(ctx, "artist", models.Query{"album": {"Hot Space"}})
	if err != nil || !slices.Equal(artists, []string{"David Bowie", "Queen"}) {
		t.Errorf("Distinct artist = %q, %v", artists, err)
	}
	if _, err := l.Distinct(ctx, "any", nil); err == nil {
		t.Error("Distinct any succeeded")
	}
}

func TestImagesAndCover(t *testing.T) {
	ctx := context.Background()
	l, _ := openLibrary(t)
	uri := TrackURI("Queen/Hot Space/11 Under Pressure.flac")
	images, err := l.Images(ctx, []string{uri, TrackURI("Björk/Debut/02 Crying.ogg")})
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 || len(images[uri]) != 1 {
		t.Fatalf("Images = %v, want one cover for the FLAC only", images)
	}
	img := images[uri][0].URI
	name := filepath.Base(img)
	if filepath.Dir(img)+"/" != DefaultImagePrefix || filepath.Ext(name) != ".png" {
		t.Errorf("image URI %q, want /local/<hash>.png", img)
	}
	data, mime, err := l.Image(ctx, name)
	want := testlib.PNG(color.RGBA{B: 200, A: 255})
	if err != nil || mime != "image/png" || string(data) != string(want) {
		t.Errorf("Image(%q) = %d bytes %q %v", name, len(data), mime, err)
	}
	for _, bad := range []string{"../../etc/passwd", name[:len(name)-4] + ".jpg", "x.png", ""} {
		if _, _, err := l.Image(ctx, bad); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("Image(%q): err = %v, want ErrNotFound", bad, err)
		}
	}
	chunk, total, _, err := l.Cover(ctx, uri, 10, 20)
	if err != nil || total != len(want) || string(chunk) != string(want[10:30]) {
		t.Errorf("Cover chunk = %d bytes of %d, %v", len(chunk), total, err)
	}
	chunk, _, _, err = l.Cover(ctx, uri, len(want)-5, 1<<62)
	if err != nil || len(chunk) != 5 {
		t.Errorf("Cover tail = %d bytes, %v", len(chunk), err)
	}
	if _, _, _, err := l.Cover(ctx, TrackURI("Björk/Debut/02 Crying.ogg"), 0, 10); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("Cover of a track without one: err = %v", err)
	}
}

func TestResolveReadsTheFile(t *testing.T) {
	ctx := context.Background()
	l, music := openLibrary(t)
	uri := TrackURI("Queen/Hot Space/11 Under Pressure.flac")
	src, err := l.Resolve(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	if src.Format != "flac" || !src.Gain.HasTrack || src.Gain.TrackGain != -4 || src.URI != uri {
		t.Errorf("source %+v", src)
	}
	rc, err := src.Open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(music, "Queen", "Hot Space", "11 Under Pressure.flac"))
	if err != nil || string(got) != string(want) {
		t.Errorf("read %d bytes, want the file's %d", len(got), len(want))
	}
	raw, err := l.Resolve(ctx, "local:track:loose/caf%E9.opus")
	if err != nil || raw.Format != "opus" {
		t.Errorf("Resolve Latin-1 name = %+v, %v", raw, err)
	}
}

func TestResolveRejectsHostileURIs(t *testing.T) {
	ctx := context.Background()
	l, _ := openLibrary(t)
	hostile := []string{
		"local:track:../secret.txt",
		"local:track:..%2Fsecret.txt",
		"local:track:%2e%2e/secret.txt",
		"local:track:%252e%252e%252fsecret.txt",
		"local:track:/etc/hostname",
		"local:track:%2Fetc%2Fhostname",
		"local:track:Queen/../../secret.txt",
		"local:track:Queen%00.flac",
		"local:track:..\\secret.txt",
		"local:track:",
		"file:///etc/hostname",
	}
	for _, uri := range hostile {
		if src, err := l.Resolve(ctx, uri); err == nil {
			t.Errorf("Resolve(%q) = %+v, want an error", uri, src)
		}
		if tracks, err := l.Lookup(ctx, uri); err == nil {
			t.Errorf("Lookup(%q) = %v, want an error", uri, tracks)
		}
	}
	for _, uri := range []string{"local:directory:..", "local:directory:%2e%2e", "local:directory:/etc"} {
		if refs, err := l.Browse(ctx, uri); err == nil {
			t.Errorf("Browse(%q) = %v, want an error", uri, refs)
		}
		if err := l.Refresh(ctx, uri); err == nil {
			t.Errorf("Refresh(%q) succeeded", uri)
		}
	}
}

func TestMPDHelpers(t *testing.T) {
	ctx := context.Background()
	l, _ := openLibrary(t)
	entries, err := l.ListFolder(ctx, "Queen/Hot Space")
	if err != nil || len(entries) != 2 || entries[0].Track == nil || entries[0].Modified.IsZero() {
		t.Fatalf("ListFolder = %+v, %v", entries, err)
	}
	top, err := l.ListFolder(ctx, "")
	if err != nil || len(top) != 3 || top[0].Track != nil || top[0].Path != "Björk" {
		t.Errorf("ListFolder root = %+v, %v", top, err)
	}
	if _, err := l.ListFolder(ctx, "nope"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("ListFolder missing: err = %v", err)
	}
	groups, err := l.Count(ctx, models.Query{"genre": {"Rock"}}, true, "")
	if err != nil || len(groups) != 1 || groups[0].Songs != 2 || groups[0].LengthMS < 1800 {
		t.Errorf("Count = %+v, %v", groups, err)
	}
	pairs, err := l.ListGrouped(ctx, "album", "albumartist", nil)
	if err != nil || len(pairs) != 2 || pairs[1].Group != "Queen" || pairs[1].Value != "Hot Space" {
		t.Errorf("ListGrouped = %+v, %v", pairs, err)
	}
	all, err := l.ListAll(ctx, "")
	if err != nil || len(all) != 4 {
		t.Errorf("ListAll = %d tracks, %v", len(all), err)
	}
	stats, err := l.Stats(ctx)
	if err != nil || stats.Tracks != 4 || stats.Albums != 2 {
		t.Errorf("Stats = %+v, %v", stats, err)
	}
	if err := l.Refresh(ctx, ""); err != nil {
		t.Errorf("Refresh: %v", err)
	}
}
