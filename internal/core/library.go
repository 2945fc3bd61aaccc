package core

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/models"
)

// lookupWorkers bounds the backend lookups one call runs at once.
const lookupWorkers = 4

type libraryController struct{ c *Core }

// fanOut calls fn for each backend in parallel, each under
// SearchTimeout, and returns the results of those that succeeded in the
// backends' order. Failures are logged and skipped.
func fanOut[T any](ctx context.Context, c *Core, op string, bs []backend.Backend,
	fn func(context.Context, int, backend.Backend) (T, error)) []T {
	results := make([]T, len(bs))
	ok := make([]bool, len(bs))
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, c.opts.SearchTimeout)
			defer cancel()
			r, err := fn(cctx, i, b)
			if err != nil {
				if !errors.Is(err, backend.ErrUnsupported) {
					c.log.Warn("backend call failed, skipped", "op", op, "backend", b.Name, "err", err)
				}
				return
			}
			results[i], ok[i] = r, true
		}()
	}
	wg.Wait()
	var out []T
	for i, r := range results {
		if ok[i] {
			out = append(out, r)
		}
	}
	return out
}

func (l libraryController) Browse(ctx context.Context, uri *string) ([]models.Ref, error) {
	c := l.c
	if uri == nil {
		var roots []models.Ref
		for _, b := range c.router.withLibrary() {
			if root := b.Library.Root(); root != nil {
				roots = append(roots, *root)
			}
		}
		slices.SortStableFunc(roots, func(a, b models.Ref) int { return compareStrings(a.Name, b.Name) })
		return nonNil(roots), nil
	}
	if *uri == "" {
		return []models.Ref{}, nil
	}
	b, ok := c.router.forURI(*uri)
	if !ok || b.Library == nil {
		return []models.Ref{}, nil
	}
	cctx, cancel := context.WithTimeout(ctx, c.opts.SearchTimeout)
	defer cancel()
	refs, err := b.Library.Browse(cctx, *uri)
	if err != nil {
		if errors.Is(err, backend.ErrNotFound) {
			return []models.Ref{}, nil
		}
		c.log.Warn("library browse failed", "backend", b.Name, "uri", *uri, "err", err)
		return []models.Ref{}, nil
	}
	return nonNil(refs), nil
}

func (l libraryController) Search(ctx context.Context, query models.Query, uris []string, exact bool) ([]models.SearchResult, error) {
	if err := validateQuery(query, true); err != nil {
		return nil, err
	}
	if len(query) == 0 {
		return []models.SearchResult{}, nil
	}
	c := l.c
	bs := c.router.withLibrary()
	var groups [][]string
	if uris != nil {
		if len(uris) > maxURIs {
			return nil, invalidf("library.search: %d uris, more than %d", len(uris), maxURIs)
		}
		bs, groups = c.router.groupByBackend(uris, func(b backend.Backend) bool { return b.Library != nil })
	}
	out := fanOut(ctx, c, "library.search", bs, func(ctx context.Context, i int, b backend.Backend) (models.SearchResult, error) {
		var scoped []string
		if groups != nil {
			scoped = groups[i]
		}
		return b.Library.Search(ctx, query, scoped, exact)
	})
	return nonNil(out), nil
}

func (l libraryController) Lookup(ctx context.Context, uris []string) (map[string][]models.Track, error) {
	if len(uris) > maxURIs {
		return nil, invalidf("library.lookup: %d uris, more than %d", len(uris), maxURIs)
	}
	return l.c.lookup(ctx, uris), nil
}

// lookup resolves each URI through its backend, lookupWorkers at a time.
// Every URI gets a key; a URI that fails maps to an empty list.
func (c *Core) lookup(ctx context.Context, uris []string) map[string][]models.Track {
	out := make(map[string][]models.Track, len(uris))
	var mu sync.Mutex
	sem := make(chan struct{}, lookupWorkers)
	var wg sync.WaitGroup
	for _, uri := range uris {
		mu.Lock()
		_, seen := out[uri]
		out[uri] = []models.Track{}
		mu.Unlock()
		if seen {
			continue
		}
		b, ok := c.router.forURI(uri)
		if !ok || b.Library == nil {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			cctx, cancel := context.WithTimeout(ctx, c.opts.SearchTimeout)
			defer cancel()
			tracks, err := b.Library.Lookup(cctx, uri)
			if err != nil {
				if !errors.Is(err, backend.ErrNotFound) && c.lookupWarnings.Allow("library_lookup_failed", b.Name) {
					c.log.Warn("library lookup failed", "backend", b.Name, "uri", uri, "err", err)
				}
				return
			}
			kept := make([]models.Track, 0, len(tracks))
			for _, t := range tracks {
				if t.URI != "" {
					kept = append(kept, t)
				}
			}
			mu.Lock()
			out[uri] = kept
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func (l libraryController) GetDistinct(ctx context.Context, field string, query models.Query) ([]string, error) {
	if field == "any" || !models.IsQueryField(field) {
		return nil, invalidf("library.get_distinct: field %q: use one of %v without any", field, models.QueryFields())
	}
	if err := validateQuery(query, false); err != nil {
		return nil, err
	}
	c := l.c
	sets := fanOut(ctx, c, "library.get_distinct", c.router.withLibrary(),
		func(ctx context.Context, _ int, b backend.Backend) ([]string, error) {
			return b.Library.Distinct(ctx, field, query)
		})
	var all []string
	for _, s := range sets {
		all = append(all, s...)
	}
	slices.Sort(all)
	return nonNil(slices.Compact(all)), nil
}

func (l libraryController) GetImages(ctx context.Context, uris []string) (map[string][]models.Image, error) {
	if len(uris) > maxURIs {
		return nil, invalidf("library.get_images: %d uris, more than %d", len(uris), maxURIs)
	}
	c := l.c
	out := make(map[string][]models.Image, len(uris))
	for _, u := range uris {
		out[u] = []models.Image{}
	}
	bs, groups := c.router.groupByBackend(uris, func(b backend.Backend) bool { return b.Library != nil })
	maps := fanOut(ctx, c, "library.get_images", bs,
		func(ctx context.Context, i int, b backend.Backend) (map[string][]models.Image, error) {
			return b.Library.Images(ctx, groups[i])
		})
	for _, m := range maps {
		for u, imgs := range m {
			if _, asked := out[u]; asked && imgs != nil {
				out[u] = imgs
			}
		}
	}
	return out, nil
}

// Refresh rescans one backend's library, or all of them, and publishes
// the Tonearm update_started, update_finished and library_updated events
// around it. The first failure is returned after every backend ran.
func (l libraryController) Refresh(ctx context.Context, uri *string) error {
	c := l.c
	bs := c.router.withLibrary()
	target := ""
	if uri != nil && *uri != "" {
		target = *uri
		b, ok := c.router.forURI(target)
		if !ok || b.Library == nil {
			return invalidf("library.refresh: no library backend owns the scheme of %q", target)
		}
		bs = []backend.Backend{b}
	}
	c.publish(events.UpdateStarted{URI: target})
	var first error
	for _, b := range bs {
		if err := b.Library.Refresh(ctx, target); err != nil && !errors.Is(err, backend.ErrUnsupported) {
			c.log.Error("library refresh failed", "backend", b.Name, "uri", target, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	finished := events.UpdateFinished{URI: target}
	if first != nil {
		finished.Error = "refresh failed"
	}
	c.publish(finished)
	c.publish(events.LibraryUpdated{})
	return first
}

// NotifyLibraryUpdated publishes the Tonearm library_updated event, for a
// backend whose library changed outside library.refresh (a scan at start
// or a file watcher).
func (c *Core) NotifyLibraryUpdated() { c.publish(events.LibraryUpdated{}) }

// validateQuery checks query fields and values as Mopidy 3.4 does.
func validateQuery(q models.Query, allowAny bool) error {
	for field, values := range q {
		if !models.IsQueryField(field) || (field == "any" && !allowAny) {
			return invalidf("query field %q: use one of %v", field, models.QueryFields())
		}
		if len(values) > maxCriteriaValues {
			return invalidf("query field %q has %d values, more than %d", field, len(values), maxCriteriaValues)
		}
	}
	return nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// nonNil turns a nil slice into an empty one, so JSON shows [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
