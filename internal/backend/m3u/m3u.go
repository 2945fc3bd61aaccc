// Package m3u stores playlists as M3U and M3U8 files in one folder, with
// the URIs and names of Mopidy 3.4's Mopidy-M3U: a playlist's URI is
// "m3u:" and its percent-encoded file name, and its name is the file name
// without extension. Every file access goes through an os.Root on the
// playlists folder, and names that could leave it are rejected. Entries
// are never opened here: a path entry becomes a track URI through
// Options.TrackForPath, or a file: URI that other backends must confine.
package m3u

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/fsutil"
	"github.com/tonearm/tonearm/internal/models"
)

// MaxFileSize is the maximum size of a playlist file read, in bytes.
const MaxFileSize = 16 << 20

// Options configures the m3u backend, from the [m3u] config section.
type Options struct {
	// PlaylistsDir is the folder holding the playlists. It is created
	// with mode 0700 when missing.
	PlaylistsDir string
	// BaseDir is a second folder that relative entries resolve against,
	// after the playlist's own folder. Empty means PlaylistsDir.
	BaseDir string
	// DefaultEncoding is the encoding of .m3u files: "latin-1" (the
	// default, as in Mopidy 3.4) or "utf-8". A .m3u file that is valid
	// UTF-8 is read as UTF-8 either way. .m3u8 files are always UTF-8.
	DefaultEncoding string
	// DefaultExtension is the extension of new playlists: ".m3u8" (the
	// default) or ".m3u".
	DefaultExtension string
	// TrackForPath maps the absolute, cleaned path of a file entry to a
	// track, e.g. a local:track: URI with tags from the library. It
	// returns false for a path it does not know, including any path
	// outside the music folders. Nil maps nothing.
	TrackForPath func(ctx context.Context, path string) (models.Track, bool)
	// PathForURI maps a track URI back to an absolute file path, so saved
	// playlists hold paths that other players read. It returns false for
	// URIs to write as they are. Nil writes every URI as it is.
	PathForURI func(ctx context.Context, uri string) (string, bool)
	// Logger receives warnings about unreadable playlists. Nil discards.
	Logger *slog.Logger
}

// Provider is the m3u playlists provider. It keeps no cache, so changes
// made to the files by hand show at once. It is safe for concurrent use.
type Provider struct {
	dir     string
	baseDir string
	latin1  bool
	ext     string
	opts    Options
	log     *slog.Logger

	// writeMu serialises changes, so a rename cannot race a save.
	writeMu sync.Mutex
}

// New returns a Provider for opts and creates the playlists folder.
func New(opts Options) (*Provider, error) {
	if opts.PlaylistsDir == "" {
		return nil, errors.New("m3u backend: playlists_dir is empty; set [m3u] playlists_dir")
	}
	dir, err := filepath.Abs(opts.PlaylistsDir)
	if err != nil {
		return nil, fmt.Errorf("m3u backend: playlists_dir %s: %w", opts.PlaylistsDir, err)
	}
	if err := fsutil.MkdirPrivate(dir); err != nil {
		return nil, fmt.Errorf("m3u backend: %w", err)
	}
	baseDir := dir
	if opts.BaseDir != "" {
		if baseDir, err = filepath.Abs(opts.BaseDir); err != nil {
			return nil, fmt.Errorf("m3u backend: base_dir %s: %w", opts.BaseDir, err)
		}
	}
	p := &Provider{dir: dir, baseDir: baseDir, opts: opts}

	switch strings.ToLower(strings.ReplaceAll(opts.DefaultEncoding, "_", "-")) {
	case "", "latin-1", "latin1", "iso-8859-1", "iso8859-1":
		p.latin1 = true
	case "utf-8", "utf8":
	default:
		return nil, fmt.Errorf("m3u backend: default_encoding %q is not supported; use latin-1 or utf-8", opts.DefaultEncoding)
	}
	switch opts.DefaultExtension {
	case "":
		p.ext = ".m3u8"
	case ".m3u", ".m3u8":
		p.ext = opts.DefaultExtension
	default:
		return nil, fmt.Errorf("m3u backend: default_extension %q is not supported; use .m3u or .m3u8", opts.DefaultExtension)
	}
	p.log = opts.Logger
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.log = p.log.With("backend", "m3u")
	return p, nil
}

// Backend returns the backend description that core registers.
func (p *Provider) Backend() backend.Backend {
	return backend.Backend{Name: "m3u", Schemes: []string{"m3u"}, Playlists: p}
}

// openRoot opens the playlists folder as a root for one operation, so a
// folder replaced while the server runs is seen as it is now.
func (p *Provider) openRoot() (*os.Root, error) {
	root, err := os.OpenRoot(p.dir)
	if err != nil {
		return nil, fmt.Errorf("open playlists folder %s: %w", p.dir, err)
	}
	return root, nil
}

// List returns a ref for each playlist file in the playlists folder,
// sorted by name. Symbolic links, folders and files with invalid names
// are left out.
func (p *Provider) List(ctx context.Context) ([]models.Ref, error) {
	root, err := p.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return nil, fmt.Errorf("list playlists in %s: %w", p.dir, err)
	}
	var refs []models.Ref
	for _, e := range entries {
		if !e.Type().IsRegular() || !isPlaylistExt(filepath.Ext(e.Name())) {
			continue
		}
		name, _, err := splitFileName(e.Name())
		if err != nil {
			p.log.Warn("playlist file skipped", "file", e.Name(), "err", err)
			continue
		}
		refs = append(refs, models.Ref{URI: uriFromFile(e.Name()), Name: name, Type: models.RefPlaylist})
	}
	slices.SortFunc(refs, func(a, b models.Ref) int { return strings.Compare(a.Name, b.Name) })
	return refs, nil
}

// Items returns a track ref for each entry of the playlist at uri.
func (p *Provider) Items(ctx context.Context, uri string) ([]models.Ref, error) {
	pl, err := p.Lookup(ctx, uri)
	if err != nil {
		return nil, err
	}
	refs := make([]models.Ref, 0, len(pl.Tracks))
	for _, t := range pl.Tracks {
		refs = append(refs, models.Ref{URI: t.URI, Name: t.Name, Type: models.RefTrack})
	}
	return refs, nil
}

// Lookup reads the playlist at uri. An entry that no backend can play is
// kept as a track with a file: URI, so the playlist keeps its shape.
func (p *Provider) Lookup(ctx context.Context, uri string) (*models.Playlist, error) {
	file, err := fileFromURI(uri)
	if err != nil {
		return nil, err
	}
	root, err := p.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return p.read(ctx, root, file)
}

func (p *Provider) read(ctx context.Context, root *os.Root, file string) (*models.Playlist, error) {
	f, err := root.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("playlist %s: %w", file, backend.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open playlist %s: %w", file, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open playlist %s: %w", file, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("playlist %s is not a regular file: %w", file, backend.ErrNotFound)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read playlist %s: %w", file, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("playlist %s is larger than %d bytes; split it", file, MaxFileSize)
	}

	name, ext, _ := splitFileName(file)
	res := parseItems(data, ext == ".m3u" && p.latin1)
	if res.skipped > 0 {
		p.log.Warn("playlist entries with control characters skipped", "file", file, "count", res.skipped)
	}
	if res.cut {
		p.log.Warn("playlist entries past the limit dropped", "file", file, "max", MaxItems)
	}
	tracks := make([]models.Track, 0, len(res.items))
	for _, it := range res.items {
		tracks = append(tracks, p.track(ctx, it))
	}
	return &models.Playlist{
		URI:          uriFromFile(file),
		Name:         name,
		Tracks:       tracks,
		LastModified: info.ModTime().UnixMilli(),
	}, nil
}

// Create creates an empty playlist named name with the default
// extension. Unlike Mopidy 3.4, which empties an existing playlist of the
// same name, it fails with ErrExists.
func (p *Provider) Create(ctx context.Context, name string) (*models.Playlist, error) {
	name = strings.TrimSpace(name)
	if err := validateName(name); err != nil {
		return nil, err
	}
	file := name + p.ext
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	root, err := p.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if err := p.checkFree(root, file); err != nil {
		return nil, err
	}
	if err := p.write(file, nil); err != nil {
		return nil, err
	}
	p.log.Info("playlist created", "uri", uriFromFile(file))
	return p.read(ctx, root, file)
}

// Save writes pl to the file its URI names, creating it when missing, and
// renames the file when pl.Name differs from the name in the URI, as
// Mopidy 3.4 does. It returns the playlist as stored.
func (p *Provider) Save(ctx context.Context, pl models.Playlist) (*models.Playlist, error) {
	file, err := fileFromURI(pl.URI)
	if err != nil {
		return nil, err
	}
	name, ext, _ := splitFileName(file)
	newName := strings.TrimSpace(pl.Name)
	if newName != "" && newName != name {
		if err := validateName(newName); err != nil {
			return nil, err
		}
	}
	data, err := p.encode(ctx, pl.Tracks, ext)
	if err != nil {
		return nil, fmt.Errorf("save playlist %s: %w", pl.URI, err)
	}

	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	root, err := p.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if newName != "" && newName != name {
		if err := p.checkFree(root, newName+ext); err != nil {
			return nil, err
		}
	}
	if err := p.write(file, data); err != nil {
		return nil, err
	}
	if newName != "" && newName != name {
		if err := root.Rename(file, newName+ext); err != nil {
			return nil, fmt.Errorf("rename playlist %s to %q: %w", file, newName, err)
		}
		file = newName + ext
	}
	p.log.Info("playlist saved", "uri", uriFromFile(file), "tracks", len(pl.Tracks))
	return p.read(ctx, root, file)
}

// Rename gives the playlist at uri a new name, keeping its extension, and
// returns it under its new URI. MPD's rename command needs it; Mopidy
// 3.4's playlists API has no rename and does it through Save.
func (p *Provider) Rename(ctx context.Context, uri, newName string) (*models.Playlist, error) {
	file, err := fileFromURI(uri)
	if err != nil {
		return nil, err
	}
	newName = strings.TrimSpace(newName)
	if err := validateName(newName); err != nil {
		return nil, err
	}
	_, ext, _ := splitFileName(file)
	target := newName + ext

	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	root, err := p.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if _, err := root.Lstat(file); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("rename playlist %s: %w", file, backend.ErrNotFound)
	}
	if target != file {
		if err := p.checkFree(root, target); err != nil {
			return nil, err
		}
		if err := root.Rename(file, target); err != nil {
			return nil, fmt.Errorf("rename playlist %s to %q: %w", file, newName, err)
		}
	}
	p.log.Info("playlist renamed", "from", uri, "to", uriFromFile(target))
	return p.read(ctx, root, target)
}

// Delete removes the playlist at uri. It returns false when there was no
// such playlist.
func (p *Provider) Delete(ctx context.Context, uri string) (bool, error) {
	file, err := fileFromURI(uri)
	if err != nil {
		return false, err
	}
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	root, err := p.openRoot()
	if err != nil {
		return false, err
	}
	defer root.Close()
	info, err := root.Lstat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("delete playlist %s: %w", file, err)
	}
	if !info.Mode().IsRegular() {
		return false, fmt.Errorf("delete playlist %s: not a regular file, so it is left in place", file)
	}
	if err := root.Remove(file); err != nil {
		return false, fmt.Errorf("delete playlist %s: %w", file, err)
	}
	p.log.Info("playlist deleted", "uri", uri)
	return true, nil
}

// Refresh checks that the playlists folder can be read. The provider has
// no cache to reload.
func (p *Provider) Refresh(ctx context.Context) error {
	root, err := p.openRoot()
	if err != nil {
		return err
	}
	return root.Close()
}

// checkFree returns ErrExists when file exists in root, with either
// playlist extension.
func (p *Provider) checkFree(root *os.Root, file string) error {
	name, _, _ := splitFileName(file)
	for _, ext := range []string{".m3u", ".m3u8"} {
		_, err := root.Lstat(name + ext)
		if err == nil {
			return fmt.Errorf("%w: %q; choose another name or delete it first", ErrExists, name)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("check playlist %s: %w", name+ext, err)
		}
	}
	return nil
}

// write replaces file in the playlists folder atomically. file has passed
// splitFileName, so it is one path element without separators, and the
// rename replaces a symbolic link there rather than following it.
func (p *Provider) write(file string, data []byte) error {
	if err := fsutil.WriteFileAtomic(filepath.Join(p.dir, file), data); err != nil {
		return fmt.Errorf("save playlist: %w", err)
	}
	return nil
}

// encode renders tracks as the file content for a playlist with
// extension ext.
func (p *Provider) encode(ctx context.Context, tracks []models.Track, ext string) ([]byte, error) {
	lines := make([]dumpLine, 0, len(tracks))
	for _, t := range tracks {
		lines = append(lines, dumpLine{location: p.location(ctx, t.URI), title: t.Name, lengthMS: t.Length})
	}
	return dumpItems(lines, ext == ".m3u" && p.latin1)
}

// location returns what to write for a track URI: a path for file: URIs
// and for URIs PathForURI maps, relative to BaseDir when inside it, and
// the URI itself otherwise.
func (p *Provider) location(ctx context.Context, uri string) string {
	path, ok := "", false
	if u, err := url.Parse(uri); err == nil && u.Scheme == "file" && (u.Host == "" || u.Host == "localhost") {
		path, ok = u.Path, u.Path != ""
	} else if p.opts.PathForURI != nil {
		path, ok = p.opts.PathForURI(ctx, uri)
	}
	if !ok || !filepath.IsAbs(path) {
		return uri
	}
	if rel, err := filepath.Rel(p.baseDir, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return path
}

// track turns an entry into a track. A URI with a scheme other than file:
// is kept as it is. A path is resolved against the playlist's folder and
// then BaseDir, and mapped by TrackForPath; when neither resolves, the
// entry stays as a file: URI of the path resolved against the playlist's
// folder.
func (p *Provider) track(ctx context.Context, it item) models.Track {
	var candidates []string
	switch {
	case hasScheme(it.location):
		u, err := url.Parse(it.location)
		if err != nil || u.Scheme != "file" {
			return models.Track{URI: it.location, Name: it.title, Length: it.lengthMS}
		}
		candidates = []string{filepath.Clean(u.Path)}
	case filepath.IsAbs(it.location):
		candidates = []string{filepath.Clean(it.location)}
	default:
		candidates = []string{filepath.Join(p.dir, it.location), filepath.Join(p.baseDir, it.location)}
	}

	if p.opts.TrackForPath != nil {
		for _, path := range candidates {
			t, ok := p.opts.TrackForPath(ctx, path)
			if !ok {
				continue
			}
			if it.title != "" {
				t.Name = it.title
			}
			if it.lengthMS > 0 {
				t.Length = it.lengthMS
			}
			return t
		}
	}
	name := it.title
	if name == "" {
		name = filepath.Base(candidates[0])
	}
	return models.Track{URI: fileURI(candidates[0]), Name: name, Length: it.lengthMS}
}

// hasScheme reports whether s starts with a URI scheme of at least two
// characters, so "C:\x" and plain paths are not taken for URIs.
func hasScheme(s string) bool {
	i := strings.IndexByte(s, ':')
	if i < 2 {
		return false
	}
	for j, c := range s[:i] {
		isLetter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !isLetter && (j == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// fileURI returns the file: URI of an absolute path.
func fileURI(path string) string {
	return (&url.URL{Scheme: "file", Path: path}).String()
}
