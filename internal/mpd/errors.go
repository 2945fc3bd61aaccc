package mpd

import (
	"context"
	"errors"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// notSupported returns a handler for a command that the frontend lists but
// does not run: it answers ACK 5 with the reason, never a silent OK.
func notSupported(reason string) handler {
	return func(context.Context, *conn, []string) error {
		return protocol.Errorf(protocol.AckUnknown, "%s", reason)
	}
}

// coreError turns a core error into an ACK error. A missing item becomes
// AckNoExist with notFound as message; other errors keep their cause for
// the log and are sent as a generic system error.
func coreError(err error, notFound string) error {
	if err == nil {
		return nil
	}
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe
	}
	if errors.Is(err, backend.ErrNotFound) {
		return &protocol.Error{Code: protocol.AckNoExist, Message: notFound, Err: err}
	}
	if errors.Is(err, backend.ErrUnsupported) {
		return &protocol.Error{Code: protocol.AckUnknown, Message: "not supported by this backend", Err: err}
	}
	return err
}

func errBadSongIndex() error { return protocol.Errorf(protocol.AckArg, "Bad song index") }

func errNoSuchSong() error { return protocol.Errorf(protocol.AckNoExist, "No such song") }

func errNoSuchDirectory() error { return protocol.Errorf(protocol.AckNoExist, "No such directory") }

func errNoSuchPlaylist() error { return protocol.Errorf(protocol.AckNoExist, "No such playlist") }
