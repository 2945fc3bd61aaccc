// Package protocol is the pure part of the MPD protocol: it splits command
// lines into arguments, parses argument types and filter expressions, writes
// responses with LF line ends and formats ACK errors. It does no I/O.
package protocol

import (
	"errors"
	"fmt"
	"strconv"
)

// AckCode is an MPD error number. The values are those of MPD 0.23,
// src/protocol/Ack.hxx.
type AckCode int

// ACK codes of MPD 0.23.
const (
	AckNotList       AckCode = 1
	AckArg           AckCode = 2
	AckPassword      AckCode = 3
	AckPermission    AckCode = 4
	AckUnknown       AckCode = 5
	AckNoExist       AckCode = 50
	AckPlaylistMax   AckCode = 51
	AckSystem        AckCode = 52
	AckPlaylistLoad  AckCode = 53
	AckUpdateAlready AckCode = 54
	AckPlayerSync    AckCode = 55
	AckExist         AckCode = 56
)

// Error is a failure that a client sees as an ACK line.
type Error struct {
	Code    AckCode
	Message string
	// Err is the cause, kept for errors.Is and logs and never sent.
	Err error
}

// Errorf returns an *Error with a formatted message. A %w verb in format
// sets Err.
func Errorf(code AckCode, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// AsError returns err as an *Error, turning any other error into an
// AckSystem error with a generic message so that internals are not sent.
func AsError(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return &Error{Code: AckSystem, Message: "internal error", Err: err}
}

// AppendAck appends the line "ACK [code@index] {command} message" and its
// LF. Index is the position of the failed command in a command list, 0
// outside one.
func AppendAck(dst []byte, code AckCode, index int, command, message string) []byte {
	dst = append(dst, "ACK ["...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, '@')
	dst = strconv.AppendInt(dst, int64(index), 10)
	dst = append(dst, "] {"...)
	dst = appendClean(dst, command)
	dst = append(dst, "} "...)
	dst = appendClean(dst, message)
	return append(dst, '\n')
}
