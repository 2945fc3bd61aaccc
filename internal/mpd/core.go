package mpd

import (
	"context"

	"github.com/tonearm/tonearm/internal/models"
)

// Core is the frontend's view of the core: Mopidy 3.4's controllers
// (playback, tracklist, library, playlists, mixer) plus outputs, cover art
// and events. The frontend calls it once per command, with the connection's
// context, through the value that Options.CoreFor returned for the
// connection's principal, so the core checks every call against the
// principal's scopes.
type Core interface {
	// Playback. State is "playing", "paused" or "stopped".
	PlaybackState(ctx context.Context) (string, error)
	// Play starts the track with tlid, or when tlid is 0 resumes a paused
	// track or starts the current or first one.
	Play(ctx context.Context, tlid int) error
	Pause(ctx context.Context) error
	Resume(ctx context.Context) error
	Stop(ctx context.Context) error
	Next(ctx context.Context) error
	Previous(ctx context.Context) error
	// Seek moves to ms milliseconds into the current track.
	Seek(ctx context.Context, ms int) (bool, error)
	TimePosition(ctx context.Context) (int, error)
	CurrentTlTrack(ctx context.Context) (*models.TlTrack, error)
	StreamTitle(ctx context.Context) (string, error)
	// Status returns what the status command shows, read at one instant.
	Status(ctx context.Context) (Status, error)
	// ClearError clears the last playback error.
	ClearError(ctx context.Context) error

	// Tracklist.
	TlTracks(ctx context.Context) ([]models.TlTrack, error)
	TracklistLength(ctx context.Context) (int, error)
	// Index returns the position of tlid, or -1 when it is not in the
	// tracklist.
	Index(ctx context.Context, tlid int) (int, error)
	TracklistVersion(ctx context.Context) (int, error)
	// Add looks up uris and adds their tracks at position at, or at the end
	// when at is negative.
	Add(ctx context.Context, uris []string, at int) ([]models.TlTrack, error)
	Remove(ctx context.Context, tlids []int) error
	Clear(ctx context.Context) error
	// Move moves the tracks in [start, end) so that the first lands at to.
	Move(ctx context.Context, start, end, to int) error
	Shuffle(ctx context.Context, start, end int) error
	// SetPriority sets the priority (0 to 255) of the tracks with tlids,
	// which in random mode plays higher priorities first, and
	// Priorities returns the non-zero ones by tlid.
	SetPriority(ctx context.Context, tlids []int, prio int) error
	Priorities(ctx context.Context) (map[int]int, error)
	// NextTlid returns the tlid that plays next, 0 for none.
	NextTlid(ctx context.Context) (int, error)
	Options(ctx context.Context) (Options, error)
	SetConsume(ctx context.Context, on bool) error
	SetRandom(ctx context.Context, on bool) error
	SetRepeat(ctx context.Context, on bool) error
	SetSingle(ctx context.Context, on bool) error

	// Library.
	Browse(ctx context.Context, uri string) ([]models.Ref, error)
	Lookup(ctx context.Context, uris []string) (map[string][]models.Track, error)
	// Search with an empty query returns every track of the library, a
	// slice that callers share and must not modify. Another query
	// returns the matching tracks that this library lacks, such as those
	// of extension backends, because the frontend filters the library
	// itself.
	Search(ctx context.Context, query models.Query, exact bool) ([]models.Track, error)
	Distinct(ctx context.Context, field string, query models.Query) ([]string, error)
	// CoverArt returns the picture of the track at uri and its MIME type.
	CoverArt(ctx context.Context, uri string) ([]byte, string, error)
	// Refresh rescans the library below uri, or all of it for "".
	Refresh(ctx context.Context, uri string) error

	// Stored playlists.
	Playlists(ctx context.Context) ([]models.Ref, error)
	LookupPlaylist(ctx context.Context, uri string) (*models.Playlist, error)
	CreatePlaylist(ctx context.Context, name string) (*models.Playlist, error)
	SavePlaylist(ctx context.Context, pl models.Playlist) (*models.Playlist, error)
	DeletePlaylist(ctx context.Context, uri string) (bool, error)

	// Mixer. Volume is -1 when no mixer is present.
	Volume(ctx context.Context) (int, error)
	SetVolume(ctx context.Context, volume int) error

	// Outputs.
	Outputs(ctx context.Context) ([]Output, error)
	SetOutputEnabled(ctx context.Context, id int, enabled bool) error

	// Subscribe delivers core events until ctx ends, when the channel is
	// closed. A subscriber too slow to read is dropped by closing it early.
	Subscribe(ctx context.Context) (<-chan Event, error)
}

// Status is the player state that the status command shows.
type Status struct {
	// State is "playing", "paused" or "stopped".
	State string
	// Volume is 0 to 100, -1 when no mixer is present.
	Volume  int
	Options Options
	// TracklistVersion is the core's tracklist version, which the
	// connection turns into MPD's playlist version.
	TracklistVersion int
	TracklistLength  int
	// Current is the current track, with TLID 0 when none is current,
	// and CurrentPos its position, -1 when it is not in the tracklist.
	Current    models.TlTrack
	CurrentPos int
	// NextTLID is the tlid that plays next, 0 for none, and NextPos its
	// position, -1 for none.
	NextTLID int
	NextPos  int
	// Elapsed is the position in the current track in milliseconds.
	Elapsed int
	// Error describes the last track skipped as unplayable, "" when
	// there is none.
	Error string
	// AudioFormat is the current track's format as the player decodes
	// it, "" when unknown.
	AudioFormat string
}

// Options are the tracklist modes.
type Options struct {
	Consume, Random, Repeat, Single bool
}

// Output is an audio output as MPD lists it.
type Output struct {
	ID      int
	Name    string
	Plugin  string
	Enabled bool
}

// Event is a core event, named as Mopidy 3.4 names it
// ("playback_state_changed", "tracklist_changed", ...).
type Event struct {
	Name string
}

// Core event names that the frontend maps to idle subsystems.
const (
	EventPlaybackStateChanged = "playback_state_changed"
	EventSeeked               = "seeked"
	EventTrackPlaybackStarted = "track_playback_started"
	EventTracklistChanged     = "tracklist_changed"
	EventStreamTitleChanged   = "stream_title_changed"
	EventOptionsChanged       = "options_changed"
	EventVolumeChanged        = "volume_changed"
	EventMuteChanged          = "mute_changed"
	EventOutputChanged        = "output_changed"
	EventPlaylistsLoaded      = "playlists_loaded"
	EventPlaylistChanged      = "playlist_changed"
	EventPlaylistDeleted      = "playlist_deleted"
	EventLibraryUpdated       = "tonearm.library_updated"
	EventUpdateStarted        = "tonearm.update_started"
	EventUpdateFinished       = "tonearm.update_finished"
)
