// Package memcore is an in-memory implementation of the MPD frontend's
// Core, for tests and benchmarks of the frontend while no audio plays. It
// keeps a fixed library, a tracklist, a playback state whose position
// advances with the clock, stored playlists, a volume and outputs.
package memcore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd"
)

// eventQueue bounds each subscriber's queue; a full queue drops the
// subscriber, as the core's event bus does.
const eventQueue = 64

// Core is the in-memory core. Its zero value is not usable: call New.
type Core struct {
	mu        sync.Mutex
	library   []models.Track
	byURI     map[string]*models.Track
	covers    map[string][]byte
	tracklist []models.TlTrack
	nextTLID  int
	version   int
	current   int // tlid, 0 for none
	state     string
	started   time.Time
	offset    time.Duration
	opts      mpd.Options
	volume    int
	outputs   []mpd.Output
	playlists map[string]*models.Playlist
	subs      map[chan mpd.Event]struct{}
	// prios holds non-zero priorities by tlid. They do not change the
	// order of play, because the in-memory core plays the list in order
	// even in random mode.
	prios map[int]int
}

var _ mpd.Core = (*Core)(nil)

// New returns a core over library, with volume 50 and one enabled null
// output.
func New(library []models.Track) *Core {
	c := &Core{
		library: library, byURI: map[string]*models.Track{}, covers: map[string][]byte{},
		nextTLID: 1, state: "stopped", volume: 50,
		outputs:   []mpd.Output{{ID: 0, Name: "null", Plugin: "null", Enabled: true}},
		playlists: map[string]*models.Playlist{},
		subs:      map[chan mpd.Event]struct{}{},
	}
	for i := range c.library {
		c.byURI[c.library[i].URI] = &c.library[i]
	}
	return c
}

// SetCover stores a picture for the track at uri.
func (c *Core) SetCover(uri string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.covers[uri] = data
}

// emitLocked sends an event to every subscriber; the caller holds mu.
func (c *Core) emitLocked(name string) {
	for ch := range c.subs {
		select {
		case ch <- mpd.Event{Name: name}:
		default:
			delete(c.subs, ch)
			close(ch)
		}
	}
}

// Subscribe implements mpd.Core.
func (c *Core) Subscribe(ctx context.Context) (<-chan mpd.Event, error) {
	ch := make(chan mpd.Event, eventQueue)
	c.mu.Lock()
	c.subs[ch] = struct{}{}
	c.mu.Unlock()
	go func() {
		<-ctx.Done()
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.subs[ch]; ok {
			delete(c.subs, ch)
			close(ch)
		}
	}()
	return ch, nil
}

func (c *Core) changedLocked() {
	c.version++
	c.emitLocked(mpd.EventTracklistChanged)
}

// PlaybackState implements mpd.Core.
func (c *Core) PlaybackState(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state, nil
}

func (c *Core) indexLocked(tlid int) int {
	for i, t := range c.tracklist {
		if t.TLID == tlid {
			return i
		}
	}
	return -1
}

func (c *Core) setStateLocked(state string) {
	if c.state != state {
		c.state = state
		c.emitLocked(mpd.EventPlaybackStateChanged)
	}
}

func (c *Core) startLocked(tlid int) {
	c.current = tlid
	c.offset = 0
	c.started = time.Now()
	c.setStateLocked("playing")
	c.emitLocked(mpd.EventTrackPlaybackStarted)
	// As in MPD 0.23.12, a song's priority returns to 0 when it starts.
	if _, ok := c.prios[tlid]; ok {
		delete(c.prios, tlid)
		c.changedLocked()
	}
}

// Play implements mpd.Core.
func (c *Core) Play(_ context.Context, tlid int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tlid == 0 {
		if c.state == "paused" {
			c.started = time.Now()
			c.setStateLocked("playing")
			return nil
		}
		if c.current != 0 {
			tlid = c.current
		} else if len(c.tracklist) > 0 {
			tlid = c.tracklist[0].TLID
		} else {
			return nil
		}
	}
	if c.indexLocked(tlid) < 0 {
		return backend.ErrNotFound
	}
	c.startLocked(tlid)
	return nil
}

func (c *Core) positionLocked() time.Duration {
	if c.state == "playing" {
		return c.offset + time.Since(c.started)
	}
	return c.offset
}

// Pause implements mpd.Core.
func (c *Core) Pause(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == "playing" {
		c.offset = c.positionLocked()
		c.setStateLocked("paused")
	}
	return nil
}

// Resume implements mpd.Core.
func (c *Core) Resume(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == "paused" {
		c.started = time.Now()
		c.setStateLocked("playing")
	}
	return nil
}

// Stop implements mpd.Core.
func (c *Core) Stop(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = 0
	c.setStateLocked("stopped")
	return nil
}

func (c *Core) stepLocked(delta int) {
	i := c.indexLocked(c.current)
	if i < 0 {
		return
	}
	j := i + delta
	if c.opts.Repeat && len(c.tracklist) > 0 {
		j = (j + len(c.tracklist)) % len(c.tracklist)
	}
	if j < 0 || j >= len(c.tracklist) {
		c.current = 0
		c.offset = 0
		c.setStateLocked("stopped")
		return
	}
	state := c.state
	c.startLocked(c.tracklist[j].TLID)
	if state == "paused" {
		c.setStateLocked("paused")
	}
}

// Next implements mpd.Core.
func (c *Core) Next(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stepLocked(1)
	return nil
}

// Previous implements mpd.Core.
func (c *Core) Previous(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stepLocked(-1)
	return nil
}

// Seek implements mpd.Core.
func (c *Core) Seek(_ context.Context, ms int) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current == 0 {
		return false, nil
	}
	c.offset = time.Duration(max(ms, 0)) * time.Millisecond
	c.started = time.Now()
	c.emitLocked(mpd.EventSeeked)
	return true, nil
}

// TimePosition implements mpd.Core.
func (c *Core) TimePosition(context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int(c.positionLocked().Milliseconds()), nil
}

// CurrentTlTrack implements mpd.Core.
func (c *Core) CurrentTlTrack(context.Context) (*models.TlTrack, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := c.indexLocked(c.current); i >= 0 {
		t := c.tracklist[i]
		return &t, nil
	}
	return nil, nil
}

// StreamTitle implements mpd.Core.
func (c *Core) StreamTitle(context.Context) (string, error) { return "", nil }

// TlTracks implements mpd.Core.
func (c *Core) TlTracks(context.Context) ([]models.TlTrack, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.tracklist), nil
}

// TracklistLength implements mpd.Core.
func (c *Core) TracklistLength(context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.tracklist), nil
}

// Index implements mpd.Core.
func (c *Core) Index(_ context.Context, tlid int) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.indexLocked(tlid), nil
}

// SetPriority implements mpd.Core.
func (c *Core) SetPriority(_ context.Context, tlids []int, prio int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, tlid := range tlids {
		if c.indexLocked(tlid) < 0 {
			return fmt.Errorf("%w: tlid %d", backend.ErrNotFound, tlid)
		}
	}
	if c.prios == nil {
		c.prios = make(map[int]int)
	}
	for _, tlid := range tlids {
		if prio == 0 {
			delete(c.prios, tlid)
		} else {
			c.prios[tlid] = prio
		}
	}
	c.changedLocked()
	return nil
}

// Priorities implements mpd.Core.
func (c *Core) Priorities(context.Context) (map[int]int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	live := make(map[int]int, len(c.prios))
	for _, t := range c.tracklist {
		if p := c.prios[t.TLID]; p > 0 {
			live[t.TLID] = p
		}
	}
	return live, nil
}

// TracklistVersion implements mpd.Core.
func (c *Core) TracklistVersion(context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version, nil
}

func (c *Core) lookupLocked(uri string) (models.Track, bool) {
	if t, ok := c.byURI[uri]; ok {
		return *t, true
	}
	if strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://") {
		return models.Track{URI: uri, Name: uri}, true
	}
	return models.Track{}, false
}

// Add implements mpd.Core.
func (c *Core) Add(_ context.Context, uris []string, at int) ([]models.TlTrack, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var added []models.TlTrack
	for _, u := range uris {
		t, ok := c.lookupLocked(u)
		if !ok {
			continue
		}
		added = append(added, models.TlTrack{TLID: c.nextTLID, Track: &t})
		c.nextTLID++
	}
	if len(added) == 0 {
		return nil, nil
	}
	if at < 0 || at > len(c.tracklist) {
		at = len(c.tracklist)
	}
	c.tracklist = slices.Insert(c.tracklist, at, added...)
	c.changedLocked()
	return added, nil
}

// Remove implements mpd.Core.
func (c *Core) Remove(_ context.Context, tlids []int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tracklist = slices.DeleteFunc(c.tracklist, func(t models.TlTrack) bool { return slices.Contains(tlids, t.TLID) })
	if slices.Contains(tlids, c.current) {
		c.current = 0
		c.offset = 0
		c.setStateLocked("stopped")
	}
	c.changedLocked()
	return nil
}

// Clear implements mpd.Core.
func (c *Core) Clear(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tracklist = nil
	c.current = 0
	c.offset = 0
	c.setStateLocked("stopped")
	c.changedLocked()
	return nil
}

// Move implements mpd.Core.
func (c *Core) Move(_ context.Context, start, end, to int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if start < 0 || end > len(c.tracklist) || start >= end {
		return backend.ErrNotFound
	}
	moved := slices.Clone(c.tracklist[start:end])
	rest := slices.Delete(slices.Clone(c.tracklist), start, end)
	if to < 0 || to > len(rest) {
		return backend.ErrNotFound
	}
	c.tracklist = slices.Insert(rest, to, moved...)
	c.changedLocked()
	return nil
}

// Shuffle implements mpd.Core.
func (c *Core) Shuffle(_ context.Context, start, end int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	part := c.tracklist[start:end]
	rand.Shuffle(len(part), func(i, j int) { part[i], part[j] = part[j], part[i] })
	c.changedLocked()
	return nil
}

// NextTlid implements mpd.Core.
func (c *Core) NextTlid(context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nextLocked(), nil
}

func (c *Core) nextLocked() int {
	i := c.indexLocked(c.current)
	if i < 0 {
		return 0
	}
	if c.opts.Single && c.opts.Repeat {
		return c.current
	}
	if i+1 < len(c.tracklist) {
		return c.tracklist[i+1].TLID
	}
	if c.opts.Repeat && len(c.tracklist) > 0 {
		return c.tracklist[0].TLID
	}
	return 0
}

// Status implements mpd.Core. The in-memory core plays no audio, so it
// never has a playback error.
func (c *Core) Status(context.Context) (mpd.Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := mpd.Status{
		State: c.state, Volume: c.volume, Options: c.opts,
		TracklistVersion: c.version, TracklistLength: len(c.tracklist),
		CurrentPos: c.indexLocked(c.current), NextPos: -1,
		Elapsed: int(c.positionLocked().Milliseconds()),
	}
	if s.CurrentPos >= 0 {
		s.Current = c.tracklist[s.CurrentPos]
	}
	if s.NextTLID = c.nextLocked(); s.NextTLID != 0 {
		s.NextPos = c.indexLocked(s.NextTLID)
	}
	return s, nil
}

// ClearError implements mpd.Core.
func (c *Core) ClearError(context.Context) error { return nil }

// Options implements mpd.Core.
func (c *Core) Options(context.Context) (mpd.Options, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opts, nil
}

func (c *Core) setOption(p *bool, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *p != on {
		*p = on
		c.emitLocked(mpd.EventOptionsChanged)
	}
	return nil
}

// SetConsume implements mpd.Core.
func (c *Core) SetConsume(_ context.Context, on bool) error { return c.setOption(&c.opts.Consume, on) }

// SetRandom implements mpd.Core.
func (c *Core) SetRandom(_ context.Context, on bool) error { return c.setOption(&c.opts.Random, on) }

// SetRepeat implements mpd.Core.
func (c *Core) SetRepeat(_ context.Context, on bool) error { return c.setOption(&c.opts.Repeat, on) }

// SetSingle implements mpd.Core.
func (c *Core) SetSingle(_ context.Context, on bool) error { return c.setOption(&c.opts.Single, on) }

// Browse implements mpd.Core over the folders of the local track paths.
func (c *Core) Browse(_ context.Context, uri string) ([]models.Ref, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	dir := ""
	if uri != "local:directory" {
		rest, ok := strings.CutPrefix(uri, "local:directory:")
		if !ok {
			return nil, backend.ErrNotFound
		}
		dir = rest
	}
	seen := map[string]bool{}
	var dirs, tracks []models.Ref
	for _, t := range c.library {
		p := strings.TrimPrefix(t.URI, "local:track:")
		rel := p
		if dir != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(p, dir+"/"); !ok {
				continue
			}
		}
		if i := strings.IndexByte(rel, '/'); i >= 0 {
			sub := rel[:i]
			if dir != "" {
				sub = dir + "/" + sub
			}
			if !seen[sub] {
				seen[sub] = true
				dirs = append(dirs, models.Ref{URI: "local:directory:" + sub, Name: sub, Type: models.RefDirectory})
			}
			continue
		}
		tracks = append(tracks, models.Ref{URI: t.URI, Name: t.Name, Type: models.RefTrack})
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].URI < dirs[j].URI })
	sort.Slice(tracks, func(i, j int) bool { return tracks[i].URI < tracks[j].URI })
	if len(dirs)+len(tracks) == 0 && dir != "" {
		return nil, backend.ErrNotFound
	}
	return append(dirs, tracks...), nil
}

// Lookup implements mpd.Core.
func (c *Core) Lookup(_ context.Context, uris []string) (map[string][]models.Track, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string][]models.Track, len(uris))
	for _, u := range uris {
		if t, ok := c.lookupLocked(u); ok {
			out[u] = []models.Track{t}
		}
	}
	return out, nil
}

// fieldValues returns a track's values of a Mopidy search field.
func fieldValues(t *models.Track, field string) []string {
	names := func(as []models.Artist) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Name)
		}
		return out
	}
	switch field {
	case "uri":
		return []string{t.URI}
	case "track_name":
		return []string{t.Name}
	case "album":
		if t.Album != nil {
			return []string{t.Album.Name}
		}
	case "artist":
		return names(t.Artists)
	case "albumartist":
		if t.Album != nil {
			return names(t.Album.Artists)
		}
	case "composer":
		return names(t.Composers)
	case "performer":
		return names(t.Performers)
	case "genre":
		return []string{t.Genre}
	case "date":
		return []string{t.Date}
	case "comment":
		return []string{t.Comment}
	case "track_no":
		return []string{strconv.Itoa(t.TrackNo)}
	case "disc_no":
		return []string{strconv.Itoa(t.DiscNo)}
	case "musicbrainz_trackid":
		return []string{t.MusicBrainzID}
	case "any":
		var all []string
		for _, f := range []string{"track_name", "album", "artist", "albumartist", "composer", "performer", "genre", "date", "comment"} {
			all = append(all, fieldValues(t, f)...)
		}
		return all
	}
	return nil
}

func matches(t *models.Track, q models.Query, exact bool) bool {
	for field, want := range q {
		values := fieldValues(t, field)
		for _, w := range want {
			w = strings.ToLower(w)
			hit := false
			for _, v := range values {
				v = strings.ToLower(v)
				if (exact && v == w) || (!exact && strings.Contains(v, w)) {
					hit = true
					break
				}
			}
			if !hit {
				return false
			}
		}
	}
	return true
}

// Search implements mpd.Core; an empty query returns every track.
func (c *Core) Search(_ context.Context, q models.Query, exact bool) ([]models.Track, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(q) == 0 {
		// The library never changes, so every caller may share it, as
		// they share the adapter's cache over the real core.
		return c.library, nil
	}
	// Every track is in the library, so no other track matches.
	return nil, nil
}

// Distinct implements mpd.Core.
func (c *Core) Distinct(_ context.Context, field string, q models.Query) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for i := range c.library {
		if !matches(&c.library[i], q, true) {
			continue
		}
		for _, v := range fieldValues(&c.library[i], field) {
			if v != "" && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// CoverArt implements mpd.Core.
func (c *Core) CoverArt(_ context.Context, uri string) ([]byte, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if data, ok := c.covers[uri]; ok {
		return data, "image/png", nil
	}
	return nil, "", nil
}

// Refresh implements mpd.Core; the library is fixed, so it only reports
// an update.
func (c *Core) Refresh(context.Context, string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emitLocked(mpd.EventLibraryUpdated)
	return nil
}

// Playlists implements mpd.Core.
func (c *Core) Playlists(context.Context) ([]models.Ref, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var refs []models.Ref
	for uri, pl := range c.playlists {
		refs = append(refs, models.Ref{URI: uri, Name: pl.Name, Type: models.RefPlaylist})
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Name < refs[j].Name })
	return refs, nil
}

// LookupPlaylist implements mpd.Core.
func (c *Core) LookupPlaylist(_ context.Context, uri string) (*models.Playlist, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pl, ok := c.playlists[uri]
	if !ok {
		return nil, nil
	}
	cp := *pl
	cp.Tracks = slices.Clone(pl.Tracks)
	return &cp, nil
}

// CreatePlaylist implements mpd.Core.
func (c *Core) CreatePlaylist(_ context.Context, name string) (*models.Playlist, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pl := &models.Playlist{URI: "m3u:" + name + ".m3u8", Name: name, LastModified: time.Now().UnixMilli()}
	c.playlists[pl.URI] = pl
	c.emitLocked(mpd.EventPlaylistChanged)
	cp := *pl
	return &cp, nil
}

// SavePlaylist implements mpd.Core.
func (c *Core) SavePlaylist(_ context.Context, pl models.Playlist) (*models.Playlist, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.playlists[pl.URI]; !ok {
		return nil, backend.ErrNotFound
	}
	pl.LastModified = time.Now().UnixMilli()
	stored := pl
	c.playlists[pl.URI] = &stored
	c.emitLocked(mpd.EventPlaylistChanged)
	return &pl, nil
}

// DeletePlaylist implements mpd.Core.
func (c *Core) DeletePlaylist(_ context.Context, uri string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.playlists[uri]; !ok {
		return false, nil
	}
	delete(c.playlists, uri)
	c.emitLocked(mpd.EventPlaylistDeleted)
	return true, nil
}

// Volume implements mpd.Core.
func (c *Core) Volume(context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.volume, nil
}

// SetVolume implements mpd.Core.
func (c *Core) SetVolume(_ context.Context, v int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.volume != v {
		c.volume = v
		c.emitLocked(mpd.EventVolumeChanged)
	}
	return nil
}

// Outputs implements mpd.Core.
func (c *Core) Outputs(context.Context) ([]mpd.Output, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.outputs), nil
}

// SetOutputEnabled implements mpd.Core.
func (c *Core) SetOutputEnabled(_ context.Context, id int, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.outputs {
		if c.outputs[i].ID == id {
			c.outputs[i].Enabled = on
			c.emitLocked(mpd.EventOutputChanged)
			return nil
		}
	}
	return backend.ErrNotFound
}
