// Package file is the "file" backend: it browses the configured music
// folders and plays files from them by file:// URI, as Mopidy-File does.
//
// Unlike Mopidy 3.4.1, whose lookup and playback accept any file:// URI
// (file:///etc/hostname included), every operation here is confined to the
// media folders: a URI must name a path inside one of them after symlinks,
// and files are opened through os.Root.
package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/local/tags"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/safepath"
)

// Scheme is the URI scheme of the backend.
const Scheme = "file"

// RootURI lists the media folders when there are several.
const RootURI = "file:root"

// maxEntries bounds one folder listing.
const maxEntries = 100000

// MediaDir is one browsable folder ([file] media_dirs: "path|name").
type MediaDir struct {
	Path string
	Name string // shown in the browse tree; "" means the folder's base name
}

// Options configures New.
type Options struct {
	MediaDirs          []MediaDir
	ExcludedExtensions []string // with the dot, case-insensitive
	ShowDotfiles       bool
	// FollowSymlinks lists symlinks whose targets stay inside the same
	// media folder; links that leave it are always hidden.
	FollowSymlinks bool
	// Reader reads tags for Lookup; nil returns tracks named after their
	// files.
	Reader *tags.Reader
	Logger *slog.Logger
}

type mediaRoot struct {
	name string
	root *safepath.Root
	dir  string // the folder as configured, absolute and clean
}

// Backend implements backend.Library and backend.Playback for file:
// URIs.
type Backend struct {
	roots    []mediaRoot
	excluded map[string]bool
	dots     bool
	follow   bool
	reader   *tags.Reader
	log      *slog.Logger
}

var (
	_ backend.Library  = (*Backend)(nil)
	_ backend.Playback = (*Backend)(nil)
)

// New opens the media folders. A folder that does not exist is logged and
// left out.
func New(opts Options) (*Backend, error) {
	b := &Backend{dots: opts.ShowDotfiles, follow: opts.FollowSymlinks, reader: opts.Reader, log: opts.Logger,
		excluded: map[string]bool{}}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	for _, e := range opts.ExcludedExtensions {
		b.excluded[strings.ToLower(e)] = true
	}
	for _, md := range opts.MediaDirs {
		abs, err := filepath.Abs(md.Path)
		if err != nil {
			return nil, fmt.Errorf("file backend media folder %q: %w", md.Path, err)
		}
		root, err := safepath.OpenRoot(abs)
		if err != nil {
			b.log.Warn("media folder left out: cannot open it", "path", abs, "err", err)
			continue
		}
		name := md.Name
		if name == "" {
			name = filepath.Base(abs)
		}
		b.roots = append(b.roots, mediaRoot{name: name, root: root, dir: abs})
	}
	return b, nil
}

// Close releases the media folders.
func (b *Backend) Close() error {
	var errs []error
	for _, r := range b.roots {
		errs = append(errs, r.root.Close())
	}
	return errors.Join(errs...)
}

// Backend returns the backend value core registers.
func (b *Backend) Backend() backend.Backend {
	return backend.Backend{Name: Scheme, Schemes: []string{Scheme}, Library: b, Playback: b}
}

// URI returns the file:// URI of an absolute path, percent-encoding every
// byte outside the unreserved set.
func URI(abs string) string { return "file://" + safepath.Escape(abs) }

// locate turns a file URI into the media folder that contains it and the
// path relative to that folder. Paths outside every media folder, with
// "..", NUL bytes or encoded separators are rejected.
func (b *Backend) locate(uri string) (*mediaRoot, string, error) {
	rest, ok := strings.CutPrefix(uri, "file://")
	if !ok {
		return nil, "", fmt.Errorf("%q is not a file:// URI: %w", uri, backend.ErrNotFound)
	}
	if strings.HasPrefix(rest, "localhost/") {
		rest = strings.TrimPrefix(rest, "localhost")
	}
	if !strings.HasPrefix(rest, "/") {
		return nil, "", fmt.Errorf("file URI %q must have an empty host and an absolute path: %w", uri, safepath.ErrUnsafe)
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		return nil, "", fmt.Errorf("file URI %q must not have a query or fragment: %w", uri, safepath.ErrUnsafe)
	}
	rel, err := safepath.Unescape(rest[1:])
	if err != nil {
		return nil, "", fmt.Errorf("file URI %q: %w", uri, err)
	}
	abs := "/" + rel
	for i := range b.roots {
		r := &b.roots[i]
		for _, dir := range []string{r.dir, r.root.Dir()} {
			if !safepath.Within(dir, abs) {
				continue
			}
			inner := strings.TrimPrefix(strings.TrimPrefix(abs, dir), "/")
			if _, err := r.root.Resolve(inner); err != nil {
				return nil, "", fmt.Errorf("file URI %q: %w", uri, err)
			}
			return r, inner, nil
		}
	}
	return nil, "", fmt.Errorf("file URI %q is outside the media folders: %w", uri, safepath.ErrUnsafe)
}

// Root returns the only media folder, file:root when there are several, or
// nil when there is none.
func (b *Backend) Root() *models.Ref {
	switch len(b.roots) {
	case 0:
		return nil
	case 1:
		return &models.Ref{URI: URI(b.roots[0].dir), Name: "Files", Type: models.RefDirectory}
	}
	return &models.Ref{URI: RootURI, Name: "Files", Type: models.RefDirectory}
}

// Browse lists a folder inside a media folder: subfolders first, then
// files, each by name. Hidden files, excluded extensions and symlinks that
// leave the media folder are left out.
func (b *Backend) Browse(ctx context.Context, uri string) ([]models.Ref, error) {
	if uri == RootURI {
		refs := make([]models.Ref, 0, len(b.roots))
		for _, r := range b.roots {
			refs = append(refs, models.Ref{URI: URI(r.dir), Name: r.name, Type: models.RefDirectory})
		}
		return refs, nil
	}
	r, rel, err := b.locate(uri)
	if err != nil {
		return nil, err
	}
	f, err := r.root.Open(rel)
	if err != nil {
		return nil, fmt.Errorf("browse %q: %w", uri, err)
	}
	entries, err := f.ReadDir(maxEntries)
	f.Close()
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("browse %q: %w", uri, err)
	}

	var dirs, files []models.Ref
	for _, e := range entries {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		ref, ok := b.entryRef(r, rel, e)
		if !ok {
			continue
		}
		if ref.Type == models.RefDirectory {
			dirs = append(dirs, ref)
		} else {
			files = append(files, ref)
		}
	}
	byName := func(refs []models.Ref) {
		sort.Slice(refs, func(i, j int) bool { return refs[i].Name < refs[j].Name })
	}
	byName(dirs)
	byName(files)
	return append(dirs, files...), nil
}

func (b *Backend) entryRef(r *mediaRoot, dir string, e fs.DirEntry) (models.Ref, bool) {
	name := e.Name()
	if !b.dots && strings.HasPrefix(name, ".") {
		return models.Ref{}, false
	}
	rel := path.Join(dir, name)
	isDir := e.IsDir()
	if e.Type()&fs.ModeSymlink != 0 {
		if !b.follow {
			return models.Ref{}, false
		}
		fi, err := r.root.Stat(rel)
		if err != nil {
			b.log.Debug("symlink hidden: it leaves the media folder or is broken", "path", rel, "err", err)
			return models.Ref{}, false
		}
		isDir = fi.IsDir()
	} else if !isDir && !e.Type().IsRegular() {
		return models.Ref{}, false
	}
	uri := URI(filepath.Join(r.dir, filepath.FromSlash(rel)))
	display := strings.ToValidUTF8(name, "\uFFFD")
	if isDir {
		return models.Ref{URI: uri, Name: display, Type: models.RefDirectory}, true
	}
	if b.excluded[strings.ToLower(path.Ext(name))] {
		return models.Ref{}, false
	}
	return models.Ref{URI: uri, Name: display, Type: models.RefTrack}, true
}

// Lookup returns the track a file URI names, with its tags when a reader
// is set.
func (b *Backend) Lookup(ctx context.Context, uri string) ([]models.Track, error) {
	r, rel, err := b.locate(uri)
	if err != nil {
		return nil, err
	}
	fi, err := r.root.Stat(rel)
	if err != nil {
		return nil, fmt.Errorf("lookup %q: %w", uri, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("lookup %q: not a regular file: %w", uri, backend.ErrNotFound)
	}

	track := models.Track{URI: uri, Name: strings.ToValidUTF8(path.Base(rel), "\uFFFD"), LastModified: fi.ModTime().UnixMilli()}
	if b.reader == nil {
		return []models.Track{track}, nil
	}
	abs, err := r.root.Resolve(rel)
	if err != nil {
		return nil, fmt.Errorf("lookup %q: %w", uri, err)
	}

	info, err := b.reader.Read(abs)
	if err != nil {
		b.log.Warn("tags not read; track named after its file", "uri", uri, "err", err)
		return []models.Track{track}, nil
	}
	if info.Title != "" {
		track.Name = info.Title
	}

	for _, a := range info.Artists {
		track.Artists = append(track.Artists, models.Artist{Name: a})
	}
	if info.Album != "" {
		track.Album = &models.Album{Name: info.Album, NumTracks: info.NumTracks, Date: info.Date}
	}
	if len(info.Genres) > 0 {
		track.Genre = info.Genres[0]
	}
	track.TrackNo, track.DiscNo, track.Date = info.TrackNo, info.DiscNo, info.Date
	track.Length = int(info.Length.Milliseconds())
	track.Bitrate = info.Bitrate
	track.Comment = info.Comment
	track.MusicBrainzID = info.MusicBrainzTrackID
	track.AudioFormat = info.MPDAudioFormat()
	return []models.Track{track}, nil
}

// Search returns an empty result: the file backend is browsed, not
// searched, as in Mopidy 3.4.
func (b *Backend) Search(context.Context, models.Query, []string, bool) (models.SearchResult, error) {
	return models.SearchResult{}, nil
}

// Distinct returns nothing, as Mopidy-File does.
func (b *Backend) Distinct(context.Context, string, models.Query) ([]string, error) {
	return nil, nil
}

// Images returns no images.
func (b *Backend) Images(context.Context, []string) (map[string][]models.Image, error) {
	return map[string][]models.Image{}, nil
}

// Refresh does nothing: every call reads the disk.
func (b *Backend) Refresh(context.Context, string) error { return nil }

// Resolve returns a source for a file inside a media folder, opened
// through os.Root.
func (b *Backend) Resolve(ctx context.Context, uri string) (audio.Source, error) {
	r, rel, err := b.locate(uri)
	if err != nil {
		return audio.Source{}, err
	}
	fi, err := r.root.Stat(rel)
	if err != nil {
		return audio.Source{}, fmt.Errorf("resolve %q: %w", uri, err)
	}
	if !fi.Mode().IsRegular() {
		return audio.Source{}, fmt.Errorf("resolve %q: not a regular file: %w", uri, backend.ErrNotFound)
	}
	root := r.root
	return audio.Source{
		URI:    uri,
		Format: strings.TrimPrefix(strings.ToLower(path.Ext(rel)), "."),
		Open: func(ctx context.Context, _ func(string)) (io.ReadCloser, error) {
			f, err := root.Open(rel)
			if err != nil {
				return nil, fmt.Errorf("open %s: %w", uri, err)
			}
			return f, nil
		},
	}, nil
}
