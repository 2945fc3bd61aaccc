package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestPrefixWordUsesPrefixIndex(t *testing.T) {
	s := openTest(t)
	var ddl string
	if err := s.r.QueryRow("SELECT sql FROM sqlite_schema WHERE name = 'tracks_fts'").Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ddl, "prefix='1 2 3 4 5 6 7 8'") {
		t.Errorf("tracks_fts = %s, want prefix indexes of 1 to 8 characters", ddl)
	}
}

func TestMigrationRebuildsSearchIndex(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "library.db")
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, sample()...)
	s.Close()

	// Turn the file back into schema version 1, whose search index has
	// only 1- to 3-character prefix indexes.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`DROP TABLE tracks_fts;
		CREATE VIRTUAL TABLE tracks_fts USING fts5(
			title, artist, album, albumartist, composer, performer, genre, comment, path,
			content='', contentless_delete=1,
			tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');
		ALTER TABLE tracks DROP COLUMN codec;
		ALTER TABLE tracks DROP COLUMN bits;
		PRAGMA user_version = 1`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var version int
	if err := s.r.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != SchemaVersion() {
		t.Errorf("schema version %d after Open, want %d", version, SchemaVersion())
	}
	cases := []struct {
		q    Query
		want []string
	}{
		{Query{Terms: []Term{{FieldTitle, "pressure"}}}, []string{"Duets/a.mp3"}},
		{Query{Terms: []Term{{FieldArtist, "bowie"}}}, []string{"Duets/a.mp3"}},
		{Query{Terms: []Term{{FieldAny, "lemonade"}}}, []string{"Beyoncé/Lemonade/01 Pray You Catch Me.flac", "Beyoncé/Lemonade/02 Hold Up.flac"}},
		{Query{Terms: []Term{{FieldComposer, "koenig"}}}, []string{"Beyoncé/Lemonade/02 Hold Up.flac"}},
		{Query{Terms: []Term{{FieldAny, "untitled"}}}, []string{"caf\xe9/untitled.ogg"}},
	}
	for _, c := range cases {
		got, err := s.Find(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(paths(got), c.want) {
			t.Errorf("Find(%+v) after migration = %q, want %q", c.q.Terms, paths(got), c.want)
		}
	}
}

// TestMigrationMarksTracksStale turns a library back into schema version
// 2, which had no codec column, and checks that Open marks every track
// for the next scan to read again, and that a rewritten track is current.
func TestMigrationMarksTracksStale(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "library.db")
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	tracks := sample()
	put(t, s, tracks...)
	s.Close()

	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`ALTER TABLE tracks DROP COLUMN codec;
		ALTER TABLE tracks DROP COLUMN bits;
		PRAGMA user_version = 2`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stamps, err := s.Stamps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(stamps) != len(tracks) {
		t.Fatalf("%d stamps after migration, want %d", len(stamps), len(tracks))
	}
	for p, st := range stamps {
		if !st.Stale {
			t.Errorf("%q is not stale after the migration to codec columns", p)
		}
	}
	put(t, s, tracks[0])
	stamps, err = s.Stamps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stamps[tracks[0].Path].Stale {
		t.Errorf("%q is still stale after it was written again", tracks[0].Path)
	}
}
