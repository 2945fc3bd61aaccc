package core

import (
	"context"

	"github.com/tonearm/tonearm/internal/models"
)

// Status is the player state read under one lock, so its fields agree
// with each other. It is a Tonearm addition for MPD's status command,
// which otherwise needs about ten calls that may each see a different
// state.
type Status struct {
	State State `json:"state"`
	// Current is the current track. Its TLID is 0 when no track is
	// current.
	Current models.TlTrack `json:"current"`
	// CurrentIndex is the position of Current in the tracklist, -1 when
	// no track is current.
	CurrentIndex int `json:"current_index"`
	// NextTLID is the tlid that next() would play, 0 for none, and
	// NextIndex its position, -1 for none.
	NextTLID  int `json:"next_tlid"`
	NextIndex int `json:"next_index"`
	// TimePosition is the position in the current track in milliseconds.
	TimePosition int `json:"time_position"`
	// Volume is 0 to 100, -1 when there is no mixer. It is not a
	// pointer, as Mopidy's get_volume result is, so that reading the
	// status does not allocate.
	Volume           int  `json:"volume"`
	Consume          bool `json:"consume"`
	Random           bool `json:"random"`
	Repeat           bool `json:"repeat"`
	Single           bool `json:"single"`
	TracklistLength  int  `json:"tracklist_length"`
	TracklistVersion int  `json:"tracklist_version"`
	// Error is the last playback error, nil when none happened since the
	// last ClearError, play, next or previous call.
	Error *PlaybackError `json:"error"`
	// AudioFormat is the current track's format as the player's decoder
	// delivers it, in MPD 0.23's notation ("44100:24:2", with "f" for
	// floating point), as audio.Encoding.MPDFormat writes it. It is empty
	// when stopped, until the player first reports the track's start, and
	// when the decoder does not know the codec.
	AudioFormat string `json:"audio_format,omitempty"`
}

// PlaybackError is a track that the core skipped because it could not be
// resolved, opened or decoded.
type PlaybackError struct {
	URI     string `json:"uri"`
	Message string `json:"message"`
}

// GetStatus returns the player state as one consistent snapshot.
func (p playbackController) GetStatus(ctx context.Context) (Status, error) {
	c := p.c
	if err := c.lock(); err != nil {
		return Status{}, err
	}
	defer c.mu.Unlock()
	s := Status{
		State:            c.state,
		Volume:           -1,
		CurrentIndex:     -1,
		NextIndex:        -1,
		TimePosition:     c.positionMS(),
		Consume:          c.tl.consume,
		Random:           c.tl.random,
		Repeat:           c.tl.repeat,
		Single:           c.tl.single,
		TracklistLength:  len(c.tl.entries),
		TracklistVersion: c.tl.version,
	}
	if !c.opts.NoMixer {
		s.Volume = c.volume
	}
	cur := c.currentTLID()
	if c.current != nil {
		s.Current = *c.current
		s.CurrentIndex = c.tl.index(cur)
		if c.state != Stopped && c.audioTLID == c.current.TLID {
			s.AudioFormat = c.audioFormat
		}
	}
	if next, ok := c.tl.next(cur); ok {
		s.NextTLID = next.TLID
		s.NextIndex = c.tl.index(next.TLID)
	}
	if c.lastError != nil {
		e := *c.lastError
		s.Error = &e
	}
	return s, nil
}

// ClearError clears the last playback error, as MPD 0.23's clearerror
// does.
func (p playbackController) ClearError(ctx context.Context) error {
	c := p.c
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	c.lastError = nil
	return nil
}

// recordError stores err, the failure of the track at uri, as the last
// playback error. The caller holds c.mu.
func (c *Core) recordError(uri string, err error) {
	msg := "unknown error"
	if err != nil {
		msg = err.Error()
	}
	c.lastError = &PlaybackError{URI: uri, Message: msg}
}
