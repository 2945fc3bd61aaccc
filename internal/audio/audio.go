// Package audio defines what core needs from the sound pipeline: a source
// that a backend resolves a URI to, and a player that decodes sources and
// sends PCM to the outputs. The gapless player and the recording test sink
// both implement Player.
package audio

import (
	"context"
	"errors"
	"io"
	"time"
)

// ReplayGain holds a track's gain values in dB and peaks as linear factors.
// A zero HasTrack or HasAlbum means the tag was missing.
type ReplayGain struct {
	TrackGain, TrackPeak float64
	AlbumGain, AlbumPeak float64
	HasTrack, HasAlbum   bool
}

// OpenFunc opens the bytes of a source. The reader may also implement
// io.Seeker. A live stream calls onTitle, when not nil, each time the
// stream announces a new title.
type OpenFunc func(ctx context.Context, onTitle func(title string)) (io.ReadCloser, error)

// Source is a resolved, playable track.
type Source struct {
	// URI is the track's URI in core, used in events.
	URI string
	// Format is a hint: a file extension without the dot ("mp3", "flac",
	// "ogg", "opus", "wav", "m4a") or a MIME type. Empty means unknown, and
	// the decoder sniffs the bytes.
	Format string
	// Live is true for radio streams, which cannot seek or be decoded ahead.
	Live bool
	Open OpenFunc
	Gain ReplayGain
}

// EventType is the kind of a player event.
type EventType int

// Player events.
const (
	// EventStarted: the source with URI started to sound, either after Play
	// or when a gapless transition reached it.
	EventStarted EventType = iota + 1
	// EventAboutToFinish: the current source is near its end, so core should
	// call SetNext with the source that follows, or SetNext(nil).
	EventAboutToFinish
	// EventEnded: the source with URI played to its end.
	EventEnded
	// EventEndOfStream: the last source ended and nothing was queued.
	EventEndOfStream
	// EventError: the source with URI could not be opened or decoded.
	EventError
	// EventStreamTitle: a live source announced Title.
	EventStreamTitle
)

// Event is a message from the player to core.
type Event struct {
	Type     EventType
	URI      string
	Title    string
	Position time.Duration
	Err      error
	// Format and Encoding describe the source of an EventStarted as its
	// decoder delivers it. Encoding is zero when the decoder does not
	// know the codec.
	Format   Format
	Encoding Encoding
}

// ErrNotSeekable is returned by Seek on a live source.
var ErrNotSeekable = errors.New("audio: source is not seekable")

// Player plays one source at a time to the outputs. All methods are safe for
// concurrent use and return without waiting for the sound to change.
type Player interface {
	// Play stops what is playing and starts src at position start.
	Play(ctx context.Context, src Source, start time.Duration) error
	// SetNext queues the source that follows the current one without a gap,
	// or clears the queued source when src is nil.
	SetNext(src *Source)
	Pause() error
	Resume() error
	Stop() error
	// Seek moves within the current source.
	Seek(pos time.Duration) error
	// Position returns the time position in the current source.
	Position() time.Duration
	// SetVolume sets the software volume (0 to 100) and mute state that
	// the PCM path applies.
	SetVolume(volume int, mute bool)
	// Events delivers player events in order. The channel is closed by Close.
	Events() <-chan Event
	Close() error
}
