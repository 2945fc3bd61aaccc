package mpd

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/models"
)

// maxSnapshots bounds the tracklist versions kept for plchanges.
const maxSnapshots = 64

// watcher keeps frontend state that follows core events: the oneshot flag
// of single, the time spent playing and old tracklist orders for
// plchanges.
type watcher struct {
	mu      sync.Mutex
	oneshot bool
	// oneshotPlayed is set once playback ran while oneshot was set.
	oneshotPlayed bool
	playing       bool
	playingSince  time.Time
	played        time.Duration
	snapshots     map[int][]int // core tracklist version to tlids
	order         []int         // versions in snapshots, oldest first
}

func newWatcher() *watcher { return &watcher{snapshots: make(map[int][]int)} }

// watchEvents follows core events until ctx ends. It acts with all permissions,
// because the frontend itself clears single after a oneshot.
func (s *Server) watchEvents(ctx context.Context) {
	core := s.coreFor(Principal{ConnID: "mpd-watch", Permissions: PermAll})
	events, err := core.Subscribe(ctx)
	if err != nil {
		s.log.Warn("MPD frontend gets no core events: single oneshot and playtime will not update", "err", err)
		return
	}
	warm := make(chan struct{}, 1)
	warm <- struct{}{}
	go s.warmLoop(ctx, core, warm)
	for ev := range events {
		switch ev.Name {
		case EventLibraryUpdated:
			select {
			case warm <- struct{}{}:
			default: // a warm-up is already due
			}
		case EventTracklistChanged:
			if err := s.pruneQueueTags(ctx, core); err != nil {
				s.log.Warn("MPD added tags of removed queue entries not dropped: reading the tracklist failed", "err", err)
			}
		case EventPlaybackStateChanged, EventTrackPlaybackStarted:
			state, err := core.PlaybackState(ctx)
			if err != nil {
				continue
			}
			s.watch.setPlaying(state == "playing")
			if s.watch.oneshotEnded(state) {
				s.endOneshot(ctx, core)
			}
		}
	}
}

// maxWarmRounds bounds the warm-ups run for one request.
const maxWarmRounds = 3

// warmLoop warms the listing caches each time warm receives, until ctx
// ends.
func (s *Server) warmLoop(ctx context.Context, core Core, warm <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-warm:
		}
		// NOTE: this server and the core adapter see a library update
		// in either order. A warm-up that read the library before the
		// adapter dropped its cache runs again on the new list.
		for range maxWarmRounds {
			if fresh, err := s.warmLibrary(ctx, core); err != nil || fresh {
				break
			}
		}
	}
}

// warmLibrary sorts the whole library, builds its folder tree and reads
// the folder times and playlist files that listallinfo writes, so that
// the first listing after a start or a library update finds them cached. It reports
// whether the core still returns the library it warmed.
func (s *Server) warmLibrary(ctx context.Context, core Core) (bool, error) {
	start := time.Now()
	all, err := core.Search(ctx, models.Query{}, false)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("MPD listing cache not warmed; the next listing fills it", "err", err)
		}
		return false, err
	}
	tracks, paths := s.sortedLibrary(all)
	tree := s.sorted.libraryTree(tracks, func() *dirTree { return buildTree(tracks, paths, "") })
	tree.walk(func(dir string) { s.sorted.folderTime(dir, s.folderTime) }, func(treeSong) {}, func(dir string) {
		s.sorted.folderPlaylists(dir, s.listMusicPlaylists)
	})
	s.log.Debug("MPD listing cache warmed", "tracks", len(tracks), "duration", time.Since(start))
	now, err := core.Search(ctx, models.Query{}, false)
	if err != nil {
		return false, err
	}
	return len(now) == len(all) && (len(all) == 0 || &now[0] == &all[0]), nil
}

// oneshotEnded reports whether playback stopped after it played with
// "single oneshot" set. The state is read when the event arrives, so an
// event older than the oneshot command cannot end it before any playing.
func (w *watcher) oneshotEnded(state string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.oneshot {
		return false
	}
	switch state {
	case "playing":
		w.oneshotPlayed = true
	case "stopped":
		if w.oneshotPlayed {
			w.oneshot, w.oneshotPlayed = false, false
			return true
		}
	}
	return false
}

// endOneshot turns single off once playback stops, which single mode does
// after the current track, so "single oneshot" applies to one track.
func (s *Server) endOneshot(ctx context.Context, core Core) {
	if err := core.SetSingle(ctx, false); err != nil {
		s.log.Warn("MPD frontend could not end single oneshot", "err", err)
	}
}

func (w *watcher) setPlaying(on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	if w.playing {
		w.played += now.Sub(w.playingSince)
	}
	w.playing, w.playingSince = on, now
}

// playtime returns the time spent playing since the server started.
func (s *Server) playtime() time.Duration {
	w := s.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.played
	if w.playing {
		d += time.Since(w.playingSince)
	}
	return d
}

// setOneshot records "single oneshot" (on) or another single mode, and
// whether playback runs at that moment.
func (s *Server) setOneshot(on, playing bool) {
	s.watch.mu.Lock()
	s.watch.oneshot = on
	s.watch.oneshotPlayed = on && playing
	s.watch.mu.Unlock()
}

// singleString returns the single field of status.
func (s *Server) singleString(single bool) string {
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	if single && s.watch.oneshot {
		return "oneshot"
	}
	return boolString(single)
}

// plVersion maps the core tracklist version, which starts at 0, to MPD's
// playlist version, which starts at 1.
func (s *Server) plVersion(coreVersion int) int { return coreVersion + 1 }

// remember stores the tlid order of a tracklist version for plchanges.
func (s *Server) remember(version int, tlids []int) {
	w := s.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.snapshots[version]; ok {
		return
	}
	w.snapshots[version] = slices.Clone(tlids)
	w.order = append(w.order, version)
	if len(w.order) > maxSnapshots {
		delete(w.snapshots, w.order[0])
		w.order = w.order[1:]
	}
}

// snapshot returns the tlid order of an older version, if kept.
func (s *Server) snapshot(version int) ([]int, bool) {
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	t, ok := s.watch.snapshots[version]
	return t, ok
}

func itoa(n int) string { return strconv.Itoa(n) }
