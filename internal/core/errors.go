package core

import (
	"errors"
	"fmt"

	"github.com/tonearm/tonearm/internal/core/scope"
)

// Errors callers test with errors.Is. Frontends map them to protocol
// errors: ErrInvalid is Mopidy's ValidationError and MPD's ACK_ERROR_ARG.
var (
	// ErrPermission is returned when the caller lacks a method's scope.
	ErrPermission = errors.New("permission denied")
	// ErrInvalid is returned for an argument that fails validation.
	ErrInvalid = errors.New("invalid argument")
	// ErrTracklistFull is returned when an add would pass the maximum
	// tracklist length.
	ErrTracklistFull = errors.New("tracklist full")
	// ErrClosed is returned by calls made after Close.
	ErrClosed = errors.New("core closed")
)

// PermissionError names the denied method and the scope it needs. It
// matches ErrPermission.
type PermissionError struct {
	Method    string
	Scope     scope.Scope
	Principal string
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("%s: permission denied: %s lacks scope %s", e.Method, e.Principal, e.Scope)
}

// Unwrap returns ErrPermission.
func (e *PermissionError) Unwrap() error { return ErrPermission }

func invalidf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrInvalid)...)
}
