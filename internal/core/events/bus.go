package events

import (
	"log/slog"
	"strings"
	"sync"

	"github.com/tonearm/tonearm/internal/core/scope"
)

// DefaultQueueSize is the per-subscriber queue length when
// Options.QueueSize is 0.
const DefaultQueueSize = 128

// Options configures a Bus.
type Options struct {
	// QueueSize is the number of events a subscriber may have pending
	// before it is dropped. 0 means DefaultQueueSize.
	QueueSize int
	Logger    *slog.Logger
}

// Bus fans events out to subscribers. Publish never waits: a subscriber
// whose queue is full is dropped and its channel closed.
type Bus struct {
	queueSize int
	log       *slog.Logger

	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	nextID uint64
}

// NewBus returns an empty bus.
func NewBus(opts Options) *Bus {
	size := opts.QueueSize
	if size <= 0 {
		size = DefaultQueueSize
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Bus{queueSize: size, log: log, subs: make(map[*Subscription]struct{})}
}

// Subscription is one subscriber's queue.
type Subscription struct {
	bus       *Bus
	id        uint64
	principal scope.Principal
	ch        chan Event
	dropped   bool // guarded by bus.mu
	closed    bool // guarded by bus.mu
}

// Subscribe returns a subscription that receives the events p's scopes
// allow (see Allowed), in publish order.
func (b *Bus) Subscribe(p scope.Principal) *Subscription {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	s := &Subscription{bus: b, id: b.nextID, principal: p, ch: make(chan Event, b.queueSize)}
	b.subs[s] = struct{}{}
	return s
}

// Events returns the channel of events. It is closed when the subscriber
// is dropped or closed.
func (s *Subscription) Events() <-chan Event { return s.ch }

// Dropped reports whether the bus dropped the subscriber because its queue
// was full.
func (s *Subscription) Dropped() bool {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.dropped
}

// Close ends the subscription and closes its channel. It is safe to call
// more than once.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.bus.removeLocked(s)
}

func (b *Bus) removeLocked(s *Subscription) {
	if s.closed {
		return
	}
	s.closed = true
	delete(b.subs, s)
	close(s.ch)
}

// Publish sends e to every subscriber allowed to see it, without waiting.
func (b *Bus) Publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if !Allowed(s.principal.Scopes, e) {
			continue
		}
		select {
		case s.ch <- e:
		default:
			s.dropped = true
			b.removeLocked(s)
			b.log.Warn("event subscriber dropped: queue full",
				"subscription", s.id, "principal", s.principal.String(),
				"queue", b.queueSize, "event", e.Name())
		}
	}
}

// Len returns the number of subscribers.
func (b *Bus) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Allowed reports whether scopes let a subscriber see e: the read scope of
// the event's area or its events:* scope. Playback, tracklist, options and
// mixer events need playback:read; playlist and library events need
// library:read; extension events need events:ext or events:ext.<name>.
// events:* allows every event.
func Allowed(scopes scope.Set, e Event) bool {
	if scopes.Has(scope.EventsAll) {
		return true
	}
	switch e.Area() {
	case AreaPlayback:
		return scopes.Has(scope.PlaybackRead) || scopes.Has(scope.EventsPlayback)
	case AreaTracklist:
		return scopes.Has(scope.PlaybackRead) || scopes.Has(scope.EventsTracklist)
	case AreaOptions:
		return scopes.Has(scope.PlaybackRead) || scopes.Has(scope.EventsOptions)
	case AreaMixer:
		return scopes.Has(scope.PlaybackRead) || scopes.Has(scope.EventsMixer)
	case AreaPlaylists:
		return scopes.Has(scope.LibraryRead) || scopes.Has(scope.EventsPlaylists)
	case AreaLibrary:
		return scopes.Has(scope.LibraryRead) || scopes.Has(scope.EventsLibrary)
	case AreaExt:
		name := strings.TrimPrefix(e.Name(), ExtPrefix)
		ext, _, _ := strings.Cut(name, ".")
		return scopes.Has(scope.EventsExt) || scopes.Has(scope.EventsExt+"."+scope.Scope(ext))
	}
	return false
}
