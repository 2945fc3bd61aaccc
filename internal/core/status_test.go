package core

import (
	"strings"
	"testing"
)

func TestGetStatusSnapshot(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2", "3")
	e.core.Tracklist().SetRepeat(e.ctx, true)
	e.expect("options_changed")
	e.core.Mixer().SetVolume(e.ctx, 40)
	e.expect("volume_changed")
	e.play(intp(2))
	e.expect("playback_state_changed", "track_playback_started")
	e.player.Advance(1500 * 1e6)

	s, err := e.core.Playback().GetStatus(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != Playing {
		t.Errorf("state = %s, want playing", s.State)
	}
	if s.Current.TLID != 2 || s.CurrentIndex != 1 {
		t.Errorf("current = tlid %d at %d, want tlid 2 at 1", s.Current.TLID, s.CurrentIndex)
	}
	if s.NextTLID != 3 || s.NextIndex != 2 {
		t.Errorf("next = tlid %d at %d, want tlid 3 at 2", s.NextTLID, s.NextIndex)
	}
	if s.TimePosition != 1500 {
		t.Errorf("time position = %d ms, want 1500", s.TimePosition)
	}
	if s.Volume != 40 {
		t.Errorf("volume = %d, want 40", s.Volume)
	}
	if !s.Repeat || s.Random || s.Single || s.Consume {
		t.Errorf("modes = repeat %v random %v single %v consume %v, want only repeat", s.Repeat, s.Random, s.Single, s.Consume)
	}
	if s.TracklistLength != 3 {
		t.Errorf("tracklist length = %d, want 3", s.TracklistLength)
	}
	version, _ := e.core.Tracklist().GetVersion(e.ctx)
	if s.TracklistVersion != version {
		t.Errorf("tracklist version = %d, want %d", s.TracklistVersion, version)
	}
	if s.Error != nil {
		t.Errorf("error = %+v, want none", s.Error)
	}
}

func TestGetStatusEmpty(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.NoMixer = true })
	s, err := e.core.Playback().GetStatus(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != Stopped || s.Current.TLID != 0 || s.CurrentIndex != -1 {
		t.Errorf("status = %+v, want stopped with no current track", s)
	}
	if s.NextTLID != 0 || s.NextIndex != -1 {
		t.Errorf("next = tlid %d at %d, want none", s.NextTLID, s.NextIndex)
	}
	if s.Volume != -1 {
		t.Errorf("volume = %d without a mixer, want -1", s.Volume)
	}
}

func TestStatusErrorAfterPlayerError(t *testing.T) {
	e := newEnv(t)
	e.add("corrupt1", "2")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")

	s, err := e.core.Playback().GetStatus(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Error == nil {
		t.Fatal("no error after the player failed to open mem:corrupt1")
	}
	if s.Error.URI != "mem:corrupt1" {
		t.Errorf("error uri = %q, want mem:corrupt1", s.Error.URI)
	}
	if s.Error.Message == "" {
		t.Error("error message is empty")
	}
	if s.Current.TLID != 2 {
		t.Errorf("current tlid = %d, want 2 (the skip goes on)", s.Current.TLID)
	}

	if err := e.core.Playback().ClearError(e.ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.core.Playback().GetStatus(e.ctx); s.Error != nil {
		t.Errorf("error after ClearError = %+v, want none", s.Error)
	}
}

func TestStatusErrorUnresolvable(t *testing.T) {
	e := newEnv(t)
	e.add("unresolvable1", "2")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	s, _ := e.core.Playback().GetStatus(e.ctx)
	if s.Error == nil || s.Error.URI != "mem:unresolvable1" {
		t.Fatalf("error = %+v, want one for mem:unresolvable1", s.Error)
	}
	if !strings.Contains(s.Error.Message, "unresolvable1") {
		t.Errorf("error message %q does not name the track", s.Error.Message)
	}
}

func TestStatusErrorClearedByPlay(t *testing.T) {
	e := newEnv(t)
	e.add("unresolvable1", "2", "3")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	if s, _ := e.core.Playback().GetStatus(e.ctx); s.Error == nil {
		t.Fatal("no error after skipping mem:unresolvable1")
	}
	if err := e.core.Playback().Next(e.ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.core.Playback().GetStatus(e.ctx); s.Error != nil {
		t.Errorf("error after next = %+v, want none", s.Error)
	}
}

func TestStatusErrorClearedByResume(t *testing.T) {
	e := newEnv(t)
	e.add("unresolvable1", "2")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	if s, _ := e.core.Playback().GetStatus(e.ctx); s.Error == nil {
		t.Fatal("no error after skipping mem:unresolvable1")
	}
	if err := e.core.Playback().Pause(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.core.Playback().Play(e.ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	s, _ := e.core.Playback().GetStatus(e.ctx)
	if s.State != Playing {
		t.Errorf("state after play = %s, want playing", s.State)
	}
	if s.Error != nil {
		t.Errorf("error after play resumed = %+v, want none", s.Error)
	}
}

func TestStatusErrorGaplessSkip(t *testing.T) {
	e := newEnv(t)
	e.add("1", "corrupt2", "3")
	e.play(nil)
	e.expect("playback_state_changed", "track_playback_started")
	e.player.Finish()
	e.expect("track_playback_ended", "playback_state_changed", "track_playback_started")
	s, _ := e.core.Playback().GetStatus(e.ctx)
	if s.Error == nil || s.Error.URI != "mem:corrupt2" {
		t.Errorf("error = %+v, want one for mem:corrupt2", s.Error)
	}
}
