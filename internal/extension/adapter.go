package extension

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/models"
)

// Bounds on what an extension's backend may return.
const (
	maxRefs   = 10000
	maxTracks = 10000
	// readChunk is the size of one playback.read request in bytes.
	readChunk = 256 << 10
	maxFormat = 32
)

// adapter serves an extension's URI schemes to core. It checks every
// reply: counts are bounded and every URI must use a scheme the
// extension owns, so an extension cannot inject another backend's URIs.
type adapter struct{ e *ext }

var (
	_ backend.Library  = (*adapter)(nil)
	_ backend.Playback = (*adapter)(nil)
)

// Root returns the root the extension reported at its last start.
func (a *adapter) Root() *models.Ref {
	a.e.mu.Lock()
	defer a.e.mu.Unlock()
	if a.e.root == nil {
		return nil
	}
	r := *a.e.root
	return &r
}

func (a *adapter) call(ctx context.Context, method string, params, out any) error {
	c, err := a.e.current()
	if err != nil {
		return err
	}
	return c.call(ctx, method, params, out)
}

// reject records a reply that breaks the rules and returns the error.
func (a *adapter) reject(ctx context.Context, method, detail string) error {
	a.e.log.Warn("extension reply rejected", "method", method, "reason", detail)
	a.e.rejected(ctx, audit.SandboxViolation, method+": "+detail)
	return fmt.Errorf("extension %s %s: %s", a.e.name, method, detail)
}

func (a *adapter) checkURI(ctx context.Context, method, uri string) error {
	if uri != "" && !a.e.owns(uri) {
		return a.reject(ctx, method, fmt.Sprintf("URI %q is outside the extension's schemes", truncate(uri, 80)))
	}
	return nil
}

func (a *adapter) checkTracks(ctx context.Context, method string, tracks []models.Track) error {
	if len(tracks) > maxTracks {
		return a.reject(ctx, method, fmt.Sprintf("%d tracks exceed %d", len(tracks), maxTracks))
	}
	for _, t := range tracks {
		uris := []string{t.URI}
		if t.Album != nil {
			uris = append(uris, t.Album.URI)
		}
		for _, artist := range t.Artists {
			uris = append(uris, artist.URI)
		}
		for _, uri := range uris {
			if err := a.checkURI(ctx, method, uri); err != nil {
				return err
			}
		}
	}
	return nil
}

// Browse lists the refs under uri.
func (a *adapter) Browse(ctx context.Context, uri string) ([]models.Ref, error) {
	var refs []models.Ref
	if err := a.call(ctx, MethodBrowse, map[string]string{"uri": uri}, &refs); err != nil {
		return nil, err
	}
	if len(refs) > maxRefs {
		return nil, a.reject(ctx, MethodBrowse, fmt.Sprintf("%d refs exceed %d", len(refs), maxRefs))
	}
	for _, r := range refs {
		if err := a.checkURI(ctx, MethodBrowse, r.URI); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

// Lookup returns the tracks uri stands for.
func (a *adapter) Lookup(ctx context.Context, uri string) ([]models.Track, error) {
	var tracks []models.Track
	if err := a.call(ctx, MethodLookup, map[string]string{"uri": uri}, &tracks); err != nil {
		return nil, err
	}
	if len(tracks) == 0 {
		return nil, backend.ErrNotFound
	}
	return tracks, a.checkTracks(ctx, MethodLookup, tracks)
}

type searchParams struct {
	Query models.Query `json:"query"`
	URIs  []string     `json:"uris,omitempty"`
	Exact bool         `json:"exact"`
}

// Search sends the query to the extension.
func (a *adapter) Search(ctx context.Context, query models.Query, uris []string, exact bool) (models.SearchResult, error) {
	var res models.SearchResult
	if err := a.call(ctx, MethodSearch, searchParams{query, uris, exact}, &res); err != nil {
		return models.SearchResult{}, err
	}
	if err := a.checkURI(ctx, MethodSearch, res.URI); err != nil {
		return models.SearchResult{}, err
	}
	if len(res.Artists)+len(res.Albums) > maxRefs {
		return models.SearchResult{}, a.reject(ctx, MethodSearch, "too many artists and albums")
	}
	return res, a.checkTracks(ctx, MethodSearch, res.Tracks)
}

// Distinct is not part of the pipe protocol yet.
func (a *adapter) Distinct(ctx context.Context, field string, query models.Query) ([]string, error) {
	return nil, backend.ErrUnsupported
}

// Images is not part of the pipe protocol yet.
func (a *adapter) Images(ctx context.Context, uris []string) (map[string][]models.Image, error) {
	return nil, backend.ErrUnsupported
}

// Refresh is not part of the pipe protocol yet.
func (a *adapter) Refresh(ctx context.Context, uri string) error { return backend.ErrUnsupported }

type openResult struct {
	Stream uint64 `json:"stream"`
	Format string `json:"format"`
}

type readResult struct {
	Data []byte `json:"data"` // base64 in JSON
	EOF  bool   `json:"eof"`
}

// Resolve returns a source whose bytes the extension sends over the
// pipe: Open calls playback.open, then each Read calls playback.read for
// at most 256 KiB, and Close calls playback.close.
func (a *adapter) Resolve(ctx context.Context, uri string) (audio.Source, error) {
	if !a.e.owns(uri) {
		return audio.Source{}, fmt.Errorf("extension %s: URI %q is not in its schemes: %w", a.e.name, truncate(uri, 80), backend.ErrNotFound)
	}
	if _, err := a.e.current(); err != nil {
		return audio.Source{}, err
	}
	src := audio.Source{URI: uri}
	src.Open = func(ctx context.Context, _ func(string)) (io.ReadCloser, error) {
		var res openResult
		if err := a.call(ctx, MethodOpen, map[string]string{"uri": uri}, &res); err != nil {
			return nil, err
		}
		if len(res.Format) > maxFormat {
			return nil, a.reject(ctx, MethodOpen, "format name too long")
		}
		return &streamReader{a: a, ctx: context.WithoutCancel(ctx), id: res.Stream}, nil
	}
	return src, nil
}

// streamReader reads a playback stream over the pipe.
type streamReader struct {
	a   *adapter
	ctx context.Context
	id  uint64
	buf []byte
	eof bool
}

func (r *streamReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		var res readResult
		params := map[string]uint64{"stream": r.id, "size": readChunk}
		if err := r.a.call(r.ctx, MethodRead, params, &res); err != nil {
			return 0, err
		}
		if len(res.Data) > readChunk {
			return 0, r.a.reject(r.ctx, MethodRead, fmt.Sprintf("chunk of %d bytes exceeds %d", len(res.Data), readChunk))
		}
		if len(res.Data) == 0 && !res.EOF {
			return 0, errors.New("extension returned an empty chunk before the end of the stream")
		}
		r.buf, r.eof = res.Data, res.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *streamReader) Close() error {
	return r.a.call(r.ctx, MethodClose, map[string]uint64{"stream": r.id}, nil)
}
