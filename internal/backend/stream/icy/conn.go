package icy

import (
	"bytes"
	"io"
	"net"
)

// StatusLineConn wraps a connection so that a SHOUTcast 1 response, which
// starts "ICY 200 OK" where HTTP has "HTTP/1.0 200 OK", reads as HTTP and
// passes Go's HTTP client. Other responses pass unchanged. Only the start
// of the connection is looked at, as ICY servers close the connection
// after one response.
func StatusLineConn(c net.Conn) net.Conn {
	return &statusLineConn{Conn: c}
}

type statusLineConn struct {
	net.Conn
	checked bool
	pending []byte
}

func (c *statusLineConn) Read(p []byte) (int, error) {
	if !c.checked {
		c.checked = true
		head := make([]byte, 4)
		n, err := io.ReadFull(c.Conn, head)
		head = head[:n]
		if bytes.Equal(head, []byte("ICY ")) {
			head = []byte("HTTP/1.0 ")
		}
		c.pending = head
		if err != nil && n == 0 {
			return 0, err
		}
	}
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
