// Package events defines core's events with Mopidy 3.4's names and
// payloads, their WebSocket JSON form, and the bus that fans them out to
// subscribers through bounded queues filtered by scope.
package events

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/tonearm/tonearm/internal/models"
)

// Area groups events by the scope that lets a subscriber see them.
type Area int

// Event areas.
const (
	AreaPlayback Area = iota + 1
	AreaTracklist
	AreaOptions
	AreaMixer
	AreaPlaylists
	AreaLibrary
	AreaExt
)

// Event is one core event. Its JSON form (see Marshal) is Mopidy's
// WebSocket event: the payload object plus an "event" key with Name.
type Event interface {
	Name() string
	Area() Area
}

// Playback states as Mopidy names them.
const (
	StatePlaying = "playing"
	StatePaused  = "paused"
	StateStopped = "stopped"
)

// TrackPlaybackStarted reports that a track started to play.
type TrackPlaybackStarted struct {
	TlTrack models.TlTrack `json:"tl_track"`
}

// TrackPlaybackPaused reports a pause at TimePosition (ms).
type TrackPlaybackPaused struct {
	TlTrack      models.TlTrack `json:"tl_track"`
	TimePosition int            `json:"time_position"`
}

// TrackPlaybackResumed reports a resume from TimePosition (ms).
type TrackPlaybackResumed struct {
	TlTrack      models.TlTrack `json:"tl_track"`
	TimePosition int            `json:"time_position"`
}

// TrackPlaybackEnded reports that a track stopped playing at TimePosition
// (ms), at its end or earlier.
type TrackPlaybackEnded struct {
	TlTrack      models.TlTrack `json:"tl_track"`
	TimePosition int            `json:"time_position"`
}

// PlaybackStateChanged reports a playback state change. As in Mopidy 3.4,
// OldState may equal NewState: core sends it on every track change while
// playing.
type PlaybackStateChanged struct {
	OldState string `json:"old_state"`
	NewState string `json:"new_state"`
}

// Seeked reports a seek to TimePosition (ms).
type Seeked struct {
	TimePosition int `json:"time_position"`
}

// TracklistChanged reports any change of the tracklist.
type TracklistChanged struct{}

// StreamTitleChanged reports a new title announced by a live stream.
type StreamTitleChanged struct {
	Title string `json:"title"`
}

// OptionsChanged reports a change of consume, random, repeat or single.
type OptionsChanged struct{}

// VolumeChanged reports a new volume (0 to 100).
type VolumeChanged struct {
	Volume int `json:"volume"`
}

// MuteChanged reports a new mute state.
type MuteChanged struct {
	Mute bool `json:"mute"`
}

// PlaylistsLoaded reports that stored playlists were (re)loaded.
type PlaylistsLoaded struct{}

// PlaylistChanged reports a created or saved playlist.
type PlaylistChanged struct {
	Playlist models.Playlist `json:"playlist"`
}

// PlaylistDeleted reports a deleted playlist.
type PlaylistDeleted struct {
	URI string `json:"uri"`
}

// UpdateStarted is a Tonearm addition, absent from Mopidy: a library
// refresh started. MPD's "update" idle subsystem follows it.
type UpdateStarted struct {
	URI string `json:"uri,omitempty"`
}

// UpdateFinished is a Tonearm addition: a library refresh ended. MPD's
// "update" idle subsystem follows it.
type UpdateFinished struct {
	URI   string `json:"uri,omitempty"`
	Error string `json:"error,omitempty"`
}

// LibraryUpdated is a Tonearm addition: the library's content may have
// changed. MPD's "database" idle subsystem follows it.
type LibraryUpdated struct{}

// Names of the Tonearm additions, prefixed so that no Mopidy event can
// collide with them.
const (
	NameUpdateStarted  = "tonearm.update_started"
	NameUpdateFinished = "tonearm.update_finished"
	NameLibraryUpdated = "tonearm.library_updated"
)

// Name returns "track_playback_started".
func (TrackPlaybackStarted) Name() string { return "track_playback_started" }

// Name returns "track_playback_paused".
func (TrackPlaybackPaused) Name() string { return "track_playback_paused" }

// Name returns "track_playback_resumed".
func (TrackPlaybackResumed) Name() string { return "track_playback_resumed" }

// Name returns "track_playback_ended".
func (TrackPlaybackEnded) Name() string { return "track_playback_ended" }

// Name returns "playback_state_changed".
func (PlaybackStateChanged) Name() string { return "playback_state_changed" }

// Name returns "seeked".
func (Seeked) Name() string { return "seeked" }

// Name returns "tracklist_changed".
func (TracklistChanged) Name() string { return "tracklist_changed" }

// Name returns "stream_title_changed".
func (StreamTitleChanged) Name() string { return "stream_title_changed" }

// Name returns "options_changed".
func (OptionsChanged) Name() string { return "options_changed" }

// Name returns "volume_changed".
func (VolumeChanged) Name() string { return "volume_changed" }

// Name returns "mute_changed".
func (MuteChanged) Name() string { return "mute_changed" }

// Name returns "playlists_loaded".
func (PlaylistsLoaded) Name() string { return "playlists_loaded" }

// Name returns "playlist_changed".
func (PlaylistChanged) Name() string { return "playlist_changed" }

// Name returns "playlist_deleted".
func (PlaylistDeleted) Name() string { return "playlist_deleted" }

// Name returns NameUpdateStarted.
func (UpdateStarted) Name() string { return NameUpdateStarted }

// Name returns NameUpdateFinished.
func (UpdateFinished) Name() string { return NameUpdateFinished }

// Name returns NameLibraryUpdated.
func (LibraryUpdated) Name() string { return NameLibraryUpdated }

// Area returns AreaPlayback.
func (TrackPlaybackStarted) Area() Area { return AreaPlayback }

// Area returns AreaPlayback.
func (TrackPlaybackPaused) Area() Area { return AreaPlayback }

// Area returns AreaPlayback.
func (TrackPlaybackResumed) Area() Area { return AreaPlayback }

// Area returns AreaPlayback.
func (TrackPlaybackEnded) Area() Area { return AreaPlayback }

// Area returns AreaPlayback.
func (PlaybackStateChanged) Area() Area { return AreaPlayback }

// Area returns AreaPlayback.
func (Seeked) Area() Area { return AreaPlayback }

// Area returns AreaTracklist.
func (TracklistChanged) Area() Area { return AreaTracklist }

// Area returns AreaPlayback.
func (StreamTitleChanged) Area() Area { return AreaPlayback }

// Area returns AreaOptions.
func (OptionsChanged) Area() Area { return AreaOptions }

// Area returns AreaMixer.
func (VolumeChanged) Area() Area { return AreaMixer }

// Area returns AreaMixer.
func (MuteChanged) Area() Area { return AreaMixer }

// Area returns AreaPlaylists.
func (PlaylistsLoaded) Area() Area { return AreaPlaylists }

// Area returns AreaPlaylists.
func (PlaylistChanged) Area() Area { return AreaPlaylists }

// Area returns AreaPlaylists.
func (PlaylistDeleted) Area() Area { return AreaPlaylists }

// Area returns AreaLibrary.
func (UpdateStarted) Area() Area { return AreaLibrary }

// Area returns AreaLibrary.
func (UpdateFinished) Area() Area { return AreaLibrary }

// Area returns AreaLibrary.
func (LibraryUpdated) Area() Area { return AreaLibrary }

// CoreNames returns the names of every event core publishes: Mopidy 3.4's
// thirteen, then the Tonearm additions.
func CoreNames() []string {
	return []string{
		"track_playback_started", "track_playback_paused",
		"track_playback_resumed", "track_playback_ended",
		"playback_state_changed", "seeked", "tracklist_changed",
		"stream_title_changed", "options_changed", "volume_changed",
		"mute_changed", "playlists_loaded", "playlist_changed",
		"playlist_deleted",
		NameUpdateStarted, NameUpdateFinished, NameLibraryUpdated,
	}
}

// Marshal returns the event's WebSocket form: its payload object with an
// "event" key added, e.g. {"volume":50,"event":"volume_changed"}.
func Marshal(e Event) ([]byte, error) {
	if x, ok := e.(Ext); ok {
		return x.marshal()
	}
	body, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.Name(), err)
	}
	return appendEventKey(body, e.Name()), nil
}

// appendEventKey adds "event":name at the end of the JSON object body.
func appendEventKey(body []byte, name string) []byte {
	quoted, _ := json.Marshal(name) // a string always encodes
	var buf bytes.Buffer
	buf.Grow(len(body) + len(quoted) + 10)
	buf.Write(body[:len(body)-1])
	if len(body) > 2 {
		buf.WriteByte(',')
	}
	buf.WriteString(`"event":`)
	buf.Write(quoted)
	buf.WriteByte('}')
	return buf.Bytes()
}
