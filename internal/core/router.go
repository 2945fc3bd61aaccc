package core

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/tonearm/tonearm/internal/backend"
)

// router maps URI schemes to backends. It is built once and read-only.
type router struct {
	backends []backend.Backend
	byScheme map[string]int // index into backends
}

func newRouter(bs []backend.Backend) (*router, error) {
	r := &router{backends: slices.Clone(bs), byScheme: make(map[string]int)}
	for i, b := range r.backends {
		for _, s := range b.Schemes {
			s = strings.ToLower(s)
			if prev, ok := r.byScheme[s]; ok {
				return nil, fmt.Errorf("backends %q and %q both claim URI scheme %q: disable one of them",
					r.backends[prev].Name, b.Name, s)
			}
			r.byScheme[s] = i
		}
	}
	return r, nil
}

// uriScheme returns the lower-cased scheme of uri, or "".
func uriScheme(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		scheme, _, ok := strings.Cut(uri, ":")
		if !ok {
			return ""
		}
		return strings.ToLower(scheme)
	}
	return strings.ToLower(u.Scheme)
}

// forURI returns the backend owning uri's scheme.
func (r *router) forURI(uri string) (backend.Backend, bool) {
	i, ok := r.byScheme[uriScheme(uri)]
	if !ok {
		return backend.Backend{}, false
	}
	return r.backends[i], true
}

// forScheme returns the backend owning scheme.
func (r *router) forScheme(scheme string) (backend.Backend, bool) {
	i, ok := r.byScheme[strings.ToLower(scheme)]
	if !ok {
		return backend.Backend{}, false
	}
	return r.backends[i], true
}

func (r *router) schemes() []string {
	out := make([]string, 0, len(r.byScheme))
	for s := range r.byScheme {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// withLibrary returns the backends with a library provider, in order.
func (r *router) withLibrary() []backend.Backend {
	return r.filter(func(b backend.Backend) bool { return b.Library != nil })
}

// withPlaylists returns the backends with a playlists provider, in order.
func (r *router) withPlaylists() []backend.Backend {
	return r.filter(func(b backend.Backend) bool { return b.Playlists != nil })
}

func (r *router) filter(keep func(backend.Backend) bool) []backend.Backend {
	var out []backend.Backend
	for _, b := range r.backends {
		if keep(b) {
			out = append(out, b)
		}
	}
	return out
}

// groupByBackend splits uris by the backend owning them, dropping URIs no
// backend owns. The groups follow the backends' order.
func (r *router) groupByBackend(uris []string, keep func(backend.Backend) bool) ([]backend.Backend, [][]string) {
	groups := make(map[int][]string)
	for _, u := range uris {
		if i, ok := r.byScheme[uriScheme(u)]; ok && keep(r.backends[i]) {
			groups[i] = append(groups[i], u)
		}
	}
	var bs []backend.Backend
	var us [][]string
	for i, b := range r.backends {
		if g, ok := groups[i]; ok {
			bs = append(bs, b)
			us = append(us, g)
		}
	}
	return bs, us
}
