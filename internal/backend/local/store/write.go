package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/tonearm/tonearm/internal/backend/local/tags"
)

// Track is one row of the library.
type Track struct {
	ID int64
	// Path is relative to the music folder, slash-separated, and may hold
	// bytes that are not UTF-8.
	Path       string
	Size       int64
	MTime      int64 // modification time in ns since the Unix epoch
	AddedMS    int64
	ModifiedMS int64
	AlbumID    string
	// CoverHash names the track's picture in the images table, or is empty.
	CoverHash string
	tags.Info
}

// Stamp is what an incremental scan compares to decide a file is
// unchanged.
type Stamp struct {
	Size  int64
	MTime int64
	// Stale is true for a track stored before the library kept the
	// fields of its current schema, which a scan must read again.
	Stale bool
}

// Stamps returns the size and modification time of every stored track by
// path.
func (s *Store) Stamps(ctx context.Context) (map[string]Stamp, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT path, size, mtime, codec IS NULL FROM tracks")
	if err != nil {
		return nil, fmt.Errorf("read file stamps: %w", err)
	}
	defer rows.Close()
	stamps := make(map[string]Stamp)
	for rows.Next() {
		var p []byte
		var st Stamp
		if err := rows.Scan(&p, &st.Size, &st.MTime, &st.Stale); err != nil {
			return nil, fmt.Errorf("read file stamps: %w", err)
		}
		stamps[string(p)] = st
	}
	return stamps, rows.Err()
}

// Batch is a write transaction. Only one is open at a time, because the
// writer pool has one connection.
type Batch struct {
	tx    *sql.Tx
	ctx   context.Context
	stmts map[string]*sql.Stmt
}

// Begin starts a write transaction.
func (s *Store) Begin(ctx context.Context) (*Batch, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin library write: %w", err)
	}
	return &Batch{tx: tx, ctx: ctx, stmts: map[string]*sql.Stmt{}}, nil
}

func (b *Batch) exec(query string, args ...any) (sql.Result, error) {
	st, ok := b.stmts[query]
	if !ok {
		var err error
		st, err = b.tx.PrepareContext(b.ctx, query)
		if err != nil {
			return nil, err
		}
		b.stmts[query] = st
	}
	return st.ExecContext(b.ctx, args...)
}

// Commit ends the transaction and keeps its writes.
func (b *Batch) Commit() error {
	if err := b.tx.Commit(); err != nil {
		return fmt.Errorf("commit library write: %w", err)
	}
	return nil
}

// Rollback ends the transaction and drops its writes.
func (b *Batch) Rollback() error { return b.tx.Rollback() }

// Delete removes the track at path, if any.
func (b *Batch) Delete(p string) error {
	var id int64
	err := b.tx.QueryRowContext(b.ctx, "SELECT id FROM tracks WHERE path = ?", []byte(p)).Scan(&id)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete track %q: %w", p, err)
	}
	return b.deleteID(id)
}

func (b *Batch) deleteID(id int64) error {
	if _, err := b.exec("DELETE FROM tracks_fts WHERE rowid = ?", id); err != nil {
		return fmt.Errorf("delete track %d from the search index: %w", id, err)
	}
	if _, err := b.exec("DELETE FROM track_tags WHERE track_id = ?", id); err != nil {
		return fmt.Errorf("delete tags of track %d: %w", id, err)
	}
	if _, err := b.exec("DELETE FROM tracks WHERE id = ?", id); err != nil {
		return fmt.Errorf("delete track %d: %w", id, err)
	}
	return nil
}

// Put inserts or replaces the track at t.Path, with its tags, search
// entry, album, artists and cover. t.AddedMS is kept from an earlier row
// of the same path.
func (b *Batch) Put(t *Track) error {
	var oldID, oldAdded int64
	err := b.tx.QueryRowContext(b.ctx, "SELECT id, added_ms FROM tracks WHERE path = ?", []byte(t.Path)).Scan(&oldID, &oldAdded)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return fmt.Errorf("store track %q: %w", t.Path, err)
	default:
		t.AddedMS = oldAdded
		if err := b.deleteID(oldID); err != nil {
			return err
		}
	}

	if len(t.Cover) > 0 {
		sum := sha256.Sum256(t.Cover)
		t.CoverHash = hex.EncodeToString(sum[:16])
		if _, err := b.exec("INSERT OR IGNORE INTO images(hash, mime, data) VALUES (?, ?, ?)",
			t.CoverHash, t.CoverMIME, t.Cover); err != nil {
			return fmt.Errorf("store cover of %q: %w", t.Path, err)
		}
	}
	albumArtists := t.AlbumArtists
	if len(albumArtists) == 0 {
		albumArtists = t.Artists
	}
	if t.Album != "" {
		t.AlbumID = AlbumID(t.Album, albumArtists)
		if _, err := b.exec(`INSERT OR REPLACE INTO albums(id, name, artists, date, num_tracks, num_discs, mb_albumid)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, t.AlbumID, t.Album, jsonList(albumArtists), t.Date,
			t.NumTracks, t.NumDiscs, t.MusicBrainzAlbumID); err != nil {
			return fmt.Errorf("store album of %q: %w", t.Path, err)
		}
	}
	for i, name := range append(append([]string{}, t.Artists...), t.AlbumArtists...) {
		mbid := ""
		if i == 0 {
			mbid = t.MusicBrainzArtistID
		}
		if _, err := b.exec("INSERT OR IGNORE INTO artists(id, name, mb_artistid) VALUES (?, ?, ?)",
			ArtistID(name), name, mbid); err != nil {
			return fmt.Errorf("store artist of %q: %w", t.Path, err)
		}
	}

	dir := path.Dir(t.Path)
	if dir == "." {
		dir = ""
	}
	res, err := b.exec(`INSERT INTO tracks(path, dir, size, mtime, title, album, album_id,
		artists, albumartists, composers, performers, genres, track_no, num_tracks, disc_no, num_discs,
		date, comment, length_ms, bitrate, sample_rate, channels,
		rg_track_gain, rg_track_peak, rg_album_gain, rg_album_peak,
		mb_trackid, mb_albumid, mb_artistid, mb_albumartistid, cover, added_ms, modified_ms, codec, bits)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		[]byte(t.Path), []byte(dir), t.Size, t.MTime, t.Title, t.Album, t.AlbumID,
		jsonList(t.Artists), jsonList(t.AlbumArtists), jsonList(t.Composers), jsonList(t.Performers), jsonList(t.Genres),
		t.TrackNo, t.NumTracks, t.DiscNo, t.NumDiscs, t.Date, t.Comment,
		t.Length.Milliseconds(), t.Bitrate, t.SampleRate, t.Channels,
		nullGain(t.Gain.TrackGain, t.Gain.HasTrack), nullGain(t.Gain.TrackPeak, t.Gain.HasTrack),
		nullGain(t.Gain.AlbumGain, t.Gain.HasAlbum), nullGain(t.Gain.AlbumPeak, t.Gain.HasAlbum),
		t.MusicBrainzTrackID, t.MusicBrainzAlbumID, t.MusicBrainzArtistID, t.MusicBrainzAlbumArtistID,
		t.CoverHash, t.AddedMS, t.ModifiedMS, t.Codec, t.BitsPerSample)
	if err != nil {
		return fmt.Errorf("store track %q: %w", t.Path, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("store track %q: %w", t.Path, err)
	}
	t.ID = id

	for _, tv := range tagValues(t) {
		if _, err := b.exec("INSERT INTO track_tags(track_id, tag, value, lvalue) VALUES (?, ?, ?, ?)",
			id, tv.tag, tv.value, strings.ToLower(tv.value)); err != nil {
			return fmt.Errorf("store tags of %q: %w", t.Path, err)
		}
	}
	return b.index(t)
}

// index inserts the tracks_fts row of t, which must have its ID.
func (b *Batch) index(t *Track) error {
	if _, err := b.exec(`INSERT INTO tracks_fts(rowid, title, artist, album, albumartist, composer,
		performer, genre, comment, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Title, strings.Join(t.Artists, "; "), t.Album, strings.Join(t.AlbumArtists, "; "),
		strings.Join(t.Composers, "; "), strings.Join(t.Performers, "; "), strings.Join(t.Genres, "; "),
		t.Comment, strings.ToValidUTF8(t.Path, " ")); err != nil {
		return fmt.Errorf("index track %q for search: %w", t.Path, err)
	}
	return nil
}

type tagValue struct{ tag, value string }

// tagValues lists the values that exact search and Distinct compare, by
// the tag names of the track_tags table.
func tagValues(t *Track) []tagValue {
	var out []tagValue
	add := func(tag string, vs ...string) {
		for _, v := range vs {
			if v != "" {
				out = append(out, tagValue{tag, v})
			}
		}
	}
	add("title", t.Title)
	add("album", t.Album)
	add("artist", t.Artists...)
	add("albumartist", t.AlbumArtists...)
	add("composer", t.Composers...)
	add("performer", t.Performers...)
	add("genre", t.Genres...)
	add("date", t.Date)
	add("comment", t.Comment)
	add("musicbrainz_trackid", t.MusicBrainzTrackID)
	add("musicbrainz_albumid", t.MusicBrainzAlbumID)
	add("musicbrainz_artistid", t.MusicBrainzArtistID)
	add("musicbrainz_albumartistid", t.MusicBrainzAlbumArtistID)
	return out
}

// Prune deletes albums, artists and images that no track refers to any
// more. A scan calls it after removing tracks.
func (s *Store) Prune(ctx context.Context) error {
	for _, q := range []string{
		"DELETE FROM albums WHERE id NOT IN (SELECT album_id FROM tracks)",
		"DELETE FROM images WHERE hash NOT IN (SELECT cover FROM tracks)",
	} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("prune library: %w", err)
		}
	}
	// Artist ids are MD5 hashes, which SQLite cannot compute, so the live
	// set is built here.
	names, err := s.distinctValues(ctx, s.w, "SELECT DISTINCT value FROM track_tags WHERE tag IN ('artist', 'albumartist')")
	if err != nil {
		return fmt.Errorf("prune library: %w", err)
	}
	live := make(map[string]bool, len(names))
	for _, n := range names {
		live[ArtistID(n)] = true
	}
	ids, err := s.distinctValues(ctx, s.w, "SELECT id FROM artists")
	if err != nil {
		return fmt.Errorf("prune library: %w", err)
	}
	for _, id := range ids {
		if live[id] {
			continue
		}
		if _, err := s.w.ExecContext(ctx, "DELETE FROM artists WHERE id = ?", id); err != nil {
			return fmt.Errorf("prune artist %s: %w", id, err)
		}
	}
	return nil
}

func (s *Store) distinctValues(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func jsonList(vs []string) string {
	if len(vs) == 0 {
		return "[]"
	}
	b, err := json.Marshal(vs)
	if err != nil {
		return "[]"
	}
	return string(b)
}

func nullGain(v float64, ok bool) any {
	if !ok {
		return nil
	}
	return v
}
