package core

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/logging"
	"github.com/tonearm/tonearm/internal/models"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxTracklistLength = 10000 // Mopidy 3.4's core/max_tracklist_length
	DefaultSaveDelay          = time.Second
	DefaultSearchTimeout      = 10 * time.Second
	DefaultResolveTimeout     = 15 * time.Second
	DefaultVersion            = "0.0.0-dev"
	// MaxHistory is the number of history entries kept, as in Mopidy 3.4.
	MaxHistory = 500
	// maxURIs bounds the URIs one lookup, get_images or add may name.
	maxURIs = 10000
)

// Options configures a Core. Player is required.
type Options struct {
	Backends []backend.Backend
	Player   audio.Player
	Logger   *slog.Logger
	// Version is returned by core.get_version.
	Version string
	// MaxTracklistLength bounds the tracklist; 0 means 10000.
	MaxTracklistLength int
	// NoMixer disables volume control, as Mopidy's audio/mixer = none
	// does: get_volume and get_mute return null, the setters false.
	NoMixer bool
	// InitialVolume is the volume at start (0 to 100); nil means 100.
	// A restored state overrides it.
	InitialVolume *int
	// RestoreState saves the player state to <DataDir>/core/state.json on
	// every change and at Close, and restores it at start.
	RestoreState bool
	DataDir      string
	// SaveDelay is how long state saves wait for more changes; 0 means 1 s.
	SaveDelay time.Duration
	// SearchTimeout bounds each backend's search, browse-root and
	// get_distinct call; 0 means 10 s.
	SearchTimeout time.Duration
	// ResolveTimeout bounds turning a URI into a source; 0 means 15 s.
	ResolveTimeout time.Duration
	// EventQueue is each subscriber's queue length; 0 means
	// events.DefaultQueueSize.
	EventQueue int
	// Shuffle permutes n items for random mode and tracklist.shuffle;
	// nil means math/rand/v2's Shuffle.
	Shuffle func(n int, swap func(i, j int))
	// Now returns the time for history timestamps; nil means time.Now.
	Now func() time.Time
}

// Core owns the player state. One mutex guards it; the backends are called
// without holding it, except to resolve a source to play.
type Core struct {
	opts   Options
	log    *slog.Logger
	bus    *events.Bus
	router *router
	player audio.Player

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	saveCh chan struct{}

	mu      sync.Mutex
	closed  bool
	tl      *tracklist
	state   State
	current *models.TlTrack
	pending *models.TlTrack // queued with SetNext for a gapless change
	nearEnd bool            // AboutToFinish seen for current
	// pendingNear is the tlid of pending when the player reported
	// AboutToFinish for it before its start was heard, else 0. A track
	// shorter than the player's AboutToFinish lead does that.
	pendingNear int
	queueing    bool  // queueNext is running
	failures    int   // unplayable tracks in a row
	badNext     []int // tlids the player failed to open as next track
	streamTitle *string
	lastError   *PlaybackError // the last track skipped as unplayable
	// audioFormat is the decoded format of the track with tlid audioTLID,
	// from the player's last EventStarted, as Status.AudioFormat shows it.
	audioFormat string
	audioTLID   int
	// lookupWarnings bounds the warnings of failed lookups, which a
	// client can cause at will with a URI that a backend rejects.
	lookupWarnings *logging.RepeatLimiter
	volume         int
	mute           bool
	history        []HistoryEntry
}

var _ API = (*Core)(nil)

// New builds a core, restores its saved state when opts.RestoreState is
// set, and starts reading player events. Close stops it. Two backends
// claiming one URI scheme are an error.
func New(opts Options) (*Core, error) {
	if opts.Player == nil {
		return nil, fmt.Errorf("core: Options.Player is nil: pass an audio.Player")
	}
	if opts.RestoreState && opts.DataDir == "" {
		return nil, fmt.Errorf("core: restore_state needs a data_dir: set Options.DataDir")
	}
	setDefaults(&opts)
	r, err := newRouter(opts.Backends)
	if err != nil {
		return nil, fmt.Errorf("core: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Core{
		opts:           opts,
		log:            opts.Logger,
		bus:            events.NewBus(events.Options{QueueSize: opts.EventQueue, Logger: opts.Logger}),
		router:         r,
		player:         opts.Player,
		ctx:            ctx,
		cancel:         cancel,
		saveCh:         make(chan struct{}, 1),
		tl:             newTracklist(opts.Shuffle),
		state:          Stopped,
		volume:         100,
		lookupWarnings: logging.NewRepeatLimiter(logging.RepeatOptions{Logger: opts.Logger}),
	}
	if opts.InitialVolume != nil {
		c.volume = max(0, min(100, *opts.InitialVolume))
	}
	saved := c.loadState()
	c.player.SetVolume(c.volume, c.mute)
	c.wg.Add(1)
	go c.readPlayerEvents()
	if saved != nil {
		c.restorePlayback(saved)
	}
	if opts.RestoreState {
		c.wg.Add(1)
		go c.saveLoop()
	}
	return c, nil
}

func setDefaults(o *Options) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Version == "" {
		o.Version = DefaultVersion
	}
	if o.MaxTracklistLength <= 0 {
		o.MaxTracklistLength = DefaultMaxTracklistLength
	}
	if o.SaveDelay <= 0 {
		o.SaveDelay = DefaultSaveDelay
	}
	if o.SearchTimeout <= 0 {
		o.SearchTimeout = DefaultSearchTimeout
	}
	if o.ResolveTimeout <= 0 {
		o.ResolveTimeout = DefaultResolveTimeout
	}
	if o.Shuffle == nil {
		o.Shuffle = rand.Shuffle
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Close stops reading player events, saves the state when RestoreState is
// set, and makes later calls fail with ErrClosed. It does not close the
// player, which its creator owns.
func (c *Core) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	if c.opts.RestoreState {
		return c.saveState()
	}
	return nil
}

// statePath returns the path of the state file.
func (c *Core) statePath() string {
	return filepath.Join(c.opts.DataDir, "core", "state.json")
}

// lock takes the state mutex, failing after Close. The caller unlocks.
func (c *Core) lock() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// changed schedules a state save.
func (c *Core) changed() {
	select {
	case c.saveCh <- struct{}{}:
	default:
	}
}

func (c *Core) publish(e events.Event) { c.bus.Publish(e) }

// Playback returns the playback controller.
func (c *Core) Playback() Playback { return playbackController{c} }

// Tracklist returns the tracklist controller.
func (c *Core) Tracklist() Tracklist { return tracklistController{c} }

// Library returns the library controller.
func (c *Core) Library() Library { return libraryController{c} }

// Playlists returns the stored playlists controller.
func (c *Core) Playlists() Playlists { return playlistsController{c} }

// Mixer returns the mixer controller.
func (c *Core) Mixer() Mixer { return mixerController{c} }

// History returns the history controller.
func (c *Core) History() History { return historyController{c} }

// Events returns events for the server itself: its subscriptions see
// every core event, and it cannot publish extension events.
func (c *Core) Events() Events { return c.EventsFor(scope.Local("core")) }

// EventsFor returns events bound to p: subscriptions filtered by p's
// scopes, and publishing in p's namespace when p is an extension. Guard
// uses it.
func (c *Core) EventsFor(p scope.Principal) Events { return eventsController{c: c, p: p} }

// GetURISchemes returns every backend's URI schemes, sorted.
func (c *Core) GetURISchemes(ctx context.Context) ([]string, error) {
	return c.router.schemes(), nil
}

// GetVersion returns Options.Version.
func (c *Core) GetVersion(ctx context.Context) (string, error) { return c.opts.Version, nil }
