// Package local is the "local" backend: a library of the music folder kept
// in SQLite by the scanner, browsed, searched and played through URIs of
// Mopidy-Local 3's shape:
//
//	local:directory                       root of the browse tree
//	local:directory:<path>                a folder (percent-encoded, relative)
//	local:directory?type=artist[&role=R]  artists (R: albumartist, composer, performer)
//	local:directory?type=album[&artist=ID|&genre=G|&date=D]
//	local:directory?type=genre | type=date | type=track
//	local:track:<path>                    a track (percent-encoded, relative)
//	local:album:md5:<hex>, local:artist:md5:<hex>
//
// Every file is opened through os.Root below the music folder.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/local/scan"
	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/backend/local/tags"
	"github.com/tonearm/tonearm/internal/safepath"
)

// Scheme is the URI scheme of the backend.
const Scheme = "local"

// URI prefixes.
const (
	RootURI         = "local:directory"
	DirectoryPrefix = "local:directory:"
	TrackPrefix     = "local:track:"
	AlbumPrefix     = "local:album:md5:"
	ArtistPrefix    = "local:artist:md5:"
	// DefaultImagePrefix is where the HTTP frontend serves covers, as
	// /local/<hash>.<ext>, the path Mopidy-Local 3 uses.
	DefaultImagePrefix = "/local/"
)

// DefaultMaxSearchResults is the default of [local] max_search_results,
// the same as Mopidy-Local 3's.
const DefaultMaxSearchResults = 100

// Config is the input of Open, taken mostly from the [local] config section.
type Config struct {
	// MediaDir is the music folder ([local] media_dir).
	MediaDir string
	// DataDir holds library.db ([core] data_dir plus "local").
	DataDir string
	// FollowSymlinks follows relative symlinks inside MediaDir
	// ([local] scan_follow_symlinks).
	FollowSymlinks bool
	// ExcludedExtensions are never scanned ([local] excluded_file_extensions).
	ExcludedExtensions []string
	// Workers is the number of files read at once; 0 means one per CPU.
	Workers int
	// TempDir is the private folder for TagLib's compiled code; see
	// tags.Options.TempDir.
	TempDir string
	// ImagePrefix starts every image URI; "" means DefaultImagePrefix.
	ImagePrefix string
	// MaxSearchResults is the maximum number of tracks Search returns
	// ([local] max_search_results); 0 means DefaultMaxSearchResults.
	MaxSearchResults int
	// Progress receives the scan progress bar when it is a terminal.
	Progress io.Writer
	Logger   *slog.Logger
}

// Options builds a Library from parts that already exist.
type Options struct {
	Root        *safepath.Root
	Store       *store.Store
	Scanner     *scan.Scanner // nil disables Refresh
	ImagePrefix string
	// MaxSearchResults is the maximum number of tracks Search returns; 0
	// means DefaultMaxSearchResults.
	MaxSearchResults int
	Logger           *slog.Logger
}

// Library implements backend.Library and backend.Playback for local: URIs.
type Library struct {
	root        *safepath.Root
	store       *store.Store
	scanner     *scan.Scanner
	imagePrefix string
	maxResults  int
	log         *slog.Logger
	closers     []io.Closer
}

var (
	_ backend.Library  = (*Library)(nil)
	_ backend.Playback = (*Library)(nil)
)

// New returns a Library over existing parts. Close does not close them.
func New(opts Options) (*Library, error) {
	if opts.Root == nil || opts.Store == nil {
		return nil, errors.New("new local library: Root and Store are required")
	}
	if opts.MaxSearchResults < 0 {
		return nil, fmt.Errorf("new local library: MaxSearchResults is %d; it must be at least 1, or 0 for the default", opts.MaxSearchResults)
	}
	l := &Library{root: opts.Root, store: opts.Store, scanner: opts.Scanner, imagePrefix: opts.ImagePrefix,
		maxResults: opts.MaxSearchResults, log: opts.Logger}
	if l.imagePrefix == "" {
		l.imagePrefix = DefaultImagePrefix
	}
	if l.maxResults == 0 {
		l.maxResults = DefaultMaxSearchResults
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	return l, nil
}

// Open opens the music folder, the database in cfg.DataDir/library.db and
// the tag reader, and returns a Library that owns them.
func Open(ctx context.Context, cfg Config) (*Library, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger.With("backend", Scheme)

	if cfg.MediaDir == "" || cfg.DataDir == "" {
		return nil, errors.New("open local library: set [local] media_dir and the data folder")
	}
	root, err := safepath.OpenRoot(cfg.MediaDir)
	if err != nil {
		return nil, fmt.Errorf("open local library: %w", err)
	}
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(cfg.DataDir, "library.db"), Logger: log})
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("open local library: %w", err)
	}

	reader, err := tags.NewReader(tags.Options{TempDir: cfg.TempDir})
	if err != nil {
		st.Close()
		root.Close()
		return nil, fmt.Errorf("open local library: %w", err)
	}
	sc, err := scan.New(scan.Options{
		Root: root, Store: st, Reader: reader, Workers: cfg.Workers, FollowSymlinks: cfg.FollowSymlinks,
		ExcludedExtensions: cfg.ExcludedExtensions, Progress: cfg.Progress, Logger: log,
	})
	if err != nil {
		reader.Close()
		st.Close()
		root.Close()
		return nil, fmt.Errorf("open local library: %w", err)
	}

	l, err := New(Options{Root: root, Store: st, Scanner: sc, ImagePrefix: cfg.ImagePrefix,
		MaxSearchResults: cfg.MaxSearchResults, Logger: log})
	if err != nil {
		reader.Close()
		st.Close()
		root.Close()
		return nil, err
	}
	l.closers = []io.Closer{reader, st, root}
	return l, nil
}

// Close releases what Open opened.
func (l *Library) Close() error {
	var errs []error
	for _, c := range l.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Backend returns the backend value core registers.
func (l *Library) Backend() backend.Backend {
	return backend.Backend{Name: Scheme, Schemes: []string{Scheme}, Library: l, Playback: l}
}

// Store returns the library database, for frontends that need queries the
// backend interface lacks.
func (l *Library) Store() *store.Store { return l.store }

// Scanning reports whether a scan of the music folder is in progress.
func (l *Library) Scanning() bool { return l.scanner != nil && l.scanner.Running() }

// Scan runs a scan of the whole music folder, as `tonearm local scan`
// does; force reads every file again.
func (l *Library) Scan(ctx context.Context, force bool) (scan.Summary, error) {
	if l.scanner == nil {
		return scan.Summary{}, fmt.Errorf("scan local library: %w", backend.ErrUnsupported)
	}
	return l.scanner.Scan(ctx, scan.Request{Force: force})
}

// Refresh rescans the folder that uri names, or everything for "" and
// local:directory. Unchanged files are not read again.
func (l *Library) Refresh(ctx context.Context, uri string) error {
	if l.scanner == nil {
		return fmt.Errorf("refresh local library: %w", backend.ErrUnsupported)
	}
	under := ""
	if uri != "" && uri != RootURI {
		rel, ok, err := folderPath(uri)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("refresh %q: only folder URIs (local:directory:...) can be refreshed: %w", uri, backend.ErrUnsupported)
		}
		under = rel
	}
	_, err := l.scanner.Scan(ctx, scan.Request{Under: under})
	return err
}

// TrackURI returns the URI of the track at a path relative to the music
// folder.
func TrackURI(rel string) string { return TrackPrefix + safepath.Escape(rel) }

// FolderURI returns the URI of a folder relative to the music folder.
func FolderURI(rel string) string { return DirectoryPrefix + safepath.Escape(rel) }

// TrackPath returns the relative path in a local:track: URI, checked with
// safepath.
func TrackPath(uri string) (string, error) {
	esc, ok := strings.CutPrefix(uri, TrackPrefix)
	if !ok {
		return "", fmt.Errorf("%q is not a local:track: URI: %w", uri, backend.ErrNotFound)
	}
	rel, err := safepath.Unescape(esc)
	if err != nil {
		return "", fmt.Errorf("track URI %q: %w", uri, err)
	}
	if rel == "" {
		return "", fmt.Errorf("track URI %q has no path: %w", uri, backend.ErrNotFound)
	}
	return rel, nil
}

// folderPath returns the relative path of a local:directory:<path> URI;
// ok is false for other URIs.
func folderPath(uri string) (rel string, ok bool, err error) {
	esc, ok := strings.CutPrefix(uri, DirectoryPrefix)
	if !ok {
		return "", false, nil
	}
	rel, err = safepath.Unescape(esc)
	if err != nil {
		return "", true, fmt.Errorf("folder URI %q: %w", uri, err)
	}
	return rel, true, nil
}

// notFound wraps store.ErrNotFound into backend.ErrNotFound for callers
// that test with errors.Is.
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", backend.ErrNotFound, err)
	}
	return err
}
