package connlimit

import (
	"errors"
	"io"
	"net"
	"testing"
)

func TestListenerCapsOneAddress(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rejected := make(chan net.Addr, 10)
	ln := NewListener(inner, 2, func(remote net.Addr) { rejected <- remote })
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	dial()
	first := <-accepted
	dial()
	<-accepted
	if got := ln.Open("127.0.0.1:1"); got != 2 {
		t.Errorf("open connections = %d, want 2", got)
	}

	third := dial()
	// The server closes the third connection, so the read ends with EOF
	// or a connection reset.
	var opErr *net.OpError
	if _, err := third.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !errors.As(err, &opErr) {
		t.Errorf("read on the connection past the cap: err = %v, want EOF", err)
	}
	if remote := <-rejected; remote == nil {
		t.Error("onReject got no address")
	}

	first.Close()
	first.Close() // a second Close must not free a second slot
	dial()
	if c := <-accepted; c == nil {
		t.Fatal("no connection accepted after one closed")
	}
	if got := ln.Open("127.0.0.1:1"); got != 2 {
		t.Errorf("open connections after close and accept = %d, want 2", got)
	}
}
