package scope

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, s := range All() {
		if _, err := Parse(string(s)); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
	good := []string{"events:ext.scrobbler", "events:ext.a1-b_c"}
	bad := []string{"", "library", "library:write", "events:ext.", "events:ext.A", "events:ext.a.b", "admin "}
	for _, s := range good {
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
	for _, s := range bad {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func TestFromMPD(t *testing.T) {
	cases := []struct {
		perms string
		want  []Scope
	}{
		{"", nil},
		{"read", []Scope{LibraryRead, PlaybackRead}},
		{"add", []Scope{TracklistAdd}},
		{"player", []Scope{PlaybackControl, TracklistWrite}},
		{"control", []Scope{PlaybackControl, TracklistWrite, PlaylistsWrite, LibraryUpdate}},
		{"admin", []Scope{Admin}},
		{"read, add,control", []Scope{LibraryRead, PlaybackRead, TracklistAdd,
			PlaybackControl, TracklistWrite, PlaylistsWrite, LibraryUpdate}},
	}
	for _, tc := range cases {
		got, err := FromMPD(tc.perms)
		if err != nil {
			t.Fatalf("FromMPD(%q): %v", tc.perms, err)
		}
		if want := NewSet(tc.want...); !slices.Equal(got.List(), want.List()) {
			t.Errorf("FromMPD(%q) = %v, want %v", tc.perms, got, want)
		}
	}
	if _, err := FromMPD("read,everything"); err == nil {
		t.Error("unknown permission accepted")
	}
}

func TestSet(t *testing.T) {
	s := NewSet(PlaybackRead, LibraryRead, PlaybackRead)
	if len(s.List()) != 2 || !s.Has(PlaybackRead) || s.Has(Admin) {
		t.Errorf("set = %v", s)
	}
	if (Set{}).Has(LibraryRead) {
		t.Error("zero set has a scope")
	}
	if got := s.Union(NewSet(Admin)).String(); got != "admin library:read playback:read" {
		t.Errorf("union = %q", got)
	}
	l := s.List()
	l[0] = Admin
	if s.Has(Admin) {
		t.Error("List exposes the set's storage")
	}
}

func FuzzParseSet(f *testing.F) {
	f.Add("library:read,events:ext.x")
	f.Add("read,add,control")
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseSet(strings.Split(s, ","))
		if err == nil {
			for _, sc := range set.List() {
				if _, err := Parse(string(sc)); err != nil {
					t.Fatalf("ParseSet accepted %q, which Parse rejects", sc)
				}
			}
		}
		if got, err := FromMPD(s); err == nil && len(got.List()) > 8 {
			t.Fatalf("FromMPD(%q) granted %d scopes, more than the 8 MPD permissions map to", s, len(got.List()))
		}
	})
}
