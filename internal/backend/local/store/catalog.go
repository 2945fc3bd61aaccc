package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Album is a row of the albums table.
type Album struct {
	ID                 string
	Name               string
	Artists            []string
	Date               string
	NumTracks          int
	NumDiscs           int
	MusicBrainzAlbumID string
}

// Artist is a row of the artists table.
type Artist struct {
	ID                  string
	Name                string
	MusicBrainzArtistID string
}

// Album returns the album with the given id.
func (s *Store) Album(ctx context.Context, id string) (Album, error) {
	row := s.r.QueryRowContext(ctx, "SELECT id, name, artists, date, num_tracks, num_discs, mb_albumid FROM albums WHERE id = ?", id)
	a, err := scanAlbum(row)
	if err == sql.ErrNoRows {
		return a, fmt.Errorf("album %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("read album %s: %w", id, err)
	}
	return a, nil
}

func scanAlbum(row interface{ Scan(...any) error }) (Album, error) {
	var a Album
	var artists string
	err := row.Scan(&a.ID, &a.Name, &artists, &a.Date, &a.NumTracks, &a.NumDiscs, &a.MusicBrainzAlbumID)
	a.Artists = parseList(artists)
	return a, err
}

// AlbumFilter narrows Albums. Empty fields do not filter.
type AlbumFilter struct {
	ArtistID string // artist or album artist
	Genre    string // exact, case-insensitive
	Date     string // prefix, such as a year
}

// Albums returns albums by name.
func (s *Store) Albums(ctx context.Context, f AlbumFilter) ([]Album, error) {
	var where []string
	var args []any
	if f.ArtistID != "" {
		a, err := s.Artist(ctx, f.ArtistID)
		if err != nil {
			return nil, err
		}
		where = append(where, `id IN (SELECT t.album_id FROM tracks t JOIN track_tags g ON g.track_id = t.id
			WHERE g.tag IN ('artist', 'albumartist') AND g.lvalue = ?)`)
		args = append(args, strings.ToLower(a.Name))
	}
	if f.Genre != "" {
		where = append(where, `id IN (SELECT t.album_id FROM tracks t JOIN track_tags g ON g.track_id = t.id
			WHERE g.tag = 'genre' AND g.lvalue = ?)`)
		args = append(args, strings.ToLower(f.Genre))
	}
	if f.Date != "" {
		where = append(where, "id IN (SELECT album_id FROM tracks WHERE substr(date, 1, ?) = ?)")
		args = append(args, len(f.Date), f.Date)
	}

	clause := "1"
	if len(where) > 0 {
		clause = strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, "SELECT id, name, artists, date, num_tracks, num_discs, mb_albumid FROM albums WHERE "+
		clause+" ORDER BY name COLLATE NOCASE, id LIMIT ?", append(args, defaultLimit)...)
	if err != nil {
		return nil, fmt.Errorf("read albums: %w", err)
	}
	defer rows.Close()
	var out []Album
	for rows.Next() {
		a, err := scanAlbum(rows)
		if err != nil {
			return nil, fmt.Errorf("read albums: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Artist returns the artist with the given id.
func (s *Store) Artist(ctx context.Context, id string) (Artist, error) {
	var a Artist
	err := s.r.QueryRowContext(ctx, "SELECT id, name, mb_artistid FROM artists WHERE id = ?", id).
		Scan(&a.ID, &a.Name, &a.MusicBrainzArtistID)
	if err == sql.ErrNoRows {
		return a, fmt.Errorf("artist %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("read artist %s: %w", id, err)
	}
	return a, nil
}

// Artists returns the artists that appear in the given role ("artist",
// "albumartist", "composer" or "performer"), by name.
func (s *Store) Artists(ctx context.Context, role string) ([]Artist, error) {
	switch role {
	case "artist", "albumartist", "composer", "performer":
	default:
		return nil, fmt.Errorf("unknown artist role %q; use artist, albumartist, composer or performer", role)
	}
	names, err := s.distinctValues(ctx, s.r, "SELECT DISTINCT value FROM track_tags WHERE tag = ? LIMIT ?", role, defaultLimit)
	if err != nil {
		return nil, fmt.Errorf("read artists: %w", err)
	}
	seen := make(map[string]bool, len(names))
	out := make([]Artist, 0, len(names))
	for _, n := range names {
		id := ArtistID(n)
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, Artist{ID: id, Name: n})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

// Distinct returns the distinct values of field among the tracks matching
// q, sorted.
func (s *Store) Distinct(ctx context.Context, field string, q Query) ([]string, error) {
	f, err := buildFilter(q)
	if err != nil {
		return nil, err
	}
	var query string
	where, args := f.clauseWithMatch()
	switch field {
	case FieldTrackNo, FieldDiscNo:
		query = "SELECT DISTINCT CAST(t." + field + " AS TEXT) FROM tracks t WHERE t." + field + " > 0 AND " + where
	case FieldPath:
		query = "SELECT DISTINCT CAST(t.path AS TEXT) FROM tracks t WHERE " + where
	default:
		tag, ok := tagOf[field]
		if !ok {
			return nil, fmt.Errorf("unknown distinct field %q", field)
		}
		query = "SELECT DISTINCT g.value FROM track_tags g JOIN tracks t ON t.id = g.track_id WHERE g.tag = ? AND " + where
		args = append([]any{tag}, args...)
	}
	values, err := s.distinctValues(ctx, s.r, query+" LIMIT ?", append(args, defaultLimit)...)
	if err != nil {
		return nil, fmt.Errorf("read distinct %s: %w", field, err)
	}
	if field == FieldTrackNo || field == FieldDiscNo {
		sort.Slice(values, func(i, j int) bool {
			a, _ := strconv.Atoi(values[i])
			b, _ := strconv.Atoi(values[j])
			return a < b
		})
	} else {
		sort.Strings(values)
	}
	return values, nil
}

// Pair is a value of a listed field with the value of its group field.
type Pair struct {
	Group string
	Value string
}

// DistinctGrouped returns the distinct (group, value) pairs of field and
// group among the tracks matching q, sorted by group then value, as MPD's
// "list FIELD group GROUP" needs. A track without the group tag pairs with
// an empty group.
func (s *Store) DistinctGrouped(ctx context.Context, field, group string, q Query) ([]Pair, error) {
	ftag, ok := tagOf[field]
	if !ok {
		return nil, fmt.Errorf("unknown list field %q", field)
	}
	gtag, ok := tagOf[group]
	if !ok {
		return nil, fmt.Errorf("unknown group field %q", group)
	}
	f, err := buildFilter(q)
	if err != nil {
		return nil, err
	}
	where, args := f.clauseWithMatch()
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT coalesce(g.value, ''), v.value FROM track_tags v
		JOIN tracks t ON t.id = v.track_id
		LEFT JOIN track_tags g ON g.track_id = v.track_id AND g.tag = ?
		WHERE v.tag = ? AND `+where+" ORDER BY 1, 2 LIMIT ?", append(append([]any{gtag, ftag}, args...), defaultLimit)...)
	if err != nil {
		return nil, fmt.Errorf("list %s by %s: %w", field, group, err)
	}
	defer rows.Close()
	var out []Pair
	for rows.Next() {
		var p Pair
		if err := rows.Scan(&p.Group, &p.Value); err != nil {
			return nil, fmt.Errorf("list %s by %s: %w", field, group, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Group is the number of tracks and their total length for one value.
type Group struct {
	Value    string
	Songs    int
	LengthMS int64
}

// Count returns the number of tracks matching q and their total length,
// as one Group when group is "", else one Group per value of the group
// field (MPD's "count ... group TAG"). Tracks without the group tag are
// counted under "".
func (s *Store) Count(ctx context.Context, q Query, group string) ([]Group, error) {
	f, err := buildFilter(q)
	if err != nil {
		return nil, err
	}
	where, args := f.clauseWithMatch()
	var rows *sql.Rows
	if group == "" {
		rows, err = s.r.QueryContext(ctx, "SELECT '', count(*), coalesce(sum(t.length_ms), 0) FROM tracks t WHERE "+where, args...)
	} else {
		gtag, ok := tagOf[group]
		if !ok {
			return nil, fmt.Errorf("unknown group field %q", group)
		}
		rows, err = s.r.QueryContext(ctx, `SELECT coalesce(g.value, ''), count(*), coalesce(sum(t.length_ms), 0)
			FROM tracks t LEFT JOIN track_tags g ON g.track_id = t.id AND g.tag = ?
			WHERE `+where+" GROUP BY 1 ORDER BY 1 LIMIT ?", append(append([]any{gtag}, args...), defaultLimit)...)
	}
	if err != nil {
		return nil, fmt.Errorf("count tracks: %w", err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.Value, &g.Songs, &g.LengthMS); err != nil {
			return nil, fmt.Errorf("count tracks: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Folder is a subfolder in a listing, with the latest modification time of
// the tracks below it.
type Folder struct {
	Path       string // relative to the music folder
	ModifiedMS int64
}

// ListDir returns the subfolders and the tracks directly inside dir ("" for
// the music folder itself), each sorted by path. Only folders that contain
// tracks, directly or below, are listed.
func (s *Store) ListDir(ctx context.Context, dir string) ([]Folder, []Track, error) {
	dir = strings.Trim(dir, "/")
	tracks, err := s.queryTracks(ctx, "SELECT "+trackColumns+" FROM tracks t WHERE t.dir = ? ORDER BY t.path", []byte(dir))
	if err != nil {
		return nil, nil, fmt.Errorf("list folder %q: %w", dir, err)
	}
	var rows *sql.Rows
	if dir == "" {
		rows, err = s.r.QueryContext(ctx, "SELECT dir, max(modified_ms) FROM tracks WHERE dir != x'' GROUP BY dir")
	} else {
		rows, err = s.r.QueryContext(ctx, "SELECT dir, max(modified_ms) FROM tracks WHERE dir >= ? AND dir < ? GROUP BY dir",
			[]byte(dir+"/"), []byte(dir+"0"))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list folder %q: %w", dir, err)
	}
	defer rows.Close()
	children := map[string]int64{}
	for rows.Next() {
		var d []byte
		var mod int64
		if err := rows.Scan(&d, &mod); err != nil {
			return nil, nil, fmt.Errorf("list folder %q: %w", dir, err)
		}
		rest := string(d)
		if dir != "" {
			rest = rest[len(dir)+1:]
		}
		name, _, _ := strings.Cut(rest, "/")
		child := name
		if dir != "" {
			child = dir + "/" + name
		}
		children[child] = max(children[child], mod)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("list folder %q: %w", dir, err)
	}
	folders := make([]Folder, 0, len(children))
	for p, mod := range children {
		folders = append(folders, Folder{Path: p, ModifiedMS: mod})
	}
	sort.Slice(folders, func(i, j int) bool { return folders[i].Path < folders[j].Path })
	return folders, tracks, nil
}

// Image returns a stored picture and its MIME type by hash.
func (s *Store) Image(ctx context.Context, hash string) ([]byte, string, error) {
	var data []byte
	var mime string
	err := s.r.QueryRowContext(ctx, "SELECT data, mime FROM images WHERE hash = ?", hash).Scan(&data, &mime)
	if err == sql.ErrNoRows {
		return nil, "", fmt.Errorf("image %q: %w", hash, ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("read image %q: %w", hash, err)
	}
	return data, mime, nil
}

// Stats are library totals, as MPD's "stats" reports them.
type Stats struct {
	Tracks   int
	Artists  int
	Albums   int
	LengthMS int64
	// LastModifiedMS is the latest track change, 0 for an empty library.
	LastModifiedMS int64
}

// Stats returns library totals.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(length_ms), 0), coalesce(max(modified_ms), 0),
		(SELECT count(DISTINCT lvalue) FROM track_tags WHERE tag = 'artist'),
		(SELECT count(*) FROM albums) FROM tracks`).
		Scan(&st.Tracks, &st.LengthMS, &st.LastModifiedMS, &st.Artists, &st.Albums)
	if err != nil {
		return st, fmt.Errorf("read library totals: %w", err)
	}
	return st, nil
}

// ImageMIME returns the MIME type of a stored picture.
func (s *Store) ImageMIME(ctx context.Context, hash string) (string, error) {
	var mime string
	err := s.r.QueryRowContext(ctx, "SELECT mime FROM images WHERE hash = ?", hash).Scan(&mime)
	if err == sql.ErrNoRows {
		return "", fmt.Errorf("image %q: %w", hash, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read image %q: %w", hash, err)
	}
	return mime, nil
}
