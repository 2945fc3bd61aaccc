// Package scope names the rights a caller of core holds and the principals
// that hold them. Every core method needs one scope, and the event bus
// delivers an event only to a subscriber whose scopes cover its area.
package scope

import (
	"fmt"
	"slices"
	"strings"
)

// Scope is one right, written "area:action".
type Scope string

// The scope vocabulary.
const (
	// LibraryRead covers library browse, search and lookup, stored
	// playlists as_list, get_items and lookup, history, and the root
	// get_version and get_uri_schemes.
	LibraryRead Scope = "library:read"
	// PlaybackRead covers the playback, tracklist and mixer getters.
	PlaybackRead Scope = "playback:read"
	// TracklistAdd covers tracklist.add.
	TracklistAdd Scope = "tracklist:add"
	// PlaybackControl covers play, pause, resume, stop, next, previous,
	// seek, the mixer setters and the tracklist option setters.
	PlaybackControl Scope = "playback:control"
	// TracklistWrite covers tracklist remove, clear, move and shuffle.
	TracklistWrite Scope = "tracklist:write"
	// PlaylistsWrite covers stored playlists create, save, delete and
	// refresh.
	PlaylistsWrite Scope = "playlists:write"
	// LibraryUpdate covers library.refresh (MPD update and rescan).
	LibraryUpdate Scope = "library:update"
	// Admin covers outputs, accounts, tokens, extensions and config. It
	// does not imply the other scopes.
	Admin Scope = "admin"
)

// Event scopes grant events of one area without the matching read scope.
// A subscriber receives an event when it holds the area's read scope or
// its event scope.
const (
	EventsPlayback  Scope = "events:playback"
	EventsTracklist Scope = "events:tracklist"
	EventsOptions   Scope = "events:options"
	EventsMixer     Scope = "events:mixer"
	EventsPlaylists Scope = "events:playlists"
	EventsLibrary   Scope = "events:library"
	// EventsExt grants the events every extension publishes. A scope
	// "events:ext.<name>" grants those of one extension.
	EventsExt Scope = "events:ext"
	// EventsAll grants every event, core and extension.
	EventsAll Scope = "events:*"
)

// maxNameLength bounds an extension name inside a scope or event name.
const maxNameLength = 64

// All returns every fixed scope of the vocabulary, without the
// per-extension event scopes.
func All() []Scope {
	return []Scope{
		LibraryRead, PlaybackRead, TracklistAdd, PlaybackControl,
		TracklistWrite, PlaylistsWrite, LibraryUpdate, Admin,
		EventsPlayback, EventsTracklist, EventsOptions, EventsMixer,
		EventsPlaylists, EventsLibrary, EventsExt, EventsAll,
	}
}

// Parse checks that s is a scope of the vocabulary or an
// "events:ext.<name>" scope and returns it.
func Parse(s string) (Scope, error) {
	if slices.Contains(All(), Scope(s)) {
		return Scope(s), nil
	}
	if name, ok := strings.CutPrefix(s, string(EventsExt)+"."); ok {
		if err := ValidName(name); err != nil {
			return "", fmt.Errorf("invalid scope %q: %w", s, err)
		}
		return Scope(s), nil
	}
	return "", fmt.Errorf("unknown scope %q: use one of %v or events:ext.<name>", s, All())
}

// ValidName checks an extension name used in a scope or an event
// namespace: 1 to 64 characters of a-z, 0-9, '_' and '-', starting with a
// letter.
func ValidName(name string) error {
	if name == "" || len(name) > maxNameLength {
		return fmt.Errorf("name %q must have 1 to %d characters", name, maxNameLength)
	}
	for i, r := range name {
		letter := r >= 'a' && r <= 'z'
		if letter || (i > 0 && (r >= '0' && r <= '9' || r == '_' || r == '-')) {
			continue
		}
		return fmt.Errorf("name %q: use a-z, 0-9, '_' and '-', starting with a letter", name)
	}
	return nil
}

// Set is an immutable set of scopes. The zero value is empty.
type Set struct {
	list []Scope
}

// NewSet returns a set of the given scopes; duplicates are removed.
func NewSet(scopes ...Scope) Set {
	list := slices.Clone(scopes)
	slices.Sort(list)
	return Set{list: slices.Compact(list)}
}

// ParseSet parses scope names as Parse does.
func ParseSet(names []string) (Set, error) {
	scopes := make([]Scope, 0, len(names))
	for _, n := range names {
		s, err := Parse(strings.TrimSpace(n))
		if err != nil {
			return Set{}, err
		}
		scopes = append(scopes, s)
	}
	return NewSet(scopes...), nil
}

// Has reports whether s is in the set.
func (s Set) Has(sc Scope) bool {
	_, found := slices.BinarySearch(s.list, sc)
	return found
}

// List returns the scopes in sorted order.
func (s Set) List() []Scope { return slices.Clone(s.list) }

// Union returns a set with the scopes of both sets.
func (s Set) Union(o Set) Set { return NewSet(append(s.List(), o.list...)...) }

// String returns the scopes separated by spaces, as OAuth writes them.
func (s Set) String() string {
	names := make([]string, len(s.list))
	for i, sc := range s.list {
		names[i] = string(sc)
	}
	return strings.Join(names, " ")
}
