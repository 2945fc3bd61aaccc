package scope

import (
	"fmt"
	"strings"
)

// Kind is the sort of caller a principal is.
type Kind string

// Principal kinds.
const (
	KindSession   Kind = "session"   // a logged-in web session
	KindToken     Kind = "token"     // an API token of an app
	KindMPD       Kind = "mpd"       // an MPD connection
	KindExtension Kind = "extension" // an extension process
	KindLocal     Kind = "local"     // the server itself (state restore, CLI)
)

// Principal is a caller of core: who it is and what it may do.
type Principal struct {
	Kind Kind
	// ID names the caller in logs and audit records: a session id, a token
	// id, an MPD connection id or an extension name. It is never a secret.
	ID     string
	Scopes Set
}

// String returns "kind:id" for logs.
func (p Principal) String() string { return string(p.Kind) + ":" + p.ID }

// Local returns the principal of the server itself, holding every fixed
// scope.
func Local(id string) Principal {
	return Principal{Kind: KindLocal, ID: id, Scopes: NewSet(All()...)}
}

// MPD permission names of MPD 0.23.
const (
	MPDRead    = "read"
	MPDAdd     = "add"
	MPDPlayer  = "player"
	MPDControl = "control"
	MPDAdmin   = "admin"
)

// FromMPD returns the scopes that a list of MPD 0.23 permissions grants,
// written as in mpd.conf ("read,add,control"). As in MPD 0.23, "control"
// implies "player", because "player" was split from "control" in that
// version and older configs list only "control".
func FromMPD(permissions string) (Set, error) {
	var scopes []Scope
	for _, perm := range strings.Split(permissions, ",") {
		switch strings.TrimSpace(perm) {
		case "":
		case MPDRead:
			scopes = append(scopes, LibraryRead, PlaybackRead)
		case MPDAdd:
			scopes = append(scopes, TracklistAdd)
		case MPDPlayer:
			scopes = append(scopes, PlaybackControl, TracklistWrite)
		case MPDControl:
			scopes = append(scopes, PlaybackControl, TracklistWrite,
				PlaylistsWrite, LibraryUpdate)
		case MPDAdmin:
			scopes = append(scopes, Admin)
		default:
			return Set{}, fmt.Errorf("unknown MPD permission %q: use read, add, player, control or admin", perm)
		}
	}
	return NewSet(scopes...), nil
}
