// Package store keeps the local library in SQLite (modernc.org/sqlite, pure
// Go) with an FTS5 index for search. One connection writes and a pool of
// connections reads, so searches run while a scan writes (WAL mode).
//
// Every statement is parameterised, and user text reaches FTS5 only as
// quoted phrases built by MatchExpr.
package store

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/tonearm/tonearm/internal/fsutil"
)

// ErrNotFound is returned when a track, album, artist or image is missing.
var ErrNotFound = errors.New("not found in the library")

// Options configures Open.
type Options struct {
	// Path is the database file, usually <data_dir>/library.db. Its folder
	// is created with mode 0700 and the file with mode 0600.
	Path string
	// Readers is the size of the read pool; 0 means runtime.NumCPU().
	Readers int
	Logger  *slog.Logger
}

// Store is an open library database. Its methods are safe for concurrent
// use.
type Store struct {
	w   *sql.DB // the one writer connection
	r   *sql.DB // read pool
	log *slog.Logger
}

// Open opens or creates the database and migrates its schema.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if strings.ContainsAny(opts.Path, "?#") || opts.Path == "" {
		return nil, fmt.Errorf("open library database %q: the path must be set and must not contain ? or #", opts.Path)
	}
	if err := fsutil.MkdirPrivate(filepath.Dir(opts.Path)); err != nil {
		return nil, fmt.Errorf("open library database: %w", err)
	}
	f, err := os.OpenFile(opts.Path, os.O_RDWR|os.O_CREATE, fsutil.FileMode)
	if err != nil {
		return nil, fmt.Errorf("open library database %s: %w", opts.Path, err)
	}
	f.Close()

	dsn := "file:" + opts.Path +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open library database %s: %w", opts.Path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open library database %s: %w", opts.Path, err)
	}
	readers := opts.Readers
	if readers <= 0 {
		readers = runtime.NumCPU()
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)

	s := &Store{w: w, r: r, log: opts.Logger}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open library database %s: %w", opts.Path, err)
	}
	// WAL mode creates -wal and -shm files beside the database with the
	// process umask; keep them private too.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Chmod(opts.Path+suffix, fsutil.FileMode); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.Close()
			return nil, fmt.Errorf("open library database: %w", err)
		}
	}
	return s, nil
}

// Close closes both connection pools.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// migration is one schema step. Its statements run first, then after,
// when set, in the same transaction.
type migration struct {
	sql   string
	after func(*Batch) error
}

// migrations are applied in order; PRAGMA user_version holds how many ran.
var migrations = []migration{
	{sql: `CREATE TABLE tracks (
		id INTEGER PRIMARY KEY,
		path BLOB NOT NULL UNIQUE,
		dir BLOB NOT NULL,
		size INTEGER NOT NULL,
		mtime INTEGER NOT NULL,
		title TEXT NOT NULL DEFAULT '',
		album TEXT NOT NULL DEFAULT '',
		album_id TEXT NOT NULL DEFAULT '',
		artists TEXT NOT NULL DEFAULT '[]',
		albumartists TEXT NOT NULL DEFAULT '[]',
		composers TEXT NOT NULL DEFAULT '[]',
		performers TEXT NOT NULL DEFAULT '[]',
		genres TEXT NOT NULL DEFAULT '[]',
		track_no INTEGER NOT NULL DEFAULT 0,
		num_tracks INTEGER NOT NULL DEFAULT 0,
		disc_no INTEGER NOT NULL DEFAULT 0,
		num_discs INTEGER NOT NULL DEFAULT 0,
		date TEXT NOT NULL DEFAULT '',
		comment TEXT NOT NULL DEFAULT '',
		length_ms INTEGER NOT NULL DEFAULT 0,
		bitrate INTEGER NOT NULL DEFAULT 0,
		sample_rate INTEGER NOT NULL DEFAULT 0,
		channels INTEGER NOT NULL DEFAULT 0,
		rg_track_gain REAL, rg_track_peak REAL,
		rg_album_gain REAL, rg_album_peak REAL,
		mb_trackid TEXT NOT NULL DEFAULT '',
		mb_albumid TEXT NOT NULL DEFAULT '',
		mb_artistid TEXT NOT NULL DEFAULT '',
		mb_albumartistid TEXT NOT NULL DEFAULT '',
		cover TEXT NOT NULL DEFAULT '',
		added_ms INTEGER NOT NULL,
		modified_ms INTEGER NOT NULL
	);
	CREATE INDEX tracks_dir ON tracks(dir);
	CREATE INDEX tracks_album ON tracks(album_id);
	CREATE INDEX tracks_modified ON tracks(modified_ms);
	CREATE TABLE track_tags (
		track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
		tag TEXT NOT NULL,
		value TEXT NOT NULL,
		lvalue TEXT NOT NULL
	);
	CREATE INDEX track_tags_lookup ON track_tags(tag, lvalue);
	CREATE INDEX track_tags_track ON track_tags(track_id);
	CREATE TABLE albums (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		artists TEXT NOT NULL DEFAULT '[]',
		date TEXT NOT NULL DEFAULT '',
		num_tracks INTEGER NOT NULL DEFAULT 0,
		num_discs INTEGER NOT NULL DEFAULT 0,
		mb_albumid TEXT NOT NULL DEFAULT ''
	);
	CREATE TABLE artists (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		mb_artistid TEXT NOT NULL DEFAULT ''
	);
	CREATE TABLE images (
		hash TEXT PRIMARY KEY,
		mime TEXT NOT NULL,
		data BLOB NOT NULL
	);
	CREATE VIRTUAL TABLE tracks_fts USING fts5(
		title, artist, album, albumartist, composer, performer, genre, comment, path,
		content='', contentless_delete=1,
		tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
	);`},
	// Prefix indexes of 1 to 8 characters let FTS5 read a prefix word
	// ("river"*) lazily in rowid order, so a LIMIT stops it early. Without
	// one FTS5 first merges every matching doclist into memory.
	{sql: `DROP TABLE tracks_fts;
	CREATE VIRTUAL TABLE tracks_fts USING fts5(
		title, artist, album, albumartist, composer, performer, genre, comment, path,
		content='', contentless_delete=1,
		tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6 7 8'
	);`, after: reindexTracks},
	// The codec and sample size give MPD's Format line and AudioFormat
	// filter. A NULL codec marks a track that the next scan reads again.
	{sql: `ALTER TABLE tracks ADD COLUMN codec TEXT;
	ALTER TABLE tracks ADD COLUMN bits INTEGER NOT NULL DEFAULT 0;`},
}

// SchemaVersion is the schema version this package writes.
func SchemaVersion() int { return len(migrations) }

func (s *Store) migrate(ctx context.Context) error {
	var version int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this program's %d; upgrade tonearm or remove the library database and rescan", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[i].sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate schema to version %d: %w", i+1, err)
		}
		if after := migrations[i].after; after != nil {
			if err := after(&Batch{tx: tx, ctx: ctx, stmts: map[string]*sql.Stmt{}}); err != nil {
				tx.Rollback()
				return fmt.Errorf("migrate schema to version %d: %w", i+1, err)
			}
		}
		// PRAGMA takes no parameters; i+1 is an int from this program.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate schema to version %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", i+1, err)
		}
		s.log.Info("library schema migrated", "version", i+1)
	}
	return nil
}

// Hash returns the hex MD5 of s, the form of the ids in local:album:md5:
// and local:artist:md5: URIs, as Mopidy-Local 3 builds them.
func Hash(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ArtistID returns the stable id of an artist name: the hash of the name in
// lower case.
func ArtistID(name string) string { return Hash(strings.ToLower(name)) }

// AlbumID returns the stable id of an album: the hash of its name and of
// its album artists (or artists when none), in lower case.
func AlbumID(name string, artists []string) string {
	return Hash(strings.ToLower(name + "\x1f" + strings.Join(artists, "\x1e")))
}
