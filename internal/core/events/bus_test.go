package events

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/models"
)

func principal(scopes ...scope.Scope) scope.Principal {
	return scope.Principal{Kind: scope.KindSession, ID: "s1", Scopes: scope.NewSet(scopes...)}
}

func TestBusDropsSlowSubscriber(t *testing.T) {
	bus := NewBus(Options{QueueSize: 4})
	slow := bus.Subscribe(principal(scope.PlaybackRead))
	fast := bus.Subscribe(principal(scope.PlaybackRead))
	var received int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range fast.Events() {
			received++
		}
	}()
	done := make(chan struct{})
	go func() {
		for i := range 1000 {
			bus.Publish(VolumeChanged{Volume: i % 101})
			if i%3 == 0 {
				time.Sleep(10 * time.Microsecond) // let the fast reader keep up
			}
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked on a subscriber that never reads")
	}
	if !slow.Dropped() {
		t.Error("slow subscriber not dropped")
	}
	n := 0
	for range slow.Events() { // the channel must be closed after its 4 events
		n++
	}
	if n != 4 {
		t.Errorf("slow subscriber got %d events before the drop, want 4", n)
	}
	if bus.Len() > 1 {
		t.Errorf("bus has %d subscribers, want at most 1", bus.Len())
	}
	fast.Close()
	wg.Wait()
	if received == 0 {
		t.Error("fast subscriber received nothing")
	}
}

func TestBusCloseTwice(t *testing.T) {
	bus := NewBus(Options{})
	s := bus.Subscribe(principal(scope.PlaybackRead))
	s.Close()
	s.Close()
	bus.Publish(VolumeChanged{Volume: 1})
	if _, ok := <-s.Events(); ok {
		t.Error("closed subscription received an event")
	}
}

func TestBusScopeFilter(t *testing.T) {
	all := []Event{
		TrackPlaybackStarted{}, TrackPlaybackPaused{}, TrackPlaybackResumed{},
		TrackPlaybackEnded{}, PlaybackStateChanged{}, Seeked{}, TracklistChanged{},
		StreamTitleChanged{}, OptionsChanged{}, VolumeChanged{}, MuteChanged{},
		PlaylistsLoaded{}, PlaylistChanged{}, PlaylistDeleted{},
		UpdateStarted{}, UpdateFinished{}, LibraryUpdated{},
		Ext{Extension: "scrobbler", Event: "scrobbled", Payload: json.RawMessage(`{}`)},
	}
	playbackArea := map[string]bool{
		"track_playback_started": true, "track_playback_paused": true,
		"track_playback_resumed": true, "track_playback_ended": true,
		"playback_state_changed": true, "seeked": true, "tracklist_changed": true,
		"stream_title_changed": true, "options_changed": true,
		"volume_changed": true, "mute_changed": true,
	}
	libraryArea := map[string]bool{
		"playlists_loaded": true, "playlist_changed": true, "playlist_deleted": true,
		NameUpdateStarted: true, NameUpdateFinished: true, NameLibraryUpdated: true,
	}
	cases := []struct {
		scopes []scope.Scope
		want   func(name string) bool
	}{
		{nil, func(string) bool { return false }},
		{[]scope.Scope{scope.PlaybackRead}, func(n string) bool { return playbackArea[n] }},
		{[]scope.Scope{scope.LibraryRead}, func(n string) bool { return libraryArea[n] }},
		{[]scope.Scope{scope.PlaybackControl, scope.TracklistAdd, scope.Admin}, func(string) bool { return false }},
		{[]scope.Scope{scope.EventsMixer}, func(n string) bool { return n == "volume_changed" || n == "mute_changed" }},
		{[]scope.Scope{scope.EventsTracklist}, func(n string) bool { return n == "tracklist_changed" }},
		{[]scope.Scope{scope.EventsExt}, func(n string) bool { return n == "ext.scrobbler.scrobbled" }},
		{[]scope.Scope{"events:ext.scrobbler"}, func(n string) bool { return n == "ext.scrobbler.scrobbled" }},
		{[]scope.Scope{"events:ext.other"}, func(string) bool { return false }},
		{[]scope.Scope{scope.EventsAll}, func(string) bool { return true }},
	}
	for _, tc := range cases {
		bus := NewBus(Options{QueueSize: 64})
		sub := bus.Subscribe(principal(tc.scopes...))
		for _, e := range all {
			bus.Publish(e)
		}
		sub.Close()
		got := map[string]bool{}
		for e := range sub.Events() {
			got[e.Name()] = true
		}
		for _, e := range all {
			if got[e.Name()] != tc.want(e.Name()) {
				t.Errorf("scopes %v, event %s: delivered = %v", tc.scopes, e.Name(), got[e.Name()])
			}
		}
	}
}

func TestMarshalMopidyForm(t *testing.T) {
	tl := models.TlTrack{TLID: 1, Track: &models.Track{URI: "file:///a.wav", Name: "a.wav", Length: 5000}}
	cases := []struct {
		event Event
		want  string
	}{
		{TrackPlaybackStarted{TlTrack: tl},
			`{"tl_track":{"__model__":"TlTrack","tlid":1,"track":{"__model__":"Track","uri":"file:///a.wav","name":"a.wav","length":5000}},"event":"track_playback_started"}`},
		{TrackPlaybackPaused{TlTrack: models.TlTrack{TLID: 2}, TimePosition: 0},
			`{"tl_track":{"__model__":"TlTrack","tlid":2},"time_position":0,"event":"track_playback_paused"}`},
		{PlaybackStateChanged{OldState: "stopped", NewState: "playing"},
			`{"old_state":"stopped","new_state":"playing","event":"playback_state_changed"}`},
		{Seeked{TimePosition: 1500}, `{"time_position":1500,"event":"seeked"}`},
		{TracklistChanged{}, `{"event":"tracklist_changed"}`},
		{OptionsChanged{}, `{"event":"options_changed"}`},
		{VolumeChanged{Volume: 0}, `{"volume":0,"event":"volume_changed"}`},
		{MuteChanged{Mute: false}, `{"mute":false,"event":"mute_changed"}`},
		{StreamTitleChanged{Title: "x"}, `{"title":"x","event":"stream_title_changed"}`},
		{PlaylistDeleted{URI: "m3u:a.m3u"}, `{"uri":"m3u:a.m3u","event":"playlist_deleted"}`},
		{PlaylistChanged{Playlist: models.Playlist{URI: "m3u:a.m3u", Name: "a"}},
			`{"playlist":{"__model__":"Playlist","uri":"m3u:a.m3u","name":"a"},"event":"playlist_changed"}`},
		{PlaylistsLoaded{}, `{"event":"playlists_loaded"}`},
		{LibraryUpdated{}, `{"event":"tonearm.library_updated"}`},
		{Ext{Extension: "x", Event: "y", Payload: json.RawMessage(`{"a":1}`)}, `{"a":1,"event":"ext.x.y"}`},
	}
	for _, tc := range cases {
		got, err := Marshal(tc.event)
		if err != nil {
			t.Fatalf("%s: %v", tc.event.Name(), err)
		}
		if string(got) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.event.Name(), got, tc.want)
		}
	}
}

func TestExtCannotForge(t *testing.T) {
	ext := scope.Principal{Kind: scope.KindExtension, ID: "scrobbler"}
	cases := []struct {
		p       scope.Principal
		event   string
		payload string
		ok      bool
	}{
		{ext, "scrobbled", `{"n":1}`, true},
		{ext, "volume_changed", `{}`, true}, // lands in ext.scrobbler.volume_changed
		{ext, "other.scrobbled", `{}`, false},
		{ext, "", `{}`, false},
		{ext, "x", `[1]`, false},
		{ext, "x", `{"event":"volume_changed"}`, false},
		{ext, "x", `{bad`, false},
		{scope.Principal{Kind: scope.KindSession, ID: "s"}, "x", `{}`, false},
		{scope.Principal{Kind: scope.KindExtension, ID: "Bad.Name"}, "x", `{}`, false},
	}
	for _, tc := range cases {
		x, err := NewExt(tc.p, tc.event, json.RawMessage(tc.payload))
		if (err == nil) != tc.ok {
			t.Errorf("NewExt(%s, %q, %s) error = %v, want ok=%v", tc.p, tc.event, tc.payload, err, tc.ok)
			continue
		}
		if err == nil && x.Name() != "ext.scrobbler."+tc.event {
			t.Errorf("name = %q, want it in the ext.scrobbler namespace", x.Name())
		}
	}
	big := make([]byte, MaxExtPayload+1)
	if _, err := NewExt(ext, "x", big); err == nil {
		t.Error("oversized payload accepted")
	}
}

func FuzzNewExt(f *testing.F) {
	f.Add("scrobbled", []byte(`{"a":[1,2]}`))
	f.Add("x", []byte(`{"event":1}`))
	f.Add("a-b_c", []byte(`  {}  `))
	ext := scope.Principal{Kind: scope.KindExtension, ID: "fuzz"}
	f.Fuzz(func(t *testing.T, event string, payload []byte) {
		x, err := NewExt(ext, event, payload)
		if err != nil {
			return
		}
		out, err := Marshal(x)
		if err != nil {
			t.Fatalf("accepted event does not marshal: %v", err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("marshalled event is not an object: %s", out)
		}
		var name string
		json.Unmarshal(m["event"], &name)
		if name != "ext.fuzz."+event {
			t.Fatalf("event key = %q, want ext.fuzz.%s", name, event)
		}
	})
}
