package extsdk

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

// MaxMessage is the size of the largest message the server accepts, in
// bytes. Serve rejects larger incoming messages too.
const MaxMessage = 1 << 20

// MaxChunk is the most bytes one playback read returns.
const MaxChunk = 256 << 10

// Backend serves the extension's URI schemes. Return ErrNotFound for a
// URI the backend does not know.
type Backend interface {
	Browse(ctx context.Context, uri string) ([]Ref, error)
	Lookup(ctx context.Context, uri string) ([]Track, error)
	Search(ctx context.Context, query Query, uris []string, exact bool) (SearchResult, error)
	// Open returns the audio bytes of a track and their format, a file
	// extension such as "wav", "flac" or "mp3", or "" to let the server
	// detect it.
	Open(ctx context.Context, uri string) (io.ReadCloser, string, error)
}

// ErrNotFound is returned by a Backend for an unknown URI.
var ErrNotFound = errors.New("not found")

// Event is a server event: its name and its JSON payload, which holds an
// "event" key with the name and the fields of Mopidy's event.
type Event struct {
	Name    string
	Payload json.RawMessage
}

// Options configures Serve.
type Options struct {
	// Root is the browse root the server lists for the extension, nil for
	// none.
	Root    *Ref
	Backend Backend
	// OnStart runs after the handshake, in its own goroutine.
	OnStart func(ctx context.Context, x *Extension)
	// OnEvent receives each event the manifest subscribes to, one at a
	// time, in order.
	OnEvent func(ctx context.Context, x *Extension, e Event)
	// In and Out default to standard input and output.
	In  io.Reader
	Out io.Writer
}

// Extension is the running extension's side of the pipe.
type Extension struct {
	// Name, Version and Scopes come from the server's handshake; Scopes
	// are those granted, which may be fewer than the manifest requests.
	Name    string
	Version string
	Scopes  []string
	// Settings is the extension's section of the server's configuration.
	Settings map[string]string

	out     io.Writer
	writeMu sync.Mutex
	nextID  atomic.Uint64
	mu      sync.Mutex
	pending map[uint64]chan message
	streams map[uint64]io.ReadCloser
	nextSID uint64
}

type message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *RPCError       `json:"error,omitempty"`
}

// RPCError is an error the server returned for a call.
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string {
	if len(e.Data) > 0 {
		return fmt.Sprintf("server error %d: %s: %s", e.Code, e.Message, e.Data)
	}
	return fmt.Sprintf("server error %d: %s", e.Code, e.Message)
}

type extensionKey struct{}

// FromContext returns the Extension serving a Backend call, so a backend
// can call core or publish events; it returns nil outside Serve.
func FromContext(ctx context.Context) *Extension {
	x, _ := ctx.Value(extensionKey{}).(*Extension)
	return x
}

// Serve runs the extension until the server closes the pipe or ctx ends.
func Serve(ctx context.Context, o Options) error {
	if o.In == nil {
		o.In = os.Stdin
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	x := &Extension{out: o.Out, pending: make(map[uint64]chan message), streams: make(map[uint64]io.ReadCloser)}
	ctx = context.WithValue(ctx, extensionKey{}, x)
	events := make(chan Event, 64)
	defer close(events)
	go func() {
		for e := range events {
			if o.OnEvent != nil {
				o.OnEvent(ctx, x, e)
			}
		}
	}()
	r := bufio.NewReaderSize(o.In, 64<<10)
	for {
		line, err := readLine(r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		var m message
		if err := json.Unmarshal(line, &m); err != nil {
			return fmt.Errorf("extsdk: invalid message from the server: %w", err)
		}
		switch {
		case m.Method == "" && m.ID != nil:
			x.deliver(m)
		case m.Method == "event":
			var head struct {
				Event string `json:"event"`
			}
			_ = json.Unmarshal(m.Params, &head)
			select {
			case events <- Event{Name: head.Event, Payload: m.Params}:
			default: // OnEvent is too slow; drop the event as the server would
			}
		case m.Method == "extension.initialize":
			x.initialize(ctx, m, o)
		default:
			go x.serve(ctx, m, o.Backend)
		}
	}
}

func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > MaxMessage+1 {
			return nil, fmt.Errorf("extsdk: message from the server exceeds %d bytes", MaxMessage)
		}
		line = append(line, chunk...)
		if err == nil {
			return line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}

func (x *Extension) initialize(ctx context.Context, m message, o Options) {
	var p struct {
		Name     string            `json:"name"`
		Version  string            `json:"version"`
		Scopes   []string          `json:"scopes"`
		Settings map[string]string `json:"settings"`
	}
	if err := json.Unmarshal(m.Params, &p); err != nil {
		x.reply(m.ID, nil, fmt.Errorf("invalid initialize params: %w", err))
		return
	}
	x.Name, x.Version, x.Scopes, x.Settings = p.Name, p.Version, p.Scopes, p.Settings
	x.reply(m.ID, map[string]any{"root": o.Root}, nil)
	if o.OnStart != nil {
		go o.OnStart(ctx, x)
	}
}

// write sends one message as a line.
func (x *Extension) write(m message) error {
	m.JSONRPC = "2.0"
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if len(b) > MaxMessage {
		return fmt.Errorf("extsdk: message of %d bytes exceeds %d", len(b), MaxMessage)
	}
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	_, err = x.out.Write(append(b, '\n'))
	return err
}

// WriteRaw sends bytes to the server unchanged. It exists for tests of
// the server's checks; extensions use Call, Publish and Log.
func (x *Extension) WriteRaw(b []byte) error {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	_, err := x.out.Write(b)
	return err
}

func (x *Extension) reply(id json.RawMessage, result any, err error) {
	if err != nil {
		_ = x.write(message{ID: id, Error: &RPCError{Code: 0, Message: err.Error()}})
		return
	}
	b, merr := json.Marshal(result)
	if merr != nil {
		_ = x.write(message{ID: id, Error: &RPCError{Code: -32603, Message: merr.Error()}})
		return
	}
	_ = x.write(message{ID: id, Result: b})
}

func (x *Extension) deliver(m message) {
	id, err := strconv.ParseUint(string(m.ID), 10, 64)
	if err != nil {
		return
	}
	x.mu.Lock()
	ch := x.pending[id]
	delete(x.pending, id)
	x.mu.Unlock()
	if ch != nil {
		ch <- m
	}
}

// Call calls a core method, such as "core.playback.get_state", with
// params (an object of named arguments, or nil) and decodes its result
// into result (a pointer, or nil). A method outside the granted scopes
// returns an *RPCError.
func (x *Extension) Call(ctx context.Context, method string, params, result any) error {
	id := x.nextID.Add(1)
	m := message{ID: json.RawMessage(strconv.FormatUint(id, 10)), Method: method}
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return err
		}
		m.Params = b
	}
	ch := make(chan message, 1)
	x.mu.Lock()
	x.pending[id] = ch
	x.mu.Unlock()
	defer func() {
		x.mu.Lock()
		delete(x.pending, id)
		x.mu.Unlock()
	}()
	if err := x.write(m); err != nil {
		return err
	}
	select {
	case resp := <-ch:
		if resp.Error != nil {
			return resp.Error
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(resp.Result, result)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Publish sends an event named "ext.<extension name>.<event>" to the
// subscribers allowed to see it. payload must encode to a JSON object
// without an "event" key.
func (x *Extension) Publish(ctx context.Context, event string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	return x.Call(ctx, "events.publish", map[string]any{"event": event, "payload": json.RawMessage(b)}, nil)
}

// Log writes a message to the server's log under the extension's name.
// level is "debug", "info", "warn" or "error".
func (x *Extension) Log(level, msg string) {
	params, _ := json.Marshal(map[string]string{"level": level, "message": msg})
	_ = x.write(message{Method: "log", Params: params})
}
