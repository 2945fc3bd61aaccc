package mpd

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// maxLookupBatch is the most URIs sent in one library.lookup, the core's
// limit.
const maxLookupBatch = 10000

// CoreOptions are the parts the frontend needs beyond core.API.
type CoreOptions struct {
	// CoverArt returns the picture of a track and its MIME type, for
	// albumart and readpicture. When nil, no track has a picture.
	CoverArt func(ctx context.Context, uri string) ([]byte, string, error)
	// Outputs lists and switches audio outputs; nil lists none.
	Outputs OutputSwitcher
	Log     *slog.Logger
}

// OutputSwitcher lists audio outputs and enables or disables them.
type OutputSwitcher interface {
	Outputs(ctx context.Context) ([]Output, error)
	SetOutputEnabled(ctx context.Context, id int, enabled bool) error
}

// CoreAdapter turns core.API into the Core the frontend uses, guarded per
// principal. It caches the list of every library track, which the MPD
// commands that walk the whole database need and Mopidy's search does not
// return, and drops the cache when the library changes.
type CoreAdapter struct {
	api  core.API
	opts CoreOptions

	mu       sync.Mutex
	all      []models.Track
	allValid bool
	// generation counts invalidations, so a list collected while the
	// library changed is not stored as current.
	generation uint64
	// filling is closed when the running collection of every track
	// ends, nil when none runs.
	filling chan struct{}
}

// NewCoreAdapter returns an adapter over api, the unguarded core. Run must
// run for the cache to follow library updates.
func NewCoreAdapter(api core.API, opts CoreOptions) *CoreAdapter {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &CoreAdapter{api: api, opts: opts}
}

// Run fills the track cache in the background, so the first command that
// lists the whole library finds it filled. It drops and refills the cache
// on every library update until ctx ends. It returns an error when the
// core drops its event subscription.
func (a *CoreAdapter) Run(ctx context.Context) error {
	sub, err := a.api.Events().Subscribe(ctx)
	if err != nil {
		return err
	}
	defer sub.Close()

	fillCtx, stopFill := context.WithCancel(ctx)
	refill := make(chan struct{}, 1)
	filler := make(chan struct{})
	go func() {
		defer close(filler)
		a.fillLoop(fillCtx, refill)
	}()
	defer func() {
		stopFill()
		<-filler
	}()

	refill <- struct{}{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-sub.Events():
			if !ok {
				a.invalidate()
				return errors.New("mpd: core event subscription dropped")
			}
			if ev.Name() == EventLibraryUpdated {
				a.invalidate()
				select {
				case refill <- struct{}{}:
				default: // a refill is already due
				}
			}
		}
	}
}

// fillLoop fills the track cache each time refill receives, until ctx
// ends.
func (a *CoreAdapter) fillLoop(ctx context.Context, refill <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-refill:
		}
		start := time.Now()
		all, err := a.tracks(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			a.opts.Log.Warn("MPD track cache not filled, so the next listing fills it", "err", err)
		default:
			a.opts.Log.Debug("MPD track cache filled", "tracks", len(all), "duration", time.Since(start))
		}
	}
}

func (a *CoreAdapter) invalidate() {
	a.mu.Lock()
	a.allValid = false
	a.all = nil
	a.generation++
	a.mu.Unlock()
}

// CoreFor returns the function New takes: the core as p may use it, with
// the scopes that p's MPD permissions grant.
func (a *CoreAdapter) CoreFor(p Principal) Core {
	scopes, err := scope.FromMPD(p.Permissions.String())
	if err != nil {
		scopes = scope.NewSet()
	}
	guarded := core.Guard(a.api, scope.Principal{Kind: scope.KindMPD, ID: p.ConnID, Scopes: scopes})
	return &guardedCore{a: a, api: guarded}
}

type guardedCore struct {
	a   *CoreAdapter
	api core.API
}

var _ Core = (*guardedCore)(nil)

func mapCoreErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrPermission):
		return &protocol.Error{Code: protocol.AckPermission, Message: "permission denied", Err: err}
	case errors.Is(err, core.ErrInvalid):
		return &protocol.Error{Code: protocol.AckArg, Message: "invalid argument", Err: err}
	case errors.Is(err, core.ErrTracklistFull):
		return &protocol.Error{Code: protocol.AckPlaylistMax, Message: "Playlist is too large", Err: err}
	}
	return err
}

func (g *guardedCore) PlaybackState(ctx context.Context) (string, error) {
	s, err := g.api.Playback().GetState(ctx)
	return string(s), mapCoreErr(err)
}

func (g *guardedCore) Play(ctx context.Context, tlid int) error {
	if tlid == 0 {
		return mapCoreErr(g.api.Playback().Play(ctx, nil, nil))
	}
	return mapCoreErr(g.api.Playback().Play(ctx, nil, &tlid))
}

func (g *guardedCore) Pause(ctx context.Context) error {
	return mapCoreErr(g.api.Playback().Pause(ctx))
}

func (g *guardedCore) Resume(ctx context.Context) error {
	return mapCoreErr(g.api.Playback().Resume(ctx))
}

func (g *guardedCore) Stop(ctx context.Context) error { return mapCoreErr(g.api.Playback().Stop(ctx)) }

func (g *guardedCore) Next(ctx context.Context) error { return mapCoreErr(g.api.Playback().Next(ctx)) }

func (g *guardedCore) Previous(ctx context.Context) error {
	return mapCoreErr(g.api.Playback().Previous(ctx))
}

func (g *guardedCore) Seek(ctx context.Context, ms int) (bool, error) {
	ok, err := g.api.Playback().Seek(ctx, ms)
	return ok, mapCoreErr(err)
}

func (g *guardedCore) TimePosition(ctx context.Context) (int, error) {
	ms, err := g.api.Playback().GetTimePosition(ctx)
	return ms, mapCoreErr(err)
}

func (g *guardedCore) CurrentTlTrack(ctx context.Context) (*models.TlTrack, error) {
	t, err := g.api.Playback().GetCurrentTlTrack(ctx)
	return t, mapCoreErr(err)
}

// Status reads the core's status snapshot: one scope check and one lock
// for the whole status command.
func (g *guardedCore) Status(ctx context.Context) (Status, error) {
	cs, err := g.api.Playback().GetStatus(ctx)
	if err != nil {
		return Status{}, mapCoreErr(err)
	}
	s := Status{
		State:            string(cs.State),
		Volume:           cs.Volume,
		Options:          Options{Consume: cs.Consume, Random: cs.Random, Repeat: cs.Repeat, Single: cs.Single},
		TracklistVersion: cs.TracklistVersion,
		TracklistLength:  cs.TracklistLength,
		Current:          cs.Current,
		CurrentPos:       cs.CurrentIndex,
		NextTLID:         cs.NextTLID,
		NextPos:          cs.NextIndex,
		Elapsed:          cs.TimePosition,
		AudioFormat:      cs.AudioFormat,
	}
	if e := cs.Error; e != nil {
		s.Error = "Failed to play " + uriToPath(e.URI) + ": " + e.Message
	}
	return s, nil
}

func (g *guardedCore) ClearError(ctx context.Context) error {
	return mapCoreErr(g.api.Playback().ClearError(ctx))
}

func (g *guardedCore) StreamTitle(ctx context.Context) (string, error) {
	t, err := g.api.Playback().GetStreamTitle(ctx)
	if err != nil || t == nil {
		return "", mapCoreErr(err)
	}
	return *t, nil
}

func (g *guardedCore) TlTracks(ctx context.Context) ([]models.TlTrack, error) {
	t, err := g.api.Tracklist().GetTlTracks(ctx)
	return t, mapCoreErr(err)
}

func (g *guardedCore) TracklistLength(ctx context.Context) (int, error) {
	n, err := g.api.Tracklist().GetLength(ctx)
	return n, mapCoreErr(err)
}

func (g *guardedCore) Index(ctx context.Context, tlid int) (int, error) {
	i, err := g.api.Tracklist().Index(ctx, nil, &tlid)
	if err != nil || i == nil {
		return -1, mapCoreErr(err)
	}
	return *i, nil
}

func (g *guardedCore) SetPriority(ctx context.Context, tlids []int, prio int) error {
	return mapCoreErr(g.api.Tracklist().SetPriority(ctx, tlids, prio))
}

func (g *guardedCore) Priorities(ctx context.Context) (map[int]int, error) {
	p, err := g.api.Tracklist().GetPriorities(ctx)
	return p, mapCoreErr(err)
}

func (g *guardedCore) TracklistVersion(ctx context.Context) (int, error) {
	v, err := g.api.Tracklist().GetVersion(ctx)
	return v, mapCoreErr(err)
}

func (g *guardedCore) Add(ctx context.Context, uris []string, at int) ([]models.TlTrack, error) {
	var pos *int
	if at >= 0 {
		pos = &at
	}
	t, err := g.api.Tracklist().Add(ctx, nil, pos, uris)
	return t, mapCoreErr(err)
}

func (g *guardedCore) Remove(ctx context.Context, tlids []int) error {
	if len(tlids) == 0 {
		// Empty criteria match every track, so the core would clear the
		// whole tracklist.
		return nil
	}
	_, err := g.api.Tracklist().Remove(ctx, core.Criteria{TLID: tlids})
	return mapCoreErr(err)
}

func (g *guardedCore) Clear(ctx context.Context) error {
	return mapCoreErr(g.api.Tracklist().Clear(ctx))
}

func (g *guardedCore) Move(ctx context.Context, start, end, to int) error {
	return mapCoreErr(g.api.Tracklist().Move(ctx, start, end, to))
}

func (g *guardedCore) Shuffle(ctx context.Context, start, end int) error {
	return mapCoreErr(g.api.Tracklist().Shuffle(ctx, &start, &end))
}

func (g *guardedCore) NextTlid(ctx context.Context) (int, error) {
	id, err := g.api.Tracklist().GetNextTlid(ctx)
	if err != nil || id == nil {
		return 0, mapCoreErr(err)
	}
	return *id, nil
}

func (g *guardedCore) Options(ctx context.Context) (Options, error) {
	tl := g.api.Tracklist()
	var o Options
	var err error
	if o.Consume, err = tl.GetConsume(ctx); err != nil {
		return o, mapCoreErr(err)
	}
	if o.Random, err = tl.GetRandom(ctx); err != nil {
		return o, mapCoreErr(err)
	}
	if o.Repeat, err = tl.GetRepeat(ctx); err != nil {
		return o, mapCoreErr(err)
	}
	o.Single, err = tl.GetSingle(ctx)
	return o, mapCoreErr(err)
}

func (g *guardedCore) SetConsume(ctx context.Context, on bool) error {
	return mapCoreErr(g.api.Tracklist().SetConsume(ctx, on))
}

func (g *guardedCore) SetRandom(ctx context.Context, on bool) error {
	return mapCoreErr(g.api.Tracklist().SetRandom(ctx, on))
}

func (g *guardedCore) SetRepeat(ctx context.Context, on bool) error {
	return mapCoreErr(g.api.Tracklist().SetRepeat(ctx, on))
}

func (g *guardedCore) SetSingle(ctx context.Context, on bool) error {
	return mapCoreErr(g.api.Tracklist().SetSingle(ctx, on))
}

func (g *guardedCore) Browse(ctx context.Context, uri string) ([]models.Ref, error) {
	refs, err := g.api.Library().Browse(ctx, &uri)
	return refs, mapCoreErr(err)
}

func (g *guardedCore) Lookup(ctx context.Context, uris []string) (map[string][]models.Track, error) {
	out := make(map[string][]models.Track, len(uris))
	for start := 0; start < len(uris); start += maxLookupBatch {
		end := min(start+maxLookupBatch, len(uris))
		m, err := g.api.Library().Lookup(ctx, uris[start:end])
		if err != nil {
			return nil, mapCoreErr(err)
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

// Search returns every local library track for an empty query, which
// Mopidy's search does not do, from the cache. For another query it
// flattens the results of every backend except the local library, whose
// matches the frontend finds in the cache.
func (g *guardedCore) Search(ctx context.Context, q models.Query, exact bool) ([]models.Track, error) {
	if len(q) == 0 {
		return g.allTracks(ctx)
	}
	results, err := g.api.Library().Search(ctx, q, nil, exact)
	if err != nil {
		return nil, mapCoreErr(err)
	}
	var out []models.Track
	for _, r := range results {
		for _, t := range r.Tracks {
			if !strings.HasPrefix(t.URI, localTrackPrefix) {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// allTracks returns every track below the local library root, from the
// cache while the library is unchanged. A guarded lookup of no URIs
// checks the caller's scope on every call first, because the cache is
// filled through the unguarded core. That lookup needs the same scope as
// the browsing and lookups that collect the tracks.
func (g *guardedCore) allTracks(ctx context.Context) ([]models.Track, error) {
	if _, err := g.api.Library().Lookup(ctx, nil); err != nil {
		return nil, mapCoreErr(err)
	}
	return g.a.tracks(ctx)
}

// tracks returns every track below the local library root: from the cache
// while the library is unchanged, else from the collection that runs, else
// from a new collection, which it stores in the cache. A caller that waits
// for another's collection collects again when that one fails, as when
// its context ended.
func (a *CoreAdapter) tracks(ctx context.Context) ([]models.Track, error) {
	for {
		a.mu.Lock()
		if a.allValid {
			all := a.all
			a.mu.Unlock()
			return all, nil
		}
		if running := a.filling; running != nil {
			a.mu.Unlock()
			select {
			case <-running:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		a.filling = done
		generation := a.generation
		a.mu.Unlock()

		all, err := (&guardedCore{a: a, api: a.api}).collectTracks(ctx)

		a.mu.Lock()
		a.filling = nil
		close(done)
		if err == nil && a.generation == generation {
			a.all, a.allValid = all, true
		}
		a.mu.Unlock()
		return all, err
	}
}

// maxFolderLookup is the number of tracks at which a folder lookup may
// have been cut short: the local library's store returns at most 100,000
// tracks per query.
const maxFolderLookup = 100000

// collectTracks returns every track below the local library root. It
// looks up each top-level folder as a whole, which the local backend
// answers with one query per folder, in place of browsing every folder
// and looking up every track URI on its own. A folder whose lookup
// returns no tracks (a backend that resolves only track URIs) or may have
// been cut short is browsed instead.
func (g *guardedCore) collectTracks(ctx context.Context) ([]models.Track, error) {
	root := localDirRoot
	refs, err := g.api.Library().Browse(ctx, &root)
	if err != nil {
		return nil, mapCoreErr(err)
	}
	var folders, trackURIs []string
	for _, r := range refs {
		switch r.Type {
		case models.RefDirectory:
			folders = append(folders, r.URI)
		case models.RefTrack:
			trackURIs = append(trackURIs, r.URI)
		}
	}
	found, err := g.Lookup(ctx, append(slices.Clip(folders), trackURIs...))
	if err != nil {
		return nil, err
	}
	var all []models.Track
	for _, folder := range folders {
		tracks := found[folder]
		if len(tracks) == 0 || len(tracks) >= maxFolderLookup {
			if tracks, err = g.browseTracks(ctx, folder); err != nil {
				return nil, err
			}
		}
		all = append(all, tracks...)
	}
	for _, u := range trackURIs {
		all = append(all, found[u]...)
	}
	return all, nil
}

// browseTracks returns the tracks below folder, found by browsing each
// subfolder and looking up each track URI.
func (g *guardedCore) browseTracks(ctx context.Context, folder string) ([]models.Track, error) {
	refs, err := g.api.Library().Browse(ctx, &folder)
	if err != nil {
		return nil, mapCoreErr(err)
	}
	var uris []string
	if err := g.walk(ctx, refs, &uris, 1); err != nil {
		return nil, err
	}
	found, err := g.Lookup(ctx, uris)
	if err != nil {
		return nil, err
	}
	tracks := make([]models.Track, 0, len(uris))
	for _, u := range uris {
		tracks = append(tracks, found[u]...)
	}
	return tracks, nil
}

// maxBrowseDepth bounds the folder depth walked for the track list.
const maxBrowseDepth = 64

func (g *guardedCore) walk(ctx context.Context, refs []models.Ref, uris *[]string, depth int) error {
	if depth > maxBrowseDepth {
		return nil
	}
	for _, r := range refs {
		switch r.Type {
		case models.RefTrack:
			*uris = append(*uris, r.URI)
		case models.RefDirectory:
			uri := r.URI
			children, err := g.api.Library().Browse(ctx, &uri)
			if err != nil {
				return mapCoreErr(err)
			}
			if err := g.walk(ctx, children, uris, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *guardedCore) Distinct(ctx context.Context, field string, q models.Query) ([]string, error) {
	v, err := g.api.Library().GetDistinct(ctx, field, q)
	return v, mapCoreErr(err)
}

func (g *guardedCore) CoverArt(ctx context.Context, uri string) ([]byte, string, error) {
	// The guarded lookup checks the scope and that the track exists.
	if _, err := g.api.Library().Lookup(ctx, []string{uri}); err != nil {
		return nil, "", mapCoreErr(err)
	}
	if g.a.opts.CoverArt == nil {
		return nil, "", nil
	}
	return g.a.opts.CoverArt(ctx, uri)
}

func (g *guardedCore) Refresh(ctx context.Context, uri string) error {
	var u *string
	if uri != "" {
		u = &uri
	}
	return mapCoreErr(g.api.Library().Refresh(ctx, u))
}

func (g *guardedCore) Playlists(ctx context.Context) ([]models.Ref, error) {
	refs, err := g.api.Playlists().AsList(ctx)
	return refs, mapCoreErr(err)
}

func (g *guardedCore) LookupPlaylist(ctx context.Context, uri string) (*models.Playlist, error) {
	pl, err := g.api.Playlists().Lookup(ctx, uri)
	return pl, mapCoreErr(err)
}

func (g *guardedCore) CreatePlaylist(ctx context.Context, name string) (*models.Playlist, error) {
	pl, err := g.api.Playlists().Create(ctx, name, nil)
	return pl, mapCoreErr(err)
}

func (g *guardedCore) SavePlaylist(ctx context.Context, pl models.Playlist) (*models.Playlist, error) {
	saved, err := g.api.Playlists().Save(ctx, pl)
	return saved, mapCoreErr(err)
}

func (g *guardedCore) DeletePlaylist(ctx context.Context, uri string) (bool, error) {
	ok, err := g.api.Playlists().Delete(ctx, uri)
	return ok, mapCoreErr(err)
}

func (g *guardedCore) Volume(ctx context.Context) (int, error) {
	v, err := g.api.Mixer().GetVolume(ctx)
	if err != nil || v == nil {
		return -1, mapCoreErr(err)
	}
	return *v, nil
}

func (g *guardedCore) SetVolume(ctx context.Context, volume int) error {
	_, err := g.api.Mixer().SetVolume(ctx, volume)
	return mapCoreErr(err)
}

func (g *guardedCore) Outputs(ctx context.Context) ([]Output, error) {
	if g.a.opts.Outputs == nil {
		return nil, nil
	}
	return g.a.opts.Outputs.Outputs(ctx)
}

// SetOutputEnabled needs the admin scope, which the frontend's command
// table already demands for the output commands.
func (g *guardedCore) SetOutputEnabled(ctx context.Context, id int, enabled bool) error {
	if g.a.opts.Outputs == nil {
		return protocol.Errorf(protocol.AckNoExist, "No such audio output")
	}
	return g.a.opts.Outputs.SetOutputEnabled(ctx, id, enabled)
}

// Subscribe forwards the core events the principal may see, by name.
func (g *guardedCore) Subscribe(ctx context.Context) (<-chan Event, error) {
	sub, err := g.api.Events().Subscribe(ctx)
	if err != nil {
		return nil, mapCoreErr(err)
	}
	out := make(chan Event, 16)
	go func() {
		defer close(out)
		defer sub.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-sub.Events():
				if !ok {
					return
				}
				select {
				case out <- Event{Name: ev.Name()}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
