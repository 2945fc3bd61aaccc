package core

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/core/events"
)

func TestPlayFromStopped(t *testing.T) {
	e := newEnv(t)
	tls := e.add("1", "2")
	e.play(nil)
	evs := e.expect("playback_state_changed", "track_playback_started")
	if got := evs[0].(events.PlaybackStateChanged); got.OldState != "stopped" || got.NewState != "playing" {
		t.Errorf("state change = %+v, want stopped to playing", got)
	}
	if got := evs[1].(events.TrackPlaybackStarted); got.TlTrack.TLID != tls[0].TLID {
		t.Errorf("started tlid = %d, want %d", got.TlTrack.TLID, tls[0].TLID)
	}
	if e.state() != Playing {
		t.Errorf("state = %s, want playing", e.state())
	}
	if got := e.player.Current(); got != "mem:1" {
		t.Errorf("player plays %q, want mem:1", got)
	}
	e.quiet()
}

func TestPauseResumeStop(t *testing.T) {
	e := newEnv(t)
	e.add("1")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.player.Advance(3000 * 1e6)
	if err := e.core.Playback().Pause(e.ctx); err != nil {
		t.Fatal(err)
	}
	evs := e.expect("playback_state_changed", "track_playback_paused")
	if got := evs[1].(events.TrackPlaybackPaused).TimePosition; got != 3000 {
		t.Errorf("paused at %d ms, want 3000", got)
	}
	if e.player.State() != "paused" {
		t.Errorf("player state = %s, want paused", e.player.State())
	}
	if err := e.core.Playback().Resume(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.expect("playback_state_changed", "track_playback_resumed")
	if err := e.core.Playback().Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	evs = e.expect("playback_state_changed", "track_playback_ended")
	if got := evs[0].(events.PlaybackStateChanged).NewState; got != "stopped" {
		t.Errorf("new state = %s, want stopped", got)
	}
	if got := evs[1].(events.TrackPlaybackEnded).TimePosition; got != 3000 {
		t.Errorf("ended at %d ms, want 3000", got)
	}
	if e.currentTLID() != 1 {
		t.Errorf("current tlid after stop = %d, want 1 (kept)", e.currentTLID())
	}
	// play without argument while paused resumes
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.core.Playback().Pause(e.ctx)
	e.expect("playback_state_changed", "track_playback_paused")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_resumed")
	e.quiet()
}

func TestPauseWhileStoppedIsNoop(t *testing.T) {
	e := newEnv(t)
	e.add("1")
	e.core.Playback().Pause(e.ctx)
	e.core.Playback().Resume(e.ctx)
	e.core.Playback().Stop(e.ctx)
	e.quiet()
	if e.state() != Stopped {
		t.Errorf("state = %s, want stopped", e.state())
	}
}

func TestNextPreviousKeepState(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2", "3")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.core.Playback().Next(e.ctx)
	e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")
	if e.currentTLID() != 2 {
		t.Fatalf("current = %d, want 2", e.currentTLID())
	}
	e.core.Playback().Pause(e.ctx)
	e.expect("playback_state_changed", "track_playback_paused")
	e.core.Playback().Next(e.ctx)
	evs := e.expect("track_playback_ended", "playback_state_changed", "track_playback_started", "track_playback_paused")
	if got := evs[1].(events.PlaybackStateChanged); got.NewState != "paused" {
		t.Errorf("state after next while paused = %+v, want paused", got)
	}
	if e.player.State() != "paused" {
		t.Errorf("player = %s, want paused", e.player.State())
	}
	e.core.Playback().Previous(e.ctx)
	e.expect("track_playback_ended", "playback_state_changed", "track_playback_started", "track_playback_paused")
	if e.currentTLID() != 2 {
		t.Errorf("current after previous = %d, want 2", e.currentTLID())
	}
}

func TestNextPastEndStops(t *testing.T) {
	e := newEnv(t)
	e.add("1")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.core.Playback().Next(e.ctx)
	e.expect("playback_state_changed", "track_playback_ended")
	if e.state() != Stopped || e.currentTLID() != 0 {
		t.Errorf("state %s current %d, want stopped and none", e.state(), e.currentTLID())
	}
}

func TestPreviousAtFirstStops(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.core.Playback().Previous(e.ctx)
	e.expect("playback_state_changed", "track_playback_ended")
	if e.state() != Stopped {
		t.Errorf("state = %s, want stopped", e.state())
	}
}

func TestNextWhileStoppedMovesCurrent(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.core.Playback().Stop(e.ctx)
	e.expect("playback_state_changed", "track_playback_ended")
	e.core.Playback().Next(e.ctx)
	e.quiet()
	if e.currentTLID() != 2 || e.state() != Stopped {
		t.Errorf("current %d state %s, want 2 stopped", e.currentTLID(), e.state())
	}
}

func TestGaplessEndOfTrack(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.player.Finish()
	evs := e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")
	if got := evs[0].(events.TrackPlaybackEnded); got.TlTrack.TLID != 1 || got.TimePosition != 10000 {
		t.Errorf("ended = %+v, want tlid 1 at 10000", got)
	}
	if got := evs[2].(events.TrackPlaybackStarted).TlTrack.TLID; got != 2 {
		t.Errorf("started tlid = %d, want 2", got)
	}
	if !slices.Equal(e.player.Played(), []string{"mem:1", "mem:2"}) {
		t.Errorf("played = %v", e.player.Played())
	}
	plays := 0
	for _, c := range e.player.Calls() {
		if c.Method == "Play" {
			plays++
		}
	}
	if plays != 1 {
		t.Errorf("Play called %d times, want 1 (the change is gapless)", plays)
	}
	// end of queue
	e.player.Finish()
	e.expect("playback_state_changed", "track_playback_ended")
	if e.state() != Stopped || e.currentTLID() != 0 {
		t.Errorf("state %s current %d, want stopped, none", e.state(), e.currentTLID())
	}
	hist, _ := e.core.History().GetHistory(e.ctx)
	if len(hist) != 2 || hist[0].Ref.URI != "mem:2" || hist[0].Ref.Name != "Artist A, Artist B - Track 2" {
		t.Errorf("history = %+v, want mem:2 first named \"Artist A, Artist B - Track 2\"", hist)
	}
}

func TestConsumeRemovesPlayed(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2", "3")
	e.core.Tracklist().SetConsume(e.ctx, true)
	e.expect("options_changed")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.player.Finish()
	e.expect("track_playback_ended", "playback_state_changed", "track_playback_started", "tracklist_changed")
	if got := e.tlids(); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("tracklist = %v, want [2 3]", got)
	}
	e.core.Playback().Next(e.ctx)
	e.expect("track_playback_ended", "playback_state_changed", "track_playback_started", "tracklist_changed")
	if got := e.tlids(); !slices.Equal(got, []int{3}) {
		t.Errorf("tracklist = %v, want [3]", got)
	}
	e.player.Finish()
	e.expect("playback_state_changed", "track_playback_ended", "tracklist_changed")
	if got := e.tlids(); len(got) != 0 {
		t.Errorf("tracklist = %v, want empty", got)
	}
}

func TestSingleStopsAfterTrack(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	e.core.Tracklist().SetSingle(e.ctx, true)
	e.expect("options_changed")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.player.Finish()
	e.expect("playback_state_changed", "track_playback_ended")
	if e.state() != Stopped {
		t.Errorf("state = %s, want stopped", e.state())
	}
}

func TestSingleRepeatLoopsTrack(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	e.core.Tracklist().SetSingle(e.ctx, true)
	e.core.Tracklist().SetRepeat(e.ctx, true)
	e.expect("options_changed", "options_changed")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.player.Finish()
	evs := e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")
	if got := evs[2].(events.TrackPlaybackStarted).TlTrack.TLID; got != 1 {
		t.Errorf("started tlid = %d, want 1 again", got)
	}
}

func TestRepeatWrapsAround(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	e.core.Tracklist().SetRepeat(e.ctx, true)
	e.expect("options_changed")
	e.play(intp(2))
	e.expect("playback_state_changed", "track_playback_started")
	e.player.Finish()
	evs := e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")
	if got := evs[2].(events.TrackPlaybackStarted).TlTrack.TLID; got != 1 {
		t.Errorf("started tlid = %d, want 1", got)
	}
}

func TestRandomPlaysEachOnce(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		// reverse order, so that random differs from list order
		o.Shuffle = func(n int, swap func(i, j int)) {
			for i := 0; i < n/2; i++ {
				swap(i, n-1-i)
			}
		}
	})
	e.add("1", "2", "3")
	e.core.Tracklist().SetRandom(e.ctx, true)
	e.expect("options_changed")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	var order []int
	order = append(order, e.currentTLID())
	for range 2 {
		e.player.Finish()
		e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")
		order = append(order, e.currentTLID())
	}
	if !slices.Equal(order, []int{3, 2, 1}) {
		t.Errorf("random order = %v, want [3 2 1]", order)
	}
	e.player.Finish()
	e.expect("playback_state_changed", "track_playback_ended")
}

func TestUnresolvableTrackSkipped(t *testing.T) {
	e := newEnv(t)
	e.add("unresolvable1", "2")
	e.play(nil)
	evs := e.expect("playback_state_changed", "track_playback_started")
	if got := evs[1].(events.TrackPlaybackStarted).TlTrack.TLID; got != 2 {
		t.Errorf("started tlid = %d, want 2", got)
	}
}

func TestCorruptTrackSkippedAfterPlayerError(t *testing.T) {
	e := newEnv(t)
	e.add("corrupt1", "2")
	e.play(nil)
	// core announces the track, then the player reports it cannot open it
	e.expect("playback_state_changed", "track_playback_started")
	evs := e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")
	if got := evs[2].(events.TrackPlaybackStarted).TlTrack.TLID; got != 2 {
		t.Errorf("started tlid = %d, want 2", got)
	}
}

func TestCorruptNextTrackSkippedGapless(t *testing.T) {
	e := newEnv(t)
	e.add("1", "corrupt2", "3")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.player.Finish()
	evs := e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")
	if got := evs[2].(events.TrackPlaybackStarted).TlTrack.TLID; got != 3 {
		t.Errorf("started tlid = %d, want 3", got)
	}
}

func TestNoPlayableTrackGivesUp(t *testing.T) {
	e := newEnv(t)
	e.add("unresolvable1", "unresolvable2")
	e.core.Tracklist().SetRepeat(e.ctx, true)
	e.expect("options_changed")
	e.play(nil)
	e.quiet()
	if e.state() != Stopped {
		t.Errorf("state = %s, want stopped", e.state())
	}
	resolves := 0
	for _, c := range e.player.Calls() {
		if c.Method == "Play" {
			resolves++
		}
	}
	if resolves != 0 {
		t.Errorf("player.Play called %d times, want 0", resolves)
	}
}

func TestSeek(t *testing.T) {
	e := newEnv(t)
	ok, err := e.core.Playback().Seek(e.ctx, 1000)
	if ok || err != nil {
		t.Errorf("seek on empty tracklist = %v, %v; want false", ok, err)
	}
	e.add("1", "2")
	// stopped: starts playing first
	ok, _ = e.core.Playback().Seek(e.ctx, 4000)
	if !ok {
		t.Fatal("seek while stopped = false")
	}
	evs := e.expect("playback_state_changed", "track_playback_started", "seeked")
	if got := evs[2].(events.Seeked).TimePosition; got != 4000 {
		t.Errorf("seeked to %d, want 4000", got)
	}
	if pos, _ := e.core.Playback().GetTimePosition(e.ctx); pos != 4000 {
		t.Errorf("position = %d, want 4000", pos)
	}
	// negative: 0
	e.core.Playback().Seek(e.ctx, -5)
	evs = e.expect("seeked")
	if got := evs[0].(events.Seeked).TimePosition; got != 0 {
		t.Errorf("seeked to %d, want 0", got)
	}
	// past the end: next track
	e.core.Playback().Seek(e.ctx, 999999)
	e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")
	if e.currentTLID() != 2 {
		t.Errorf("current = %d, want 2", e.currentTLID())
	}
}

func TestRemoveCurrentStops(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.core.Tracklist().Remove(e.ctx, Criteria{TLID: []int{1}})
	e.expect("tracklist_changed", "playback_state_changed", "track_playback_ended")
	if e.player.State() != "stopped" {
		t.Errorf("player = %s, want stopped", e.player.State())
	}
}

func TestAddNearEndRequeues(t *testing.T) {
	e := newEnv(t)
	e.add("1")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.player.Advance(8500 * 1e6) // past AboutToFinish
	waitFor(t, func() bool {
		return len(e.player.Calls()) > 0 && e.player.Calls()[len(e.player.Calls())-1].Method == "SetNext"
	})
	e.add("2")
	if got := e.player.Queued(); got != "mem:2" {
		t.Errorf("queued = %q, want mem:2", got)
	}
	e.player.Finish()
	e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")
}

func TestStreamTitle(t *testing.T) {
	e := newEnv(t)
	e.add("live1")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.player.AnnounceTitle("Track live1") // equal to the name: ignored
	e.player.AnnounceTitle("Now: Song")
	evs := e.expect("stream_title_changed")
	if got := evs[0].(events.StreamTitleChanged).Title; got != "Now: Song" {
		t.Errorf("title = %q", got)
	}
	title, _ := e.core.Playback().GetStreamTitle(e.ctx)
	if title == nil || *title != "Now: Song" {
		t.Errorf("get_stream_title = %v", title)
	}
}

func TestMixer(t *testing.T) {
	e := newEnv(t)
	ok, err := e.core.Mixer().SetVolume(e.ctx, 40)
	if !ok || err != nil {
		t.Fatalf("set_volume = %v, %v", ok, err)
	}
	evs := e.expect("volume_changed")
	if evs[0].(events.VolumeChanged).Volume != 40 {
		t.Errorf("event = %+v", evs[0])
	}
	e.core.Mixer().SetVolume(e.ctx, 40)
	e.core.Mixer().SetMute(e.ctx, true)
	e.expect("mute_changed")
	if v, m := e.player.Volume(); v != 40 || !m {
		t.Errorf("player volume %d mute %v, want 40 true", v, m)
	}
	if _, err := e.core.Mixer().SetVolume(e.ctx, 101); !errors.Is(err, ErrInvalid) {
		t.Errorf("set_volume(101) error = %v, want ErrInvalid", err)
	}
	e.quiet()
}

func TestMixerNone(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.NoMixer = true })
	if v, _ := e.core.Mixer().GetVolume(e.ctx); v != nil {
		t.Errorf("get_volume = %v, want nil", *v)
	}
	if m, _ := e.core.Mixer().GetMute(e.ctx); m != nil {
		t.Errorf("get_mute = %v, want nil", *m)
	}
	if ok, _ := e.core.Mixer().SetVolume(e.ctx, 10); ok {
		t.Error("set_volume = true, want false")
	}
	if ok, _ := e.core.Mixer().SetMute(e.ctx, true); ok {
		t.Error("set_mute = true, want false")
	}
}

func TestCoreNeverBlocksOnSubscriber(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.EventQueue = 8 })
	stuck, err := e.core.Events().Subscribe(e.ctx) // never read
	if err != nil {
		t.Fatal(err)
	}
	e.add("1", "2")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 500 {
			e.core.Mixer().SetVolume(e.ctx, i%100)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("core blocked on a subscriber that never reads")
	}
	if !stuck.Dropped() {
		t.Error("subscriber that never reads was not dropped")
	}
}

func TestStaleEndOfStreamIgnored(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	e.play(intp(2))
	e.expect("playback_state_changed", "track_playback_started")
	e.core.mu.Lock()
	e.core.handlePlayerEvent(audio.Event{Type: audio.EventEndOfStream, URI: "mem:1"})
	e.core.mu.Unlock()
	if e.state() != Playing || e.currentTLID() != 2 {
		t.Errorf("state %s current %d after a stale end of stream, want playing 2", e.state(), e.currentTLID())
	}
}

func TestRealClockPlaysQueue(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Player.Close()
		o.Player = audiotest.New(audiotest.Options{
			TrackLength:   func(string) time.Duration { return 150 * time.Millisecond },
			AboutToFinish: 50 * time.Millisecond,
		})
	})
	defer e.core.opts.Player.Close()
	e.add("1", "2", "3")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	for range 2 {
		e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")
	}
	e.expect("playback_state_changed", "track_playback_ended")
	if n, _ := e.core.History().GetLength(e.ctx); n != 3 {
		t.Errorf("history length = %d, want 3", n)
	}
}
