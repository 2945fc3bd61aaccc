package extension

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/tonearm/tonearm/internal/extension/wire"
)

// errViolation marks a protocol violation that stops the extension.
var errViolation = errors.New("protocol violation")

// errStopped is returned by calls to an extension that is not running.
var errStopped = errors.New("extension not running")

// requestHandler serves one request or notification from the extension
// and returns the response to send, or nil for a notification.
type requestHandler func(ctx context.Context, m *wire.Message, line []byte) *wire.Message

// conn is the pipe to one running extension process: a reader of its
// stdout, a writer to its stdin fed by a bounded queue, and the table of
// requests the host is waiting on.
type conn struct {
	name   string
	log    *slog.Logger
	limits Limits
	handle requestHandler

	out     chan []byte   // bounded outgoing queue
	done    chan struct{} // closed by fail
	failErr error         // set once before done is closed
	once    sync.Once

	nextID  atomic.Uint64
	mu      sync.Mutex
	pending map[uint64]chan *wire.Message

	limiter    *rate.Limiter
	active     chan struct{} // semaphore of requests being served
	rejections atomic.Int32  // calls and replies rejected in this run
}

func newConn(name string, log *slog.Logger, limits Limits, handle requestHandler) *conn {
	return &conn{
		name:    name,
		log:     log,
		limits:  limits,
		handle:  handle,
		out:     make(chan []byte, limits.QueueLength),
		done:    make(chan struct{}),
		pending: make(map[uint64]chan *wire.Message),
		limiter: rate.NewLimiter(rate.Limit(limits.MessagesPerSecond), limits.MessageBurst),
		active:  make(chan struct{}, limits.ConcurrentRequests),
	}
}

// fail stops the connection with err; the first error wins.
func (c *conn) fail(err error) {
	c.once.Do(func() {
		c.failErr = err
		close(c.done)
	})
}

// err returns why the connection stopped, or nil while it runs.
func (c *conn) err() error {
	select {
	case <-c.done:
		return c.failErr
	default:
		return nil
	}
}

// writeLoop copies queued messages to the extension's stdin.
func (c *conn) writeLoop(w io.WriteCloser) {
	defer w.Close()
	bw := bufio.NewWriter(w)
	for {
		select {
		case <-c.done:
			return
		case line := <-c.out:
			if _, err := bw.Write(line); err != nil {
				c.fail(fmt.Errorf("write to extension: %w", err))
				return
			}
			if len(c.out) == 0 {
				if err := bw.Flush(); err != nil {
					c.fail(fmt.Errorf("write to extension: %w", err))
					return
				}
			}
		}
	}
}

// readLoop reads the extension's stdout until it closes or misbehaves.
func (c *conn) readLoop(ctx context.Context, r io.Reader) {
	wr := wire.NewReader(r, c.limits.MaxMessage)
	for {
		line, err := wr.ReadLine()
		if err != nil {
			if errors.Is(err, wire.ErrTooLarge) || errors.Is(err, wire.ErrMalformed) {
				c.fail(fmt.Errorf("%w: %v", errViolation, err))
			} else {
				c.fail(fmt.Errorf("extension closed its output: %w", err))
			}
			return
		}
		m, err := wire.Decode(line)
		if err != nil {
			c.fail(fmt.Errorf("%w: %v", errViolation, err))
			return
		}
		if err := c.dispatch(ctx, m, line); err != nil {
			c.fail(err)
			return
		}
	}
}

func (c *conn) dispatch(ctx context.Context, m *wire.Message, line []byte) error {
	if m.IsResponse() {
		return c.deliver(m)
	}
	if !c.limiter.Allow() {
		return fmt.Errorf("%w: more than %d messages per second", errViolation, c.limits.MessagesPerSecond)
	}
	if m.IsNotification() {
		c.handle(ctx, m, line)
		return nil
	}
	select {
	case c.active <- struct{}{}:
	default:
		c.send(wire.NewError(m.ID, wire.CodeInternal,
			fmt.Sprintf("more than %d requests in progress: wait for replies", c.limits.ConcurrentRequests)))
		return nil
	}
	go func() {
		defer func() { <-c.active }()
		if resp := c.handle(ctx, m, line); resp != nil {
			c.send(resp)
		}
	}()
	return nil
}

// deliver hands a response to the call waiting for it. A response to no
// pending request is a violation.
func (c *conn) deliver(m *wire.Message) error {
	id, ok := m.IntID()
	c.mu.Lock()
	ch, found := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if !ok || !found {
		return fmt.Errorf("%w: response to unknown request id %s", errViolation, truncate(string(m.ID), 40))
	}
	ch <- m // buffered with room for one
	return nil
}

// send queues a message without waiting. When the queue is full the
// message is dropped and false returned.
func (c *conn) send(m *wire.Message) bool {
	line, err := wire.Encode(m)
	if err != nil {
		c.log.Error("message to extension not encoded", "method", m.Method, "err", err)
		return false
	}
	select {
	case c.out <- line:
		return true
	case <-c.done:
		return false
	default:
		return false
	}
}

// call sends a request and decodes the result into out.
func (c *conn) call(ctx context.Context, method string, params, out any) error {
	if err := c.err(); err != nil {
		return fmt.Errorf("%s %s: %w", c.name, method, errStopped)
	}
	ctx, cancel := context.WithTimeout(ctx, c.limits.CallTimeout)
	defer cancel()

	id := c.nextID.Add(1)
	req, err := wire.NewRequest(id, method, params)
	if err != nil {
		return err
	}
	ch := make(chan *wire.Message, 1)
	c.mu.Lock()
	if len(c.pending) >= c.limits.ConcurrentRequests*4 {
		c.mu.Unlock()
		return fmt.Errorf("%s %s: %d calls already wait for the extension", c.name, method, len(c.pending))
	}
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()

	if !c.send(req) {
		return fmt.Errorf("%s %s: outgoing queue of %d messages is full", c.name, method, c.limits.QueueLength)
	}
	select {
	case resp := <-ch:
		if resp.Error != nil {
			return fmt.Errorf("%s %s: extension returned error: %s", c.name, method, truncate(resp.Error.Message, 200))
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(resp.Result, out); err != nil {
			return fmt.Errorf("%s %s: invalid result: %w", c.name, method, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s %s: %w", c.name, method, ctx.Err())
	case <-c.done:
		return fmt.Errorf("%s %s: %w", c.name, method, errStopped)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// cleanText makes untrusted text safe for a log line: control
// characters become spaces and the length is bounded.
func cleanText(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return truncate(s, n)
}
