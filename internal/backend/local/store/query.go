package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fields a Term may name. They follow Mopidy 3.4's query fields, plus
// "path" for the file path relative to the music folder.
const (
	FieldAny             = "any"
	FieldTitle           = "track_name"
	FieldAlbum           = "album"
	FieldArtist          = "artist"
	FieldAlbumArtist     = "albumartist"
	FieldComposer        = "composer"
	FieldPerformer       = "performer"
	FieldGenre           = "genre"
	FieldDate            = "date"
	FieldComment         = "comment"
	FieldTrackNo         = "track_no"
	FieldDiscNo          = "disc_no"
	FieldMBTrackID       = "musicbrainz_trackid"
	FieldMBAlbumID       = "musicbrainz_albumid"
	FieldMBArtistID      = "musicbrainz_artistid"
	FieldMBAlbumArtistID = "musicbrainz_albumartistid"
	FieldPath            = "path"
)

// Bounds on queries.
const (
	defaultLimit      = 100000
	maxTerms          = 64
	maxTermValueBytes = 1024
)

// tagOf maps a field to its tag in track_tags.
var tagOf = map[string]string{
	FieldTitle: "title", FieldAlbum: "album", FieldArtist: "artist", FieldAlbumArtist: "albumartist",
	FieldComposer: "composer", FieldPerformer: "performer", FieldGenre: "genre", FieldDate: "date",
	FieldComment: "comment", FieldMBTrackID: "musicbrainz_trackid", FieldMBAlbumID: "musicbrainz_albumid",
	FieldMBArtistID: "musicbrainz_artistid", FieldMBAlbumArtistID: "musicbrainz_albumartistid",
}

// ftsColumn maps a field to its column in tracks_fts.
var ftsColumn = map[string]string{
	FieldTitle: "title", FieldAlbum: "album", FieldArtist: "artist", FieldAlbumArtist: "albumartist",
	FieldComposer: "composer", FieldPerformer: "performer", FieldGenre: "genre", FieldComment: "comment",
}

// IsField reports whether name is a field a Term may use.
func IsField(name string) bool {
	switch name {
	case FieldAny, FieldTrackNo, FieldDiscNo, FieldPath:
		return true
	}
	_, ok := tagOf[name]
	return ok
}

// Term is one condition of a Query.
type Term struct {
	Field string
	Value string
}

// Query selects tracks. All terms must match.
type Query struct {
	Terms []Term
	// Exact compares whole values, case-insensitively. Otherwise text
	// fields match when every word of the value starts a word of the field
	// (FTS5 prefix search, accents ignored), and date and path match a
	// substring.
	Exact bool
	// Under limits the tracks to a folder and its subfolders; "" is the
	// whole library.
	Under string
	// Limit bounds the number of tracks; 0 means 100,000.
	Limit int
}

type filter struct {
	where []string
	args  []any
	// match is the FTS5 expression that matching tracks_fts rows must
	// satisfy, or "".
	match string
	none  bool // a term can match nothing
}

func buildFilter(q Query) (filter, error) {
	var f filter
	if len(q.Terms) > maxTerms {
		return f, fmt.Errorf("query has %d terms; at most %d are allowed", len(q.Terms), maxTerms)
	}
	var match []string
	for _, t := range q.Terms {
		if len(t.Value) > maxTermValueBytes {
			return f, fmt.Errorf("query value for %s has %d bytes; at most %d are allowed", t.Field, len(t.Value), maxTermValueBytes)
		}
		if !IsField(t.Field) {
			return f, fmt.Errorf("unknown query field %q", t.Field)
		}
		switch {
		case t.Field == FieldTrackNo || t.Field == FieldDiscNo:
			n, err := strconv.Atoi(strings.TrimSpace(t.Value))
			if err != nil {
				f.none = true
				continue
			}
			f.where = append(f.where, "t."+t.Field+" = ?")
			f.args = append(f.args, n)
		case t.Field == FieldPath && q.Exact:
			f.where = append(f.where, "t.path = ?")
			f.args = append(f.args, []byte(t.Value))
		case t.Field == FieldPath:
			f.where = append(f.where, "instr(t.path, ?) > 0")
			f.args = append(f.args, []byte(t.Value))
		case q.Exact && t.Field == FieldAny:
			f.where = append(f.where, "t.id IN (SELECT track_id FROM track_tags WHERE lvalue = ?)")
			f.args = append(f.args, strings.ToLower(t.Value))
		case q.Exact || ftsColumn[t.Field] == "" && t.Field != FieldAny && t.Field != FieldDate:
			f.where = append(f.where, "t.id IN (SELECT track_id FROM track_tags WHERE tag = ? AND lvalue = ?)")
			f.args = append(f.args, tagOf[t.Field], strings.ToLower(t.Value))
		case t.Field == FieldDate:
			f.where = append(f.where, "instr(lower(t.date), ?) > 0")
			f.args = append(f.args, strings.ToLower(t.Value))
		default:
			expr := MatchExpr(ftsColumn[t.Field], t.Value)
			if expr == "" {
				f.none = true
				continue
			}
			match = append(match, expr)
		}
	}
	f.match = strings.Join(match, " AND ")
	if q.Under != "" {
		prefix := strings.TrimSuffix(q.Under, "/")
		f.where = append(f.where, "t.path >= ? AND t.path < ?")
		f.args = append(f.args, []byte(prefix+"/"), []byte(prefix+"0")) // '0' follows '/'
	}
	if f.none {
		f.where = append(f.where, "0")
	}
	return f, nil
}

// clause returns the WHERE condition on tracks t, without the FTS5 match,
// and its arguments.
func (f filter) clause() (string, []any) {
	if len(f.where) == 0 {
		return "1", f.args
	}
	return strings.Join(f.where, " AND "), f.args
}

// clauseWithMatch returns the whole WHERE condition on tracks t, with the
// FTS5 match as a subquery, and its arguments.
func (f filter) clauseWithMatch() (string, []any) {
	where, args := f.clause()
	if f.match == "" {
		return where, args
	}
	where += " AND t.id IN (SELECT rowid FROM tracks_fts WHERE tracks_fts MATCH ?)"
	return where, append(args[:len(args):len(args)], f.match)
}

// baseTrackColumns are the columns of schema version 2, which the
// migration to version 2 reads before later columns exist.
const baseTrackColumns = `t.id, t.path, t.size, t.mtime, t.title, t.album, t.album_id, t.artists,
	t.albumartists, t.composers, t.performers, t.genres, t.track_no, t.num_tracks, t.disc_no,
	t.num_discs, t.date, t.comment, t.length_ms, t.bitrate, t.sample_rate, t.channels,
	t.rg_track_gain, t.rg_track_peak, t.rg_album_gain, t.rg_album_peak, t.mb_trackid,
	t.mb_albumid, t.mb_artistid, t.mb_albumartistid, t.cover, t.added_ms, t.modified_ms`

const trackColumns = baseTrackColumns + `, t.codec, t.bits`

func scanTrack(rows interface{ Scan(...any) error }) (Track, error) {
	return scanColumns(rows, true)
}

// scanColumns reads a row of trackColumns, or of baseTrackColumns when
// withFormat is false.
func scanColumns(rows interface{ Scan(...any) error }, withFormat bool) (Track, error) {
	var t Track
	var p []byte
	var artists, albumArtists, composers, performers, genres string
	var lengthMS int64
	var tg, tp, ag, ap sql.NullFloat64
	var codec sql.NullString
	dest := []any{&t.ID, &p, &t.Size, &t.MTime, &t.Title, &t.Album, &t.AlbumID, &artists,
		&albumArtists, &composers, &performers, &genres, &t.TrackNo, &t.NumTracks, &t.DiscNo,
		&t.NumDiscs, &t.Date, &t.Comment, &lengthMS, &t.Bitrate, &t.SampleRate, &t.Channels,
		&tg, &tp, &ag, &ap, &t.MusicBrainzTrackID, &t.MusicBrainzAlbumID, &t.MusicBrainzArtistID,
		&t.MusicBrainzAlbumArtistID, &t.CoverHash, &t.AddedMS, &t.ModifiedMS}
	if withFormat {
		dest = append(dest, &codec, &t.BitsPerSample)
	}
	if err := rows.Scan(dest...); err != nil {
		return t, err
	}
	t.Codec = codec.String
	t.Path = string(p)
	t.Length = time.Duration(lengthMS) * time.Millisecond
	t.Artists = parseList(artists)
	t.AlbumArtists = parseList(albumArtists)
	t.Composers = parseList(composers)
	t.Performers = parseList(performers)
	t.Genres = parseList(genres)
	t.Gain.TrackGain, t.Gain.TrackPeak, t.Gain.HasTrack = tg.Float64, tp.Float64, tg.Valid
	t.Gain.AlbumGain, t.Gain.AlbumPeak, t.Gain.HasAlbum = ag.Float64, ap.Float64, ag.Valid
	return t, nil
}

func parseList(s string) []string {
	if s == "" || s == "[]" {
		return nil
	}
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil
	}
	return out
}

func (s *Store) queryTracks(ctx context.Context, query string, args ...any) ([]Track, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Track
	for rows.Next() {
		t, err := scanTrack(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Find returns the tracks matching q, ordered by path. When more than
// q.Limit tracks match, it keeps the q.Limit matches with the lowest track
// ids, which are the tracks stored first.
//
// SQLite can stop after q.Limit rows because it produces matches in rowid
// order without a sort: FTS5 returns them so, and the other conditions
// scan tracks by rowid or walk a rowid list. Only a query with a folder
// and no other term sorts that folder's tracks first. The kept tracks are
// sorted by path here.
func (s *Store) Find(ctx context.Context, q Query) ([]Track, error) {
	f, err := buildFilter(q)
	if err != nil {
		return nil, err
	}
	query, args := findStatement(f, q.Limit)
	tracks, err := s.queryTracks(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search library: %w", err)
	}
	slices.SortFunc(tracks, func(a, b Track) int { return strings.Compare(a.Path, b.Path) })
	return tracks, nil
}

// findStatement returns the SELECT statement of Find and its arguments.
func findStatement(f filter, limit int) (string, []any) {
	if limit <= 0 || limit > defaultLimit {
		limit = defaultLimit
	}
	where, args := f.clause()
	if f.match == "" {
		return "SELECT " + trackColumns + " FROM tracks t WHERE " + where + " ORDER BY t.id LIMIT ?",
			append(args[:len(args):len(args)], limit)
	}
	// FTS5 is the outer loop: it yields matches in rowid order, and each
	// is joined to its track by primary key.
	args = append([]any{f.match}, args...)
	return "SELECT " + trackColumns + " FROM tracks_fts JOIN tracks t ON t.id = tracks_fts.rowid" +
		" WHERE tracks_fts MATCH ? AND " + where + " ORDER BY tracks_fts.rowid LIMIT ?", append(args, limit)
}

// TrackByPath returns the track at a path relative to the music folder.
func (s *Store) TrackByPath(ctx context.Context, p string) (Track, error) {
	row := s.r.QueryRowContext(ctx, "SELECT "+trackColumns+" FROM tracks t WHERE t.path = ?", []byte(p))
	t, err := scanTrack(row)
	if err == sql.ErrNoRows {
		return t, fmt.Errorf("track %q: %w", p, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("read track %q: %w", p, err)
	}
	return t, nil
}

// AlbumTracks returns an album's tracks by disc and track number.
func (s *Store) AlbumTracks(ctx context.Context, albumID string) ([]Track, error) {
	tracks, err := s.queryTracks(ctx, "SELECT "+trackColumns+" FROM tracks t WHERE t.album_id = ?"+
		" ORDER BY t.disc_no, t.track_no, t.path", albumID)
	if err != nil {
		return nil, fmt.Errorf("read tracks of album %s: %w", albumID, err)
	}
	return tracks, nil
}

// ArtistTracks returns the tracks where the artist is an artist or album
// artist, by album, disc and track number.
func (s *Store) ArtistTracks(ctx context.Context, artistID string) ([]Track, error) {
	a, err := s.Artist(ctx, artistID)
	if err != nil {
		return nil, err
	}
	tracks, err := s.queryTracks(ctx, "SELECT "+trackColumns+` FROM tracks t WHERE t.id IN
		(SELECT track_id FROM track_tags WHERE tag IN ('artist', 'albumartist') AND lvalue = ?)
		ORDER BY t.album, t.disc_no, t.track_no, t.path`, strings.ToLower(a.Name))
	if err != nil {
		return nil, fmt.Errorf("read tracks of artist %s: %w", artistID, err)
	}
	return tracks, nil
}

// ModifiedSince returns the tracks added or changed at or after t.
func (s *Store) ModifiedSince(ctx context.Context, t time.Time) ([]Track, error) {
	tracks, err := s.queryTracks(ctx, "SELECT "+trackColumns+" FROM tracks t WHERE t.modified_ms >= ?"+
		" ORDER BY t.path LIMIT ?", t.UnixMilli(), defaultLimit)
	if err != nil {
		return nil, fmt.Errorf("read tracks modified since %v: %w", t, err)
	}
	return tracks, nil
}
