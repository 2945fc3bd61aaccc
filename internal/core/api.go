// Package core owns the server's player state (tracklist, playback state
// machine, mixer, history), routes library and playlist calls to backends
// by URI scheme, and publishes events. Its API is the one API of the
// server, with Mopidy 3.4's controllers, method names and semantics.
// Every frontend calls it through Guard, which checks the caller's scopes.
package core

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/models"
)

// State is a playback state with Mopidy's names.
type State string

// Playback states.
const (
	Playing State = events.StatePlaying
	Paused  State = events.StatePaused
	Stopped State = events.StateStopped
)

// ParseState checks a state name.
func ParseState(s string) (State, error) {
	switch State(s) {
	case Playing, Paused, Stopped:
		return State(s), nil
	}
	return "", fmt.Errorf("playback state %q: use playing, paused or stopped: %w", s, ErrInvalid)
}

// API is the interface every frontend calls. *Core implements it, and Guard
// wraps it for one principal. Method names follow Mopidy 3.4's
// core.<controller>.<method>; Methods lists them with their scopes.
type API interface {
	Playback() Playback
	Tracklist() Tracklist
	Library() Library
	Playlists() Playlists
	Mixer() Mixer
	History() History
	// Events subscribes to and publishes events. It is not part of
	// Mopidy's API, which pushes events to every WebSocket.
	Events() Events
	// GetURISchemes returns the URI schemes of every backend, sorted.
	GetURISchemes(ctx context.Context) ([]string, error)
	// GetVersion returns the server's version.
	GetVersion(ctx context.Context) (string, error)
}

// Events subscribes to core events and publishes extension events.
type Events interface {
	// Subscribe returns a subscription filtered by the caller's scopes.
	// The caller must Close it.
	Subscribe(ctx context.Context) (*events.Subscription, error)
	// Publish sends an event in the caller's own namespace,
	// "ext.<extension>.<event>". Only extensions may publish.
	Publish(ctx context.Context, event string, payload json.RawMessage) error
}

// Playback is Mopidy's core.playback controller. Time positions are in
// milliseconds.
type Playback interface {
	GetState(ctx context.Context) (State, error)
	SetState(ctx context.Context, newState State) error
	// Play starts tlTrack or tlid (at most one may be given), else resumes
	// when paused, else plays the current or first track.
	Play(ctx context.Context, tlTrack *models.TlTrack, tlid *int) error
	Pause(ctx context.Context) error
	Resume(ctx context.Context) error
	Stop(ctx context.Context) error
	Next(ctx context.Context) error
	Previous(ctx context.Context) error
	Seek(ctx context.Context, timePosition int) (bool, error)
	GetTimePosition(ctx context.Context) (int, error)
	GetCurrentTlTrack(ctx context.Context) (*models.TlTrack, error)
	GetCurrentTrack(ctx context.Context) (*models.Track, error)
	GetCurrentTlid(ctx context.Context) (*int, error)
	GetStreamTitle(ctx context.Context) (*string, error)
	// GetStatus is a Tonearm addition for MPD's status: the state, the
	// current and next track, the modes, the volume and the last
	// playback error, read at one instant.
	GetStatus(ctx context.Context) (Status, error)
	// ClearError is a Tonearm addition for MPD's clearerror. It clears
	// the last playback error.
	ClearError(ctx context.Context) error
}

// Tracklist is Mopidy's core.tracklist controller, plus GetChanges for
// MPD's plchanges.
type Tracklist interface {
	// Add appends tracks, or the tracks that uris look up to, at
	// atPosition or the end. Exactly one of tracks and uris is given.
	Add(ctx context.Context, tracks []models.Track, atPosition *int, uris []string) ([]models.TlTrack, error)
	Remove(ctx context.Context, criteria Criteria) ([]models.TlTrack, error)
	Filter(ctx context.Context, criteria Criteria) ([]models.TlTrack, error)
	Clear(ctx context.Context) error
	// Move moves the tracks in [start, end) to toPosition.
	Move(ctx context.Context, start, end, toPosition int) error
	// Shuffle shuffles [start, end); nil bounds mean the list's ends.
	Shuffle(ctx context.Context, start, end *int) error
	Slice(ctx context.Context, start, end int) ([]models.TlTrack, error)
	// Index returns the position of tlTrack or tlid, or of the current
	// track when both are nil; nil when not found.
	Index(ctx context.Context, tlTrack *models.TlTrack, tlid *int) (*int, error)
	GetTlTracks(ctx context.Context) ([]models.TlTrack, error)
	GetTracks(ctx context.Context) ([]models.Track, error)
	GetLength(ctx context.Context) (int, error)
	GetVersion(ctx context.Context) (int, error)
	GetConsume(ctx context.Context) (bool, error)
	SetConsume(ctx context.Context, value bool) error
	GetRandom(ctx context.Context) (bool, error)
	SetRandom(ctx context.Context, value bool) error
	GetRepeat(ctx context.Context) (bool, error)
	SetRepeat(ctx context.Context, value bool) error
	GetSingle(ctx context.Context) (bool, error)
	SetSingle(ctx context.Context, value bool) error
	GetNextTlid(ctx context.Context) (*int, error)
	GetPreviousTlid(ctx context.Context) (*int, error)
	GetEotTlid(ctx context.Context) (*int, error)
	// NextTrack, PreviousTrack and EotTrack are the deprecated forms of
	// the Get*Tlid methods that Mopidy 3.4 still exposes. A nil tlTrack
	// stands for the current track.
	NextTrack(ctx context.Context, tlTrack *models.TlTrack) (*models.TlTrack, error)
	PreviousTrack(ctx context.Context, tlTrack *models.TlTrack) (*models.TlTrack, error)
	EotTrack(ctx context.Context, tlTrack *models.TlTrack) (*models.TlTrack, error)
	// GetChanges is a Tonearm addition for MPD's plchanges: the entries
	// whose position or content changed after version, in tracklist order.
	GetChanges(ctx context.Context, version int) ([]Change, error)
	// SetPriority and GetPriorities are Tonearm additions for MPD's prio
	// and prioid. In random mode, entries of a higher priority (0 to
	// MaxPriority) play first. GetPriorities leaves out priorities of 0.
	SetPriority(ctx context.Context, tlids []int, priority int) error
	GetPriorities(ctx context.Context) (map[int]int, error)
}

// Change is a tracklist entry with its position and the tracklist version
// at which it was last added, moved or shifted.
type Change struct {
	Position int            `json:"position"`
	Version  int            `json:"version"`
	TlTrack  models.TlTrack `json:"tl_track"`
}

// Library is Mopidy's core.library controller.
type Library interface {
	// Browse lists the refs under uri; a nil uri lists one root per
	// browsable backend, sorted by name.
	Browse(ctx context.Context, uri *string) ([]models.Ref, error)
	Search(ctx context.Context, query models.Query, uris []string, exact bool) ([]models.SearchResult, error)
	Lookup(ctx context.Context, uris []string) (map[string][]models.Track, error)
	GetDistinct(ctx context.Context, field string, query models.Query) ([]string, error)
	GetImages(ctx context.Context, uris []string) (map[string][]models.Image, error)
	// Refresh rescans the library below uri, or all of it when nil.
	Refresh(ctx context.Context, uri *string) error
}

// Playlists is Mopidy's core.playlists controller.
type Playlists interface {
	AsList(ctx context.Context) ([]models.Ref, error)
	// GetItems returns nil when the playlist is not found.
	GetItems(ctx context.Context, uri string) ([]models.Ref, error)
	Lookup(ctx context.Context, uri string) (*models.Playlist, error)
	Create(ctx context.Context, name string, uriScheme *string) (*models.Playlist, error)
	Save(ctx context.Context, playlist models.Playlist) (*models.Playlist, error)
	Delete(ctx context.Context, uri string) (bool, error)
	Refresh(ctx context.Context, uriScheme *string) error
	GetURISchemes(ctx context.Context) ([]string, error)
}

// Mixer is Mopidy's core.mixer controller. With no mixer the getters
// return nil and the setters false.
type Mixer interface {
	GetVolume(ctx context.Context) (*int, error)
	SetVolume(ctx context.Context, volume int) (bool, error)
	GetMute(ctx context.Context) (*bool, error)
	SetMute(ctx context.Context, mute bool) (bool, error)
}

// History is Mopidy's core.history controller.
type History interface {
	// GetHistory returns the played tracks, newest first.
	GetHistory(ctx context.Context) ([]HistoryEntry, error)
	GetLength(ctx context.Context) (int, error)
}

// HistoryEntry is a played track. Its JSON form is Mopidy's pair
// [timestamp_ms, Ref].
type HistoryEntry struct {
	Timestamp int64 // milliseconds since the Unix epoch
	Ref       models.Ref
}

// MarshalJSON encodes h as [timestamp, ref].
func (h HistoryEntry) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{h.Timestamp, h.Ref})
}

// UnmarshalJSON decodes h from [timestamp, ref].
func (h *HistoryEntry) UnmarshalJSON(b []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return fmt.Errorf("history entry: %w", err)
	}
	if len(pair) != 2 {
		return fmt.Errorf("history entry: %d elements, expected [timestamp, ref]", len(pair))
	}
	if err := json.Unmarshal(pair[0], &h.Timestamp); err != nil {
		return fmt.Errorf("history entry timestamp: %w", err)
	}
	return json.Unmarshal(pair[1], &h.Ref)
}
