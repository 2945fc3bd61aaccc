package core

import (
	"github.com/tonearm/tonearm/internal/core/scope"
)

// Param is a method parameter as core.describe lists it.
type Param struct {
	Name string
	// HasDefault marks an optional parameter; Default is its value (nil
	// for Python's None).
	HasDefault bool
	Default    any
}

// Method is one core method: its Mopidy name, the scope it needs, its
// parameters and a one-line description.
type Method struct {
	// Name is the JSON-RPC name, "core.<controller>.<method>".
	Name        string
	Scope       scope.Scope
	Params      []Param
	Description string
	// Deprecated marks methods Mopidy 3.4 still exposes but deprecates.
	Deprecated bool
	// Tonearm marks additions that Mopidy lacks; core.describe may list
	// them for Tonearm's own clients.
	Tonearm bool
}

func req(name string) Param { return Param{Name: name} }

func opt(name string, def any) Param { return Param{Name: name, HasDefault: true, Default: def} }

// Methods returns every core method in Mopidy 3.4's order of
// controllers, with the scope Guard checks. It is the one table of
// method names and scopes: the JSON-RPC frontend builds core.describe
// from it, and the extension host checks calls against it.
func Methods() []Method {
	const (
		lr = scope.LibraryRead
		pr = scope.PlaybackRead
		ta = scope.TracklistAdd
		pc = scope.PlaybackControl
		tw = scope.TracklistWrite
		pw = scope.PlaylistsWrite
		lu = scope.LibraryUpdate
	)
	m := func(name string, sc scope.Scope, desc string, params ...Param) Method {
		return Method{Name: name, Scope: sc, Params: params, Description: desc}
	}
	dep := func(x Method) Method { x.Deprecated = true; return x }
	ton := func(x Method) Method { x.Tonearm = true; return x }
	return []Method{
		m("core.get_uri_schemes", lr, "Return the URI schemes of every backend, sorted."),
		m("core.get_version", lr, "Return the server's version string."),

		m("core.history.get_history", lr, "Get the played tracks as [timestamp_ms, Ref] pairs, newest first."),
		m("core.history.get_length", lr, "Get the number of tracks in the history."),

		m("core.library.browse", lr, "List the refs below uri; null lists one root per browsable backend.", req("uri")),
		m("core.library.get_distinct", lr, "Return the distinct values of field among tracks matching query.", req("field"), opt("query", nil)),
		m("core.library.get_images", lr, "Return a map from each URI to its images.", req("uris")),
		m("core.library.lookup", lr, "Return a map from each URI to the tracks it stands for.", req("uris")),
		m("core.library.refresh", lu, "Rescan the library below uri, or all of it when null.", opt("uri", nil)),
		m("core.library.search", lr, "Search every backend, or those owning uris; one result per backend.", req("query"), opt("uris", nil), opt("exact", false)),

		m("core.mixer.get_mute", pr, "Get mute state; null if there is no mixer."),
		m("core.mixer.get_volume", pr, "Get the volume (0 to 100); null if there is no mixer."),
		m("core.mixer.set_mute", pc, "Set mute state; returns true if it succeeded.", req("mute")),
		m("core.mixer.set_volume", pc, "Set the volume (0 to 100); returns true if it succeeded.", req("volume")),

		m("core.playback.get_current_tl_track", pr, "Return the current TlTrack, or null."),
		m("core.playback.get_current_tlid", pr, "Return the current tlid, or null."),
		m("core.playback.get_current_track", pr, "Return the current Track, or null."),
		m("core.playback.get_state", pr, "Get the playback state: playing, paused or stopped."),
		m("core.playback.get_stream_title", pr, "Return the title a live stream announced, or null."),
		m("core.playback.get_time_position", pr, "Return the position in the current track in milliseconds."),
		m("core.playback.next", pc, "Change to the next track, keeping the playback state."),
		m("core.playback.pause", pc, "Pause the current track."),
		m("core.playback.play", pc, "Start tl_track or tlid; without either, resume or start the current or first track.", opt("tl_track", nil), opt("tlid", nil)),
		m("core.playback.previous", pc, "Change to the previous track, keeping the playback state."),
		m("core.playback.resume", pc, "Continue a paused track."),
		m("core.playback.seek", pc, "Jump to time_position (ms) in the current track; past its end, go to the next.", req("time_position")),
		m("core.playback.set_state", pc, "Set the playback state flag without changing playback.", req("new_state")),
		m("core.playback.stop", pc, "Stop playback, keeping the current track."),

		m("core.playlists.as_list", lr, "Return a ref for every stored playlist."),
		m("core.playlists.create", pw, "Create a new playlist in the backend owning uri_scheme, or the first.", req("name"), opt("uri_scheme", nil)),
		m("core.playlists.delete", pw, "Delete playlist identified by the URI; returns true if deleted.", req("uri")),
		m("core.playlists.get_items", lr, "Get the items in a playlist as refs, or null if not found.", req("uri")),
		m("core.playlists.get_uri_schemes", lr, "Return the URI schemes of backends that store playlists."),
		m("core.playlists.lookup", lr, "Return the playlist stored at uri, or null.", req("uri")),
		m("core.playlists.refresh", pw, "Refresh the playlists, of one URI scheme if given.", opt("uri_scheme", nil)),
		m("core.playlists.save", pw, "Save the playlist; returns the saved playlist or null.", req("playlist")),

		m("core.tracklist.add", ta, "Add tracks, or the tracks the URIs look up to, to the tracklist.", opt("tracks", nil), opt("at_position", nil), opt("uris", nil)),
		m("core.tracklist.clear", tw, "Remove every entry from the tracklist."),
		dep(m("core.tracklist.eot_track", pr, "Deprecated: return the TlTrack that plays when tl_track ends.", req("tl_track"))),
		m("core.tracklist.filter", pr, "Filter the tracklist by the given criteria.", req("criteria")),
		m("core.tracklist.get_consume", pr, "Get consume mode."),
		m("core.tracklist.get_eot_tlid", pr, "Return the tlid that plays when the current track ends, or null."),
		m("core.tracklist.get_length", pr, "Return the number of entries in the tracklist."),
		m("core.tracklist.get_next_tlid", pr, "Return the tlid that next() would play, or null."),
		m("core.tracklist.get_previous_tlid", pr, "Return the tlid that previous() would play, or null."),
		m("core.tracklist.get_random", pr, "Get random mode."),
		m("core.tracklist.get_repeat", pr, "Get repeat mode."),
		m("core.tracklist.get_single", pr, "Get single mode."),
		m("core.tracklist.get_tl_tracks", pr, "Return the tracklist as TlTracks."),
		m("core.tracklist.get_tracks", pr, "Return the tracklist's tracks without tlids."),
		m("core.tracklist.get_version", pr, "Get the tracklist version, increased on every change."),
		m("core.tracklist.index", pr, "Return the position of tl_track, tlid or the current track, or null.", opt("tl_track", nil), opt("tlid", nil)),
		m("core.tracklist.move", tw, "Move the entries at positions [start, end) to to_position.", req("start"), req("end"), req("to_position")),
		dep(m("core.tracklist.next_track", pr, "Deprecated: return the TlTrack that next() would play after tl_track.", req("tl_track"))),
		dep(m("core.tracklist.previous_track", pr, "Deprecated: return the TlTrack that previous() would play before tl_track.", req("tl_track"))),
		m("core.tracklist.remove", tw, "Remove the matching tracks from the tracklist.", req("criteria")),
		m("core.tracklist.set_consume", pc, "Set consume mode: remove tracks from the tracklist after playing.", req("value")),
		m("core.tracklist.set_random", pc, "Set random mode: play tracks in random order.", req("value")),
		m("core.tracklist.set_repeat", pc, "Set repeat mode: start again from the beginning after the last track.", req("value")),
		m("core.tracklist.set_single", pc, "Set single mode: stop, or repeat with repeat mode, after the current track.", req("value")),
		m("core.tracklist.shuffle", tw, "Shuffle the whole tracklist, or the positions [start, end).", opt("start", nil), opt("end", nil)),
		m("core.tracklist.slice", pr, "Return the entries at positions [start, end).", req("start"), req("end")),
		ton(m("core.playback.get_status", pr, "Return the state, current and next track, modes, volume and last playback error at one instant.")),
		ton(m("core.playback.clear_error", pc, "Forget the last playback error.")),
		ton(m("core.tracklist.get_changes", pr, "Get the entries whose position changed after the given tracklist version.", req("version"))),
		ton(m("core.tracklist.get_priorities", pr, "Get the non-zero priorities of tracklist entries by tlid.")),
		ton(m("core.tracklist.set_priority", tw, "Set the priority (0 to 255) of the entries with the given tlids; in random mode higher priorities play first.", req("tlids"), req("priority"))),
	}
}

// MethodByName returns the method with the given JSON-RPC name.
func MethodByName(name string) (Method, bool) {
	for _, m := range Methods() {
		if m.Name == name {
			return m, true
		}
	}
	return Method{}, false
}
