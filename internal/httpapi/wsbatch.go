package httpapi

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// A WebSocket client may send many requests before it reads a reply, and
// the WebSocket library flushes every message with its own system call.
// batchConn lets the read loop hold back the replies to requests that are
// already buffered, and send them together with the next reply that is
// written without a hold, or before the loop waits for more input. Events
// and control frames written while no hold is set go out at once.

// maxHeldBytes bounds the replies held back on one connection.
const maxHeldBytes = 64 << 10

// batchConn is a hijacked WebSocket connection that can hold back writes.
type batchConn struct {
	net.Conn
	// reader is the buffered reader the WebSocket library reads this
	// connection through.
	reader *bufio.Reader

	mu      sync.Mutex // guards hold and held, and serialises writes
	hold    bool
	held    []byte
	timeout time.Duration // write timeout for sending held bytes
}

// Write sends p, or appends it to the held bytes while a hold is set.
func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.held) == 0 && !c.hold {
		return c.Conn.Write(p)
	}
	c.held = append(c.held, p...)
	if c.hold && len(c.held) < maxHeldBytes {
		return len(p), nil
	}
	if err := c.flushLocked(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Read sends the held bytes before it waits for input, because the peer
// may be waiting for those replies before it sends more.
func (c *batchConn) Read(p []byte) (int, error) {
	if err := c.flush(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// holdWhileBuffered sets a hold when more input is already buffered, so
// the next write waits for the replies to that input. It returns the
// function that ends the hold.
func (c *batchConn) holdWhileBuffered() (release func()) {
	if c.reader.Buffered() == 0 {
		return func() {}
	}
	c.mu.Lock()
	c.hold = true
	c.mu.Unlock()
	return c.releaseHold
}

func (c *batchConn) releaseHold() {
	c.mu.Lock()
	c.hold = false
	c.mu.Unlock()
}

func (c *batchConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flushLocked()
}

// flushLocked writes the held bytes under a write deadline, because the
// WebSocket library's own write timeout ended when it handed them over.
func (c *batchConn) flushLocked() error {
	if len(c.held) == 0 {
		return nil
	}
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return err
	}
	_, err := c.Conn.Write(c.held)
	c.held = c.held[:0]
	if cap(c.held) > maxHeldBytes {
		c.held = nil
	}
	if err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(time.Time{})
}

// batchHijacker is the ResponseWriter given to websocket.Accept. Its
// Hijack returns the connection as a batchConn, with a bufio.ReadWriter
// whose reader batchConn watches.
type batchHijacker struct {
	http.ResponseWriter
	timeout time.Duration
	conn    *batchConn // set by Hijack
}

func (h *batchHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("http.ResponseWriter does not implement http.Hijacker")
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		nc.Close()
		return nil, nil, err
	}
	h.conn = &batchConn{Conn: nc, reader: brw.Reader, timeout: h.timeout}
	return h.conn, bufio.NewReadWriter(brw.Reader, bufio.NewWriterSize(h.conn, brw.Writer.Size())), nil
}
