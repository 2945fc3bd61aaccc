package core

import (
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/audiotest"
)

func (e *env) audioFormat() string {
	e.t.Helper()
	st, err := e.core.Playback().GetStatus(e.ctx)
	if err != nil {
		e.t.Fatalf("get status: %v", err)
	}
	return st.AudioFormat
}

// waitAudioFormat returns the status audio format once it equals want, or
// the last one after 5 s. The player's start event reaches the core after
// the play call returns.
func (e *env) waitAudioFormat(want string) string {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := e.audioFormat()
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(time.Millisecond)
	}
}

// mp3Player is a test player whose decoder reports an MP3 at 44.1 kHz in
// stereo for mem:1 and no codec for other tracks.
func mp3Player(o *Options) {
	o.Player.Close()
	o.Player = audiotest.New(audiotest.Options{
		Manual:        true,
		TrackLength:   func(string) time.Duration { return trackLength },
		AboutToFinish: 2 * time.Second,
		SourceFormat: func(uri string) (audio.Format, audio.Encoding) {
			if uri != "mem:1" {
				return audio.Format{SampleRate: 48000, Channels: 2}, audio.Encoding{}
			}
			return audio.Format{SampleRate: 44100, Channels: 2}, audio.Encoding{Codec: audio.CodecMP3}
		},
	})
}

func TestStatusAudioFormatFromPlayer(t *testing.T) {
	e := newEnv(t, mp3Player)
	defer e.core.opts.Player.Close()
	e.add("1", "2")
	e.play(intp(1))
	e.expect("playback_state_changed", "track_playback_started")
	if got := e.waitAudioFormat("44100:24:2"); got != "44100:24:2" {
		t.Fatalf("audio format of an MP3 at 44.1 kHz = %q, want 44100:24:2", got)
	}

	if err := e.core.Playback().Pause(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.audioFormat(); got != "44100:24:2" {
		t.Errorf("audio format while paused = %q, want 44100:24:2", got)
	}

	// Track 2's decoder reports no codec, and track 1's format must not
	// carry over, neither before its start event nor after.
	if err := e.core.Playback().Next(e.ctx); err != nil {
		t.Fatal(err)
	}
	if e.currentTLID() != 2 {
		t.Fatalf("current tlid after next = %d, want 2", e.currentTLID())
	}
	if got := e.audioFormat(); got != "" {
		t.Errorf("audio format of track 2 = %q, want empty", got)
	}

	if err := e.core.Playback().Previous(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.waitAudioFormat("44100:24:2"); got != "44100:24:2" {
		t.Fatalf("audio format after previous = %q, want 44100:24:2", got)
	}
	if err := e.core.Playback().Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.audioFormat(); got != "" {
		t.Errorf("audio format when stopped = %q, want empty", got)
	}
}
