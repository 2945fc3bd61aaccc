package core

import (
	"context"
	"fmt"

	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/models"
)

type tracklistController struct{ c *Core }

// tracklistChanged runs after every tracklist change, with c.mu held: it
// publishes tracklist_changed, stops playback when the current track was
// removed, and queues a new next track when the player already asked
// for one.
func (c *Core) tracklistChanged() {
	c.publish(events.TracklistChanged{})
	c.changed()
	if c.current != nil {
		if _, ok := c.tl.get(c.current.TLID); !ok {
			// NOTE: Mopidy's _on_tracklist_change clears the current
			// track but lets the audio play on. Tonearm stops instead, so
			// the player never plays a track missing from the tracklist.
			if c.state != Stopped {
				c.endPlayback(false)
			} else {
				c.current = nil
			}
			return
		}
	}
	c.requeue()
}

// requeue recomputes the queued next track after a change of the
// tracklist or its options near the end of the current track.
func (c *Core) requeue() {
	if c.nearEnd && c.current != nil && c.state != Stopped && !c.queueing {
		c.queueing = true
		c.queueNext(c.current.TLID)
		c.queueing = false
	}
}

func (t tracklistController) Add(ctx context.Context, tracks []models.Track, atPosition *int, uris []string) ([]models.TlTrack, error) {
	c := t.c
	if (tracks == nil) == (uris == nil) {
		return nil, invalidf("tracklist.add: give exactly one of tracks and uris")
	}
	if atPosition != nil && *atPosition < 0 {
		return nil, invalidf("tracklist.add: at_position %d must be at least 0", *atPosition)
	}
	if len(tracks) > c.opts.MaxTracklistLength || len(uris) > maxURIs {
		return nil, fmt.Errorf("tracklist.add: %d items: %w", max(len(tracks), len(uris)), ErrTracklistFull)
	}
	if uris != nil {
		for _, u := range uris {
			if u == "" {
				return nil, invalidf("tracklist.add: empty uri")
			}
		}
		found := c.lookup(ctx, uris)
		tracks = []models.Track{}
		for _, u := range uris {
			tracks = append(tracks, found[u]...)
		}
	}
	if err := c.lock(); err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	if n := len(c.tl.entries) + len(tracks); n > c.opts.MaxTracklistLength {
		return nil, fmt.Errorf("tracklist.add: %d tracks would pass the maximum of %d (core max_tracklist_length): %w",
			n, c.opts.MaxTracklistLength, ErrTracklistFull)
	}
	if len(tracks) == 0 {
		return []models.TlTrack{}, nil
	}
	pos := -1
	if atPosition != nil {
		pos = *atPosition
	}
	added := c.tl.insert(tracks, pos, c.currentTLID())
	c.tracklistChanged()
	return added, nil
}

func (t tracklistController) Remove(ctx context.Context, criteria Criteria) ([]models.TlTrack, error) {
	if err := criteria.validate(); err != nil {
		return nil, err
	}
	c := t.c
	if err := c.lock(); err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	removed := c.tl.remove(criteria, c.currentTLID())
	if len(removed) > 0 {
		c.tracklistChanged()
	}
	return nonNil(removed), nil
}

func (t tracklistController) Filter(ctx context.Context, criteria Criteria) ([]models.TlTrack, error) {
	if err := criteria.validate(); err != nil {
		return nil, err
	}
	c := t.c
	if err := c.lock(); err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	return nonNil(c.tl.filter(criteria)), nil
}

func (t tracklistController) Clear(ctx context.Context) error {
	return t.c.mutate(func(cur int) error {
		t.c.tl.entries = nil
		t.c.tl.bump(cur)
		return nil
	})
}

func (t tracklistController) Move(ctx context.Context, start, end, toPosition int) error {
	return t.c.mutate(func(cur int) error { return t.c.tl.move(start, end, toPosition, cur) })
}

func (t tracklistController) Shuffle(ctx context.Context, start, end *int) error {
	return t.c.mutate(func(cur int) error { return t.c.tl.shuffleRange(start, end, cur) })
}

// mutate applies fn to the tracklist under the lock and announces the
// change when fn succeeds.
func (c *Core) mutate(fn func(current int) error) error {
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	if err := fn(c.currentTLID()); err != nil {
		return err
	}
	c.tracklistChanged()
	return nil
}

// read runs fn under the lock.
func read[T any](c *Core, fn func() T) (T, error) {
	if err := c.lock(); err != nil {
		var zero T
		return zero, err
	}
	defer c.mu.Unlock()
	return fn(), nil
}

func (t tracklistController) Slice(ctx context.Context, start, end int) ([]models.TlTrack, error) {
	return read(t.c, func() []models.TlTrack { return t.c.tl.slice(start, end) })
}

func (t tracklistController) Index(ctx context.Context, tlTrack *models.TlTrack, tlid *int) (*int, error) {
	if tlTrack != nil && tlid != nil {
		return nil, invalidf("tracklist.index: give tl_track or tlid, not both")
	}
	return read(t.c, func() *int {
		id := t.c.currentTLID()
		switch {
		case tlTrack != nil:
			id = tlTrack.TLID
		case tlid != nil:
			id = *tlid
		}
		i := t.c.tl.index(id)
		if id == 0 || i < 0 {
			return nil
		}
		return &i
	})
}

func (t tracklistController) GetTlTracks(ctx context.Context) ([]models.TlTrack, error) {
	return read(t.c, t.c.tl.tlTracks)
}

func (t tracklistController) GetTracks(ctx context.Context) ([]models.Track, error) {
	return read(t.c, func() []models.Track {
		out := make([]models.Track, 0, len(t.c.tl.entries))
		for _, e := range t.c.tl.entries {
			if e.tl.Track != nil {
				out = append(out, *e.tl.Track)
			}
		}
		return out
	})
}

func (t tracklistController) GetLength(ctx context.Context) (int, error) {
	return read(t.c, func() int { return len(t.c.tl.entries) })
}

func (t tracklistController) GetVersion(ctx context.Context) (int, error) {
	return read(t.c, func() int { return t.c.tl.version })
}

// MaxPriority is the highest priority SetPriority takes, that of MPD.
const MaxPriority = 255

// SetPriority sets the priority of the entries with the given tlids. It
// announces a tracklist change, as MPD 0.23.12 reports a priority change
// as a queue change.
func (t tracklistController) SetPriority(ctx context.Context, tlids []int, priority int) error {
	if priority < 0 || priority > MaxPriority {
		return invalidf("tracklist.set_priority: priority %d is outside 0..%d", priority, MaxPriority)
	}
	return t.c.mutate(func(cur int) error {
		if !t.c.tl.setPriority(tlids, priority) {
			return invalidf("tracklist.set_priority: a tlid of %v is not in the tracklist", tlids)
		}
		t.c.tl.bump(cur)
		t.c.tl.markChangedTLIDs(tlids)
		return nil
	})
}

func (t tracklistController) GetPriorities(ctx context.Context) (map[int]int, error) {
	return read(t.c, func() map[int]int { return t.c.tl.priorities() })
}

func (t tracklistController) GetChanges(ctx context.Context, version int) ([]Change, error) {
	return read(t.c, func() []Change { return nonNil(t.c.tl.changes(version)) })
}

func (t tracklistController) GetConsume(ctx context.Context) (bool, error) {
	return read(t.c, func() bool { return t.c.tl.consume })
}

func (t tracklistController) GetRandom(ctx context.Context) (bool, error) {
	return read(t.c, func() bool { return t.c.tl.random })
}

func (t tracklistController) GetRepeat(ctx context.Context) (bool, error) {
	return read(t.c, func() bool { return t.c.tl.repeat })
}

func (t tracklistController) GetSingle(ctx context.Context) (bool, error) {
	return read(t.c, func() bool { return t.c.tl.single })
}

func (t tracklistController) SetConsume(ctx context.Context, value bool) error {
	return t.c.setOption(&t.c.tl.consume, value, nil)
}

// SetRandom rebuilds the random order when random is switched on.
func (t tracklistController) SetRandom(ctx context.Context, value bool) error {
	return t.c.setOption(&t.c.tl.random, value, func() {
		if value {
			t.c.tl.reshuffle(t.c.currentTLID())
		}
	})
}

func (t tracklistController) SetRepeat(ctx context.Context, value bool) error {
	return t.c.setOption(&t.c.tl.repeat, value, nil)
}

func (t tracklistController) SetSingle(ctx context.Context, value bool) error {
	return t.c.setOption(&t.c.tl.single, value, nil)
}

// setOption sets a mode flag and publishes options_changed only when it
// changed, as Mopidy 3.4 does.
func (c *Core) setOption(flag *bool, value bool, then func()) error {
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	if *flag == value {
		return nil
	}
	*flag = value
	if then != nil {
		then()
	}
	c.publish(events.OptionsChanged{})
	c.changed()
	c.requeue()
	return nil
}

func (t tracklistController) GetNextTlid(ctx context.Context) (*int, error) {
	return t.tlidOf(nil, t.c.tl.next)
}

func (t tracklistController) GetPreviousTlid(ctx context.Context) (*int, error) {
	return t.tlidOf(nil, t.c.tl.previous)
}

func (t tracklistController) GetEotTlid(ctx context.Context) (*int, error) {
	return t.tlidOf(nil, t.c.tl.eot)
}

func (t tracklistController) NextTrack(ctx context.Context, tlTrack *models.TlTrack) (*models.TlTrack, error) {
	return t.trackOf(tlTrack, t.c.tl.next)
}

func (t tracklistController) PreviousTrack(ctx context.Context, tlTrack *models.TlTrack) (*models.TlTrack, error) {
	return t.trackOf(tlTrack, t.c.tl.previous)
}

func (t tracklistController) EotTrack(ctx context.Context, tlTrack *models.TlTrack) (*models.TlTrack, error) {
	return t.trackOf(tlTrack, t.c.tl.eot)
}

func (t tracklistController) tlidOf(tlTrack *models.TlTrack, step func(int) (models.TlTrack, bool)) (*int, error) {
	tl, err := t.trackOf(tlTrack, step)
	if tl == nil || err != nil {
		return nil, err
	}
	return &tl.TLID, nil
}

// trackOf applies step to tlTrack, or to the current track when nil.
func (t tracklistController) trackOf(tlTrack *models.TlTrack, step func(int) (models.TlTrack, bool)) (*models.TlTrack, error) {
	return read(t.c, func() *models.TlTrack {
		from := t.c.currentTLID()
		if tlTrack != nil {
			from = tlTrack.TLID
		}
		return ptrIf(step(from))
	})
}
