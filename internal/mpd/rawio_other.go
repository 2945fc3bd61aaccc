//go:build !linux

package mpd

import (
	"io"
	"net"
)

// socketIO returns nc as the reader and writer of a connection. The Linux
// build reads and writes sockets with raw system calls instead.
func socketIO(nc net.Conn) (io.Reader, io.Writer) { return nc, nc }
