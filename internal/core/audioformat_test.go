package core

import (
	"testing"

	"github.com/tonearm/tonearm/internal/audio"
)

func (e *env) audioFormat() string {
	e.t.Helper()
	st, err := e.core.Playback().GetStatus(e.ctx)
	if err != nil {
		e.t.Fatalf("get status: %v", err)
	}
	return st.AudioFormat
}

// startedMP3 applies the start event that the real player sends for an
// MP3 at 44.1 kHz in stereo.
func (e *env) startedMP3(uri string) {
	e.core.mu.Lock()
	defer e.core.mu.Unlock()
	e.core.handlePlayerEvent(audio.Event{
		Type:     audio.EventStarted,
		URI:      uri,
		Format:   audio.Format{SampleRate: 44100, Channels: 2},
		Encoding: audio.Encoding{Codec: audio.CodecMP3},
	})
}

func TestStatusAudioFormatFromPlayer(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	e.play(intp(1))
	e.expect("playback_state_changed", "track_playback_started")
	// The test player reports no format, as a decoder without a codec
	// does.
	if got := e.audioFormat(); got != "" {
		t.Errorf("audio format before a decoder reported one = %q, want empty", got)
	}

	// The real player's start event carries the decoder's format.
	e.startedMP3("mem:1")
	if got := e.audioFormat(); got != "44100:24:2" {
		t.Errorf("audio format of an MP3 at 44.1 kHz = %q, want 44100:24:2", got)
	}

	if err := e.core.Playback().Pause(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.audioFormat(); got != "44100:24:2" {
		t.Errorf("audio format while paused = %q, want 44100:24:2", got)
	}

	// Another track has none of its own until its start is reported.
	if err := e.core.Playback().Next(e.ctx); err != nil {
		t.Fatal(err)
	}
	if e.currentTLID() != 2 {
		t.Fatalf("current tlid after next = %d, want 2", e.currentTLID())
	}
	if got := e.audioFormat(); got != "" {
		t.Errorf("audio format of track 2 = %q, want empty: track 1's must not carry over", got)
	}

	if err := e.core.Playback().Previous(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.startedMP3("mem:1")
	if got := e.audioFormat(); got != "44100:24:2" {
		t.Fatalf("audio format after previous = %q, want 44100:24:2", got)
	}
	if err := e.core.Playback().Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.audioFormat(); got != "" {
		t.Errorf("audio format when stopped = %q, want empty", got)
	}
}
