package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/backend/local/tags"
)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "data", "library.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func put(t testing.TB, s *Store, tracks ...Track) {
	t.Helper()
	b, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range tracks {
		if err := b.Put(&tracks[i]); err != nil {
			b.Rollback()
			t.Fatal(err)
		}
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
}

func sample() []Track {
	return []Track{
		{Path: "Beyoncé/Lemonade/01 Pray You Catch Me.flac", ModifiedMS: 1000, Info: tags.Info{
			Title: "Pray You Catch Me", Album: "Lemonade", Artists: []string{"Beyoncé"},
			Genres: []string{"R&B"}, TrackNo: 1, NumTracks: 12, Date: "2016-04", Length: 196 * time.Second,
		}},
		{Path: "Beyoncé/Lemonade/02 Hold Up.flac", ModifiedMS: 2000, Info: tags.Info{
			Title: "Hold Up", Album: "Lemonade", Artists: []string{"Beyoncé"}, Composers: []string{"Ezra Koenig"},
			Genres: []string{"R&B", "Pop"}, TrackNo: 2, Date: "2016-04", Length: 221 * time.Second,
			Cover: []byte("\x89PNG\r\n\x1a\nfake"), CoverMIME: "image/png",
		}},
		{Path: "Duets/a.mp3", ModifiedMS: 3000, Info: tags.Info{
			Title: "Under Pressure", Album: "Hot Space", Artists: []string{"Queen", "David Bowie"},
			Genres: []string{"Rock"}, TrackNo: 11, Date: "1981", Length: 248 * time.Second,
		}},
		{Path: "caf\xe9/untitled.ogg", ModifiedMS: 4000, Info: tags.Info{Title: "untitled"}},
	}
}

func paths(tracks []Track) []string {
	var out []string
	for _, t := range tracks {
		out = append(out, t.Path)
	}
	return out
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(context.Background(), Options{Path: filepath.Join(dir, "library.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data folder mode %v, want 0700", fi.Mode().Perm())
	}
	for _, name := range []string{"library.db", "library.db-wal", "library.db-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "library.db")
	s, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(context.Background(), Options{Path: path}); err == nil {
		s.Close()
		t.Fatal("Open accepted schema version 99")
	}
}

func TestFind(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	put(t, s, sample()...)
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"any prefix without accent", Query{Terms: []Term{{FieldAny, "beyon"}}}, []string{"Beyoncé/Lemonade/01 Pray You Catch Me.flac", "Beyoncé/Lemonade/02 Hold Up.flac"}},
		{"title words", Query{Terms: []Term{{FieldTitle, "hold"}}}, []string{"Beyoncé/Lemonade/02 Hold Up.flac"}},
		{"second artist", Query{Terms: []Term{{FieldArtist, "bowie"}}}, []string{"Duets/a.mp3"}},
		{"exact second artist", Query{Terms: []Term{{FieldArtist, "DAVID BOWIE"}}, Exact: true}, []string{"Duets/a.mp3"}},
		{"exact partial is no match", Query{Terms: []Term{{FieldArtist, "David"}}, Exact: true}, nil},
		{"exact any", Query{Terms: []Term{{FieldAny, "hot space"}}, Exact: true}, []string{"Duets/a.mp3"}},
		{"genre and title", Query{Terms: []Term{{FieldGenre, "pop"}, {FieldTitle, "up"}}}, []string{"Beyoncé/Lemonade/02 Hold Up.flac"}},
		{"date substring", Query{Terms: []Term{{FieldDate, "2016"}}}, []string{"Beyoncé/Lemonade/01 Pray You Catch Me.flac", "Beyoncé/Lemonade/02 Hold Up.flac"}},
		{"track number", Query{Terms: []Term{{FieldTrackNo, "11"}}}, []string{"Duets/a.mp3"}},
		{"bad track number", Query{Terms: []Term{{FieldTrackNo, "x"}}}, nil},
		{"under folder", Query{Terms: []Term{{FieldAny, "r"}}, Under: "Duets"}, []string{"Duets/a.mp3"}},
		{"path substring", Query{Terms: []Term{{FieldPath, "caf\xe9/"}}}, []string{"caf\xe9/untitled.ogg"}},
		{"syntax characters", Query{Terms: []Term{{FieldAny, `"hold" ( * ^ : {} -`}}}, []string{"Beyoncé/Lemonade/02 Hold Up.flac"}},
		{"no words", Query{Terms: []Term{{FieldAny, `"*" -- ;`}}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Find(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(paths(got), c.want) {
				t.Errorf("Find = %q, want %q", paths(got), c.want)
			}
		})
	}
}

func TestPutReplacesAndDeletes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	put(t, s, sample()...)
	first, err := s.TrackByPath(ctx, "Duets/a.mp3")
	if err != nil {
		t.Fatal(err)
	}
	changed := sample()[2]
	changed.Title = "Changed"
	changed.AddedMS = 99999
	put(t, s, changed)
	got, err := s.TrackByPath(ctx, "Duets/a.mp3")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Changed" || got.AddedMS != first.AddedMS {
		t.Errorf("replaced track title %q added %d, want Changed and %d", got.Title, got.AddedMS, first.AddedMS)
	}
	if found, _ := s.Find(ctx, Query{Terms: []Term{{FieldTitle, "pressure"}}}); len(found) != 0 {
		t.Errorf("old title still indexed: %q", paths(found))
	}

	b, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Delete("Beyoncé/Lemonade/02 Hold Up.flac"); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TrackByPath(ctx, "Beyoncé/Lemonade/02 Hold Up.flac"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted track: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Artist(ctx, ArtistID("Queen")); err != nil {
		t.Errorf("live artist pruned: %v", err)
	}
	if _, err := s.Artist(ctx, ArtistID("David Bowie")); err != nil {
		t.Errorf("live artist pruned: %v", err)
	}
	img, _, err := s.Image(ctx, "x")
	if err == nil {
		t.Errorf("unknown image returned %d bytes", len(img))
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Tracks != 3 {
		t.Errorf("Stats.Tracks = %d, want 3", st.Tracks)
	}
}

func TestCatalog(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	put(t, s, sample()...)

	genres, err := s.Distinct(ctx, FieldGenre, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(genres, []string{"Pop", "R&B", "Rock"}) {
		t.Errorf("Distinct genre = %q", genres)
	}
	artists, err := s.Distinct(ctx, FieldArtist, Query{Terms: []Term{{FieldAlbum, "hot space"}}, Exact: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(artists, []string{"David Bowie", "Queen"}) {
		t.Errorf("Distinct artist = %q", artists)
	}
	groups, err := s.Count(ctx, Query{}, FieldArtist)
	if err != nil {
		t.Fatal(err)
	}
	want := []Group{{"", 1, 0}, {"Beyoncé", 2, 417000}, {"David Bowie", 1, 248000}, {"Queen", 1, 248000}}
	if !slices.Equal(groups, want) {
		t.Errorf("Count group artist = %+v, want %+v", groups, want)
	}
	pairs, err := s.DistinctGrouped(ctx, FieldAlbum, FieldDate, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pairs, []Pair{{"1981", "Hot Space"}, {"2016-04", "Lemonade"}}) {
		t.Errorf("DistinctGrouped = %+v", pairs)
	}
	folders, tracks, err := s.ListDir(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(tracks) != 0 || len(folders) != 3 || folders[0].Path != "Beyoncé" || folders[2].Path != "caf\xe9" {
		t.Errorf("ListDir root = %+v, %d tracks", folders, len(tracks))
	}
	folders, tracks, err = s.ListDir(ctx, "Beyoncé")
	if err != nil {
		t.Fatal(err)
	}
	if len(tracks) != 0 || len(folders) != 1 || folders[0].Path != "Beyoncé/Lemonade" || folders[0].ModifiedMS != 2000 {
		t.Errorf("ListDir Beyoncé = %+v, %d tracks", folders, len(tracks))
	}
	albums, err := s.Albums(ctx, AlbumFilter{ArtistID: ArtistID("beyoncé")})
	if err != nil {
		t.Fatal(err)
	}
	if len(albums) != 1 || albums[0].Name != "Lemonade" {
		t.Fatalf("Albums of Beyoncé = %+v", albums)
	}
	tracks, err = s.AlbumTracks(ctx, albums[0].ID)
	if err != nil || len(tracks) != 2 || tracks[0].TrackNo != 1 {
		t.Errorf("AlbumTracks = %q, %v", paths(tracks), err)
	}
	if tracks[1].CoverHash == "" {
		t.Fatal("cover hash not stored")
	}
	data, mime, err := s.Image(ctx, tracks[1].CoverHash)
	if err != nil || mime != "image/png" || string(data) != "\x89PNG\r\n\x1a\nfake" {
		t.Errorf("Image = %q %q %v", data, mime, err)
	}
	since, err := s.ModifiedSince(ctx, time.UnixMilli(2500))
	if err != nil || !slices.Equal(paths(since), []string{"Duets/a.mp3", "caf\xe9/untitled.ogg"}) {
		t.Errorf("ModifiedSince = %q, %v", paths(since), err)
	}
}
