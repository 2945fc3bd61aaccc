//go:build linux

package mpd

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// socketPair returns both ends of a loopback TCP connection, the server
// end wrapped by socketIO.
func socketPair(t *testing.T) (server net.Conn, r io.Reader, w io.Writer, peer net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	peer, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	server, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	r, w = socketIO(server)
	if _, ok := r.(*rawSocket); !ok {
		t.Fatalf("socketIO returned a %T reader for a TCP connection, want rawSocket", r)
	}
	return server, r, w, peer
}

func TestRawSocketLargeWrite(t *testing.T) {
	_, _, w, peer := socketPair(t)
	// Far more than the socket buffers hold, so Write waits in the poller
	// while the peer reads.
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<18)
	received := make(chan []byte, 1)
	go func() {
		got, _ := io.ReadAll(io.LimitReader(peer, int64(len(data))))
		received <- got
	}()
	n, err := w.Write(data)
	if err != nil || n != len(data) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(data))
	}
	select {
	case got := <-received:
		if !bytes.Equal(got, data) {
			t.Errorf("peer received %d bytes that differ from the %d written", len(got), len(data))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("peer did not receive the data within 30 s")
	}
}

func TestRawSocketReadWaitsAndEnds(t *testing.T) {
	_, r, _, peer := socketPair(t)
	go func() {
		time.Sleep(50 * time.Millisecond)
		peer.Write([]byte("status\n"))
		peer.Close()
	}()
	buf := make([]byte, 64)
	n, err := r.Read(buf)
	if err != nil || string(buf[:n]) != "status\n" {
		t.Fatalf("first Read = %q, %v; want \"status\\n\", nil", buf[:n], err)
	}
	if n, err := r.Read(buf); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("Read after the peer closed = %d, %v; want 0, io.EOF", n, err)
	}
}

func TestRawSocketReadDeadline(t *testing.T) {
	server, r, _, _ := socketPair(t)
	server.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := r.Read(make([]byte, 64))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("Read past the deadline returned %v, want a timeout", err)
	}
}

func TestRawSocketReadAfterClose(t *testing.T) {
	server, r, _, _ := socketPair(t)
	go func() {
		time.Sleep(50 * time.Millisecond)
		server.Close()
	}()
	_, err := r.Read(make([]byte, 64))
	if !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read on a closed connection returned %v, want net.ErrClosed", err)
	}
}

func TestSocketIOFallsBack(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	r, w := socketIO(a)
	if r != a || w != a {
		t.Errorf("socketIO of a net.Pipe end returned %T and %T, want the connection itself", r, w)
	}
}

func TestRawSocketDoesNotAllocate(t *testing.T) {
	_, r, w, peer := socketPair(t)
	line := []byte("status\n")
	buf := make([]byte, 64)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(peer, buf[:len(line)]); err != nil {
			t.Fatal(err)
		}
		if _, err := peer.Write(line); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(r, buf[:len(line)]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("a Write and a Read allocate %.1f times, want 0", allocs)
	}
}
