// Package wire is the codec of the pipe between the server and an
// extension: JSON-RPC 2.0 messages, one per line, each at most a fixed
// number of bytes. It checks the shape of every message and imports only
// the standard library, so it can be fuzzed alone.
package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// DefaultMaxMessage bounds one message in bytes when a Reader is given no
// limit. A playback chunk of 256 KiB takes about 342 KiB in base64.
const DefaultMaxMessage = 1 << 20

// maxMethod bounds a method name in bytes.
const maxMethod = 128

// maxID bounds a request id in bytes.
const maxID = 64

// Error codes of JSON-RPC 2.0, and the code of a failed call.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternal       = -32603
	// CodeApplication is the code of an error the method itself returned.
	CodeApplication = 0
)

// ErrTooLarge is returned by Reader.Read for a line longer than the limit.
var ErrTooLarge = errors.New("message too large")

// ErrMalformed is returned for a line that is not a valid message.
var ErrMalformed = errors.New("malformed message")

// Message is one JSON-RPC 2.0 request, notification or response.
type Message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

// Error is the error member of a response.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("code %d: %s", e.Code, e.Message) }

// IsRequest reports whether m is a request that expects a response.
func (m *Message) IsRequest() bool { return m.Method != "" && m.ID != nil }

// IsNotification reports whether m is a request without an id.
func (m *Message) IsNotification() bool { return m.Method != "" && m.ID == nil }

// IsResponse reports whether m is a response to a request.
func (m *Message) IsResponse() bool { return m.Method == "" }

// IntID returns the id of m as an integer. Both sides of the pipe number
// their requests with non-negative integers.
func (m *Message) IntID() (uint64, bool) {
	if len(m.ID) == 0 || m.ID[0] < '0' || m.ID[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(m.ID), 10, 64)
	return n, err == nil
}

// Decode parses one line and checks the message's shape: version "2.0",
// an id that is a number, a string or null, and exactly one of method,
// result and error.
func Decode(line []byte) (*Message, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return nil, fmt.Errorf("%w: expected a JSON object", ErrMalformed)
	}
	var m Message
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Message) check() error {
	if m.JSONRPC != "2.0" {
		return fmt.Errorf("%w: jsonrpc is %q, expected \"2.0\"", ErrMalformed, m.JSONRPC)
	}
	if m.ID != nil {
		if len(m.ID) > maxID {
			return fmt.Errorf("%w: id of %d bytes exceeds %d", ErrMalformed, len(m.ID), maxID)
		}
		switch m.ID[0] {
		case '"', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		default:
			return fmt.Errorf("%w: id must be a number, a string or null", ErrMalformed)
		}
	}
	if len(m.Method) > maxMethod {
		return fmt.Errorf("%w: method name of %d bytes exceeds %d", ErrMalformed, len(m.Method), maxMethod)
	}
	members := 0
	for _, present := range []bool{m.Method != "", m.Result != nil, m.Error != nil} {
		if present {
			members++
		}
	}
	if members != 1 {
		return fmt.Errorf("%w: a message needs exactly one of method, result and error", ErrMalformed)
	}
	if m.Method == "" && m.ID == nil {
		return fmt.Errorf("%w: a response needs an id", ErrMalformed)
	}
	if p := bytes.TrimSpace(m.Params); len(p) > 0 && p[0] != '{' && p[0] != '[' {
		return fmt.Errorf("%w: params must be an object or an array", ErrMalformed)
	}
	return nil
}

// Encode returns m as one line, ending in '\n'.
func Encode(m *Message) ([]byte, error) {
	m.JSONRPC = "2.0"
	if err := m.check(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	return append(b, '\n'), nil
}

// NewRequest returns a request with an integer id and params encoded
// from v; a nil v sends no params.
func NewRequest(id uint64, method string, v any) (*Message, error) {
	m := &Message{JSONRPC: "2.0", ID: json.RawMessage(strconv.FormatUint(id, 10)), Method: method}
	return m, m.setParams(v)
}

// NewNotification returns a notification with params encoded from v.
func NewNotification(method string, v any) (*Message, error) {
	m := &Message{JSONRPC: "2.0", Method: method}
	return m, m.setParams(v)
}

func (m *Message) setParams(v any) error {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode params of %s: %w", m.Method, err)
	}
	m.Params = b
	return nil
}

// NewResult returns the response to id carrying v.
func NewResult(id json.RawMessage, v any) (*Message, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode result: %w", err)
	}
	return &Message{JSONRPC: "2.0", ID: id, Result: b}, nil
}

// NewError returns an error response to id; a nil id becomes null.
func NewError(id json.RawMessage, code int, message string) *Message {
	if id == nil {
		id = json.RawMessage("null")
	}
	return &Message{JSONRPC: "2.0", ID: id, Error: &Error{Code: code, Message: message}}
}

// Reader reads messages, one per line, rejecting lines over a limit
// before it has buffered more than the limit.
type Reader struct {
	r   *bufio.Reader
	max int
}

// NewReader returns a Reader of r; max <= 0 means DefaultMaxMessage.
func NewReader(r io.Reader, max int) *Reader {
	if max <= 0 {
		max = DefaultMaxMessage
	}
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// ReadLine returns the next line without its newline. A line longer than
// the limit returns ErrTooLarge; the stream is then out of step and the
// caller should close it.
func (r *Reader) ReadLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.r.ReadSlice('\n')
		if len(line)+len(chunk) > r.max+1 {
			return nil, fmt.Errorf("%w: line exceeds %d bytes", ErrTooLarge, r.max)
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return bytes.TrimSuffix(line, []byte{'\n'}), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return nil, fmt.Errorf("%w: last line has no newline", ErrMalformed)
		default:
			return nil, err
		}
	}
}

// Read returns the next message.
func (r *Reader) Read() (*Message, error) {
	line, err := r.ReadLine()
	if err != nil {
		return nil, err
	}
	return Decode(line)
}
