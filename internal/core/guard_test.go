package core

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/models"
)

// calls invokes every method of the table once through api.
func calls(ctx context.Context) map[string]func(API) error {
	tl := &models.TlTrack{TLID: 1}
	s := "mem"
	return map[string]func(API) error{
		"core.get_uri_schemes": func(a API) error { _, err := a.GetURISchemes(ctx); return err },
		"core.get_version":     func(a API) error { _, err := a.GetVersion(ctx); return err },

		"core.history.get_history": func(a API) error { _, err := a.History().GetHistory(ctx); return err },
		"core.history.get_length":  func(a API) error { _, err := a.History().GetLength(ctx); return err },

		"core.library.browse":       func(a API) error { _, err := a.Library().Browse(ctx, nil); return err },
		"core.library.get_distinct": func(a API) error { _, err := a.Library().GetDistinct(ctx, "genre", nil); return err },
		"core.library.get_images":   func(a API) error { _, err := a.Library().GetImages(ctx, []string{"mem:1"}); return err },
		"core.library.lookup":       func(a API) error { _, err := a.Library().Lookup(ctx, []string{"mem:1"}); return err },
		"core.library.refresh":      func(a API) error { return a.Library().Refresh(ctx, nil) },
		"core.library.search": func(a API) error {
			_, err := a.Library().Search(ctx, models.Query{"any": {"x"}}, nil, false)
			return err
		},

		"core.mixer.get_mute":   func(a API) error { _, err := a.Mixer().GetMute(ctx); return err },
		"core.mixer.get_volume": func(a API) error { _, err := a.Mixer().GetVolume(ctx); return err },
		"core.mixer.set_mute":   func(a API) error { _, err := a.Mixer().SetMute(ctx, true); return err },
		"core.mixer.set_volume": func(a API) error { _, err := a.Mixer().SetVolume(ctx, 50); return err },

		"core.playback.get_current_tl_track": func(a API) error { _, err := a.Playback().GetCurrentTlTrack(ctx); return err },
		"core.playback.get_current_tlid":     func(a API) error { _, err := a.Playback().GetCurrentTlid(ctx); return err },
		"core.playback.get_current_track":    func(a API) error { _, err := a.Playback().GetCurrentTrack(ctx); return err },
		"core.playback.get_state":            func(a API) error { _, err := a.Playback().GetState(ctx); return err },
		"core.playback.get_stream_title":     func(a API) error { _, err := a.Playback().GetStreamTitle(ctx); return err },
		"core.playback.get_time_position":    func(a API) error { _, err := a.Playback().GetTimePosition(ctx); return err },
		"core.playback.next":                 func(a API) error { return a.Playback().Next(ctx) },
		"core.playback.pause":                func(a API) error { return a.Playback().Pause(ctx) },
		"core.playback.play":                 func(a API) error { return a.Playback().Play(ctx, nil, nil) },
		"core.playback.previous":             func(a API) error { return a.Playback().Previous(ctx) },
		"core.playback.resume":               func(a API) error { return a.Playback().Resume(ctx) },
		"core.playback.seek":                 func(a API) error { _, err := a.Playback().Seek(ctx, 0); return err },
		"core.playback.set_state":            func(a API) error { return a.Playback().SetState(ctx, Stopped) },
		"core.playback.stop":                 func(a API) error { return a.Playback().Stop(ctx) },
		"core.playback.get_status":           func(a API) error { _, err := a.Playback().GetStatus(ctx); return err },
		"core.playback.clear_error":          func(a API) error { return a.Playback().ClearError(ctx) },

		"core.playlists.as_list":         func(a API) error { _, err := a.Playlists().AsList(ctx); return err },
		"core.playlists.create":          func(a API) error { _, err := a.Playlists().Create(ctx, "p", &s); return err },
		"core.playlists.delete":          func(a API) error { _, err := a.Playlists().Delete(ctx, "mem:playlist:p"); return err },
		"core.playlists.get_items":       func(a API) error { _, err := a.Playlists().GetItems(ctx, "mem:playlist:p"); return err },
		"core.playlists.get_uri_schemes": func(a API) error { _, err := a.Playlists().GetURISchemes(ctx); return err },
		"core.playlists.lookup":          func(a API) error { _, err := a.Playlists().Lookup(ctx, "mem:playlist:p"); return err },
		"core.playlists.refresh":         func(a API) error { return a.Playlists().Refresh(ctx, nil) },
		"core.playlists.save": func(a API) error {
			_, err := a.Playlists().Save(ctx, models.Playlist{URI: "mem:playlist:p"})
			return err
		},

		"core.tracklist.add": func(a API) error {
			_, err := a.Tracklist().Add(ctx, nil, nil, []string{"mem:1"})
			return err
		},
		"core.tracklist.clear":             func(a API) error { return a.Tracklist().Clear(ctx) },
		"core.tracklist.eot_track":         func(a API) error { _, err := a.Tracklist().EotTrack(ctx, tl); return err },
		"core.tracklist.filter":            func(a API) error { _, err := a.Tracklist().Filter(ctx, Criteria{}); return err },
		"core.tracklist.get_consume":       func(a API) error { _, err := a.Tracklist().GetConsume(ctx); return err },
		"core.tracklist.get_eot_tlid":      func(a API) error { _, err := a.Tracklist().GetEotTlid(ctx); return err },
		"core.tracklist.get_length":        func(a API) error { _, err := a.Tracklist().GetLength(ctx); return err },
		"core.tracklist.get_next_tlid":     func(a API) error { _, err := a.Tracklist().GetNextTlid(ctx); return err },
		"core.tracklist.get_previous_tlid": func(a API) error { _, err := a.Tracklist().GetPreviousTlid(ctx); return err },
		"core.tracklist.get_random":        func(a API) error { _, err := a.Tracklist().GetRandom(ctx); return err },
		"core.tracklist.get_repeat":        func(a API) error { _, err := a.Tracklist().GetRepeat(ctx); return err },
		"core.tracklist.get_single":        func(a API) error { _, err := a.Tracklist().GetSingle(ctx); return err },
		"core.tracklist.get_tl_tracks":     func(a API) error { _, err := a.Tracklist().GetTlTracks(ctx); return err },
		"core.tracklist.get_tracks":        func(a API) error { _, err := a.Tracklist().GetTracks(ctx); return err },
		"core.tracklist.get_version":       func(a API) error { _, err := a.Tracklist().GetVersion(ctx); return err },
		"core.tracklist.get_changes":       func(a API) error { _, err := a.Tracklist().GetChanges(ctx, 0); return err },
		"core.tracklist.get_priorities":    func(a API) error { _, err := a.Tracklist().GetPriorities(ctx); return err },
		"core.tracklist.set_priority":      func(a API) error { return a.Tracklist().SetPriority(ctx, []int{1}, 5) },
		"core.tracklist.index":             func(a API) error { _, err := a.Tracklist().Index(ctx, nil, nil); return err },
		"core.tracklist.move":              func(a API) error { return a.Tracklist().Move(ctx, 0, 1, 0) },
		"core.tracklist.next_track":        func(a API) error { _, err := a.Tracklist().NextTrack(ctx, tl); return err },
		"core.tracklist.previous_track":    func(a API) error { _, err := a.Tracklist().PreviousTrack(ctx, tl); return err },
		"core.tracklist.remove":            func(a API) error { _, err := a.Tracklist().Remove(ctx, Criteria{URI: []string{"x"}}); return err },
		"core.tracklist.set_consume":       func(a API) error { return a.Tracklist().SetConsume(ctx, false) },
		"core.tracklist.set_random":        func(a API) error { return a.Tracklist().SetRandom(ctx, false) },
		"core.tracklist.set_repeat":        func(a API) error { return a.Tracklist().SetRepeat(ctx, false) },
		"core.tracklist.set_single":        func(a API) error { return a.Tracklist().SetSingle(ctx, false) },
		"core.tracklist.shuffle":           func(a API) error { return a.Tracklist().Shuffle(ctx, nil, nil) },
		"core.tracklist.slice":             func(a API) error { _, err := a.Tracklist().Slice(ctx, 0, 1); return err },
	}
}

func TestMethodTableMatchesMopidy(t *testing.T) {
	var mopidy int
	seen := map[string]bool{}
	for _, m := range Methods() {
		if seen[m.Name] {
			t.Errorf("method %s listed twice", m.Name)
		}
		seen[m.Name] = true
		if !m.Tonearm {
			mopidy++
		}
		if m.Description == "" {
			t.Errorf("method %s has no description", m.Name)
		}
		if _, err := scope.Parse(string(m.Scope)); err != nil {
			t.Errorf("method %s: %v", m.Name, err)
		}
	}
	// Mopidy 3.4.1's core.describe lists 62 methods.
	if mopidy != 62 {
		t.Errorf("%d Mopidy methods in the table, want 62", mopidy)
	}
	invoke := calls(context.Background())
	for name := range invoke {
		if !seen[name] {
			t.Errorf("test calls %s, which the table lacks", name)
		}
	}
	for name := range seen {
		if invoke[name] == nil {
			t.Errorf("table method %s has no test call", name)
		}
	}
}

// TestGuardEveryScopeAndMethod calls every method as a principal holding
// only one scope, for every scope: the call is denied with a
// PermissionError exactly when the scope differs from the method's.
func TestGuardEveryScopeAndMethod(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	invoke := calls(e.ctx)
	for _, sc := range scope.All() {
		p := scope.Principal{Kind: scope.KindToken, ID: "t1", Scopes: scope.NewSet(sc)}
		api := Guard(e.core, p)
		for _, m := range Methods() {
			err := invoke[m.Name](api)
			var perm *PermissionError
			denied := errors.As(err, &perm)
			if allowed := m.Scope == sc; allowed == denied {
				t.Errorf("scope %s, %s: err = %v, want allowed=%v", sc, m.Name, err, allowed)
				continue
			}
			if denied {
				if !errors.Is(err, ErrPermission) || perm.Method != m.Name || perm.Scope != m.Scope {
					t.Errorf("scope %s, %s: error %+v does not name method and scope", sc, m.Name, perm)
				}
			}
		}
	}
}

func TestGuardOnDenied(t *testing.T) {
	e := newEnv(t)
	var denied []string
	api := NewGuard(e.core, scope.Principal{Kind: scope.KindMPD, ID: "conn7"},
		GuardOptions{OnDenied: func(err *PermissionError) { denied = append(denied, err.Error()) }})
	if err := api.Playback().Play(e.ctx, nil, nil); !errors.Is(err, ErrPermission) {
		t.Fatalf("error = %v, want ErrPermission", err)
	}
	want := []string{"core.playback.play: permission denied: mpd:conn7 lacks scope playback:control"}
	if !slices.Equal(denied, want) {
		t.Errorf("denied = %q, want %q", denied, want)
	}
}

func TestGuardMPDPermissions(t *testing.T) {
	e := newEnv(t)
	e.add("1")
	cases := []struct {
		perms   string
		method  string
		allowed bool
	}{
		{"read", "core.tracklist.get_tl_tracks", true},
		{"read", "core.library.search", true},
		{"read", "core.tracklist.add", false},
		{"read,add", "core.tracklist.add", true},
		{"read,add", "core.playback.play", false},
		{"player", "core.playback.play", true},
		{"player", "core.tracklist.clear", true},
		{"player", "core.playlists.save", false},
		{"control", "core.playback.play", true},
		{"control", "core.playlists.delete", true},
		{"control", "core.library.refresh", true},
		{"control", "core.tracklist.add", false},
		{"admin", "core.playback.get_state", false},
	}
	invoke := calls(e.ctx)
	for _, tc := range cases {
		set, err := scope.FromMPD(tc.perms)
		if err != nil {
			t.Fatal(err)
		}
		api := Guard(e.core, scope.Principal{Kind: scope.KindMPD, ID: "c", Scopes: set})
		err = invoke[tc.method](api)
		if got := !errors.Is(err, ErrPermission); got != tc.allowed {
			t.Errorf("%s calling %s: err = %v, want allowed=%v", tc.perms, tc.method, err, tc.allowed)
		}
	}
}

func TestGuardEventsFilteredByPrincipal(t *testing.T) {
	e := newEnv(t)
	reader := Guard(e.core, scope.Principal{Kind: scope.KindToken, ID: "lib", Scopes: scope.NewSet(scope.LibraryRead)})
	sub, err := reader.Events().Subscribe(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	e.core.Mixer().SetVolume(e.ctx, 10)
	e.core.Playlists().Refresh(e.ctx, nil)
	got := <-sub.Events()
	if got.Name() != "playlists_loaded" {
		t.Errorf("first event = %s, want playlists_loaded (volume_changed needs playback:read)", got.Name())
	}

	ext := Guard(e.core, scope.Principal{Kind: scope.KindExtension, ID: "scrobbler",
		Scopes: scope.NewSet(scope.EventsExt)})
	extSub, _ := ext.Events().Subscribe(e.ctx)
	defer extSub.Close()
	if err := ext.Events().Publish(e.ctx, "volume_changed", []byte(`{"volume":1}`)); err != nil {
		t.Fatal(err)
	}
	if got := <-extSub.Events(); got.Name() != "ext.scrobbler.volume_changed" {
		t.Errorf("published event = %s, want it namespaced", got.Name())
	}
	if err := reader.Events().Publish(e.ctx, "x", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("publish by a token = %v, want ErrInvalid", err)
	}
}
