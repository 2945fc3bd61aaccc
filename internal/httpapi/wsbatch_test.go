package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// pipeBatchConn returns a batchConn on one end of a pipe and the other
// end. Its reader starts with buffered bytes when buffered is not empty.
func pipeBatchConn(t *testing.T, buffered string) (*batchConn, net.Conn) {
	t.Helper()
	server, client := net.Pipe()
	t.Cleanup(func() {
		server.Close()
		client.Close()
	})
	reader := bufio.NewReader(io.MultiReader(strings.NewReader(buffered), server))
	if buffered != "" {
		if _, err := reader.Peek(len(buffered)); err != nil {
			t.Fatal(err)
		}
	}
	return &batchConn{Conn: server, reader: reader, timeout: time.Minute}, client
}

// readAsync reads n bytes from conn in the background.
func readAsync(conn net.Conn, n int) <-chan string {
	out := make(chan string, 1)
	go func() {
		buf := make([]byte, n)
		if _, err := io.ReadFull(conn, buf); err != nil {
			out <- "error: " + err.Error()
			return
		}
		out <- string(buf)
	}()
	return out
}

func TestBatchConnWritesAtOnceWithoutHold(t *testing.T) {
	c, peer := pipeBatchConn(t, "")
	got := readAsync(peer, 5)
	release := c.holdWhileBuffered() // nothing buffered: no hold
	if _, err := c.Write([]byte("event")); err != nil {
		t.Fatal(err)
	}
	release()
	if s := <-got; s != "event" {
		t.Errorf("peer read %q", s)
	}
}

func TestBatchConnHoldsUntilRead(t *testing.T) {
	c, peer := pipeBatchConn(t, "next request")
	release := c.holdWhileBuffered()
	for _, part := range []string{"one", "two"} {
		if _, err := c.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	release()
	if string(c.held) != "onetwo" {
		t.Fatalf("held %q, expected both replies held", c.held)
	}
	got := readAsync(peer, 6)
	// The library drains its buffer, then reads the connection, which
	// must send the held replies first.
	if _, err := c.reader.Discard(len("next request")); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = c.Read(make([]byte, 1)) }()
	if s := <-got; s != "onetwo" {
		t.Errorf("peer read %q", s)
	}
}

func TestBatchConnSendsHeldWithNextWrite(t *testing.T) {
	c, peer := pipeBatchConn(t, "next request")
	release := c.holdWhileBuffered()
	if _, err := c.Write([]byte("one")); err != nil {
		t.Fatal(err)
	}
	release()
	got := readAsync(peer, 8)
	if _, err := c.Write([]byte("event")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "oneevent" {
		t.Errorf("peer read %q", s)
	}
}

func TestBatchConnHoldIsBounded(t *testing.T) {
	c, peer := pipeBatchConn(t, "next request")
	big := bytes.Repeat([]byte("x"), maxHeldBytes)
	got := readAsync(peer, len(big)+1)
	release := c.holdWhileBuffered()
	defer release()
	if _, err := c.Write([]byte("y")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(big); err != nil {
		t.Fatal(err)
	}
	if s := <-got; len(s) != len(big)+1 || s[0] != 'y' {
		t.Errorf("peer read %d bytes starting %q, expected %d", len(s), s[:min(len(s), 20)], len(big)+1)
	}
}

func TestBatchConnFlushHasWriteDeadline(t *testing.T) {
	c, _ := pipeBatchConn(t, "next request")
	c.timeout = time.Millisecond
	release := c.holdWhileBuffered()
	if _, err := c.Write([]byte("reply")); err != nil {
		t.Fatal(err)
	}
	release()
	// The peer never reads, so only the deadline ends the write.
	err := c.flush()
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("flush to a stalled peer returned %v, expected a deadline error", err)
	}
}

func TestWebSocketPipelinedRequestsAllAnswered(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL(env), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	// Every request goes out before any reply is read, as a pipelining
	// client sends them, so the server may find several buffered at once.
	const calls = 200
	for i := 1; i <= calls; i++ {
		req := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"core.mixer.get_volume"}`, i)
		if err := conn.Write(ctx, websocket.MessageText, []byte(req)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= calls; i++ {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if want := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":0}`, i); string(msg) != want {
			t.Fatalf("reply %d = %s, expected %s", i, msg, want)
		}
	}
}

func TestRPCBufferDropsLargeBuffers(t *testing.T) {
	var buf rpcBuffer
	buf.body.Grow(maxPooledBuffer + 1)
	buf.reply = make([]byte, 0, maxPooledBuffer+1)
	buf.trim()
	if buf.body.Cap() > maxPooledBuffer {
		t.Errorf("body capacity %d kept", buf.body.Cap())
	}
	if cap(buf.reply) > maxPooledBuffer {
		t.Errorf("reply capacity %d kept", cap(buf.reply))
	}

	buf.body.Grow(100)
	buf.reply = make([]byte, 0, 100)
	buf.trim()
	if buf.body.Cap() < 100 || cap(buf.reply) < 100 {
		t.Errorf("small buffers dropped: capacities %d and %d", buf.body.Cap(), cap(buf.reply))
	}
}
