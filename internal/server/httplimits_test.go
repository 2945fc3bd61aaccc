package server_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

// keepAliveRequest opens a connection to the HTTP port, sends one
// keep-alive request on it and returns the connection with the response
// read, or the error of the first step that failed.
func keepAliveRequest(t *testing.T, port int) (net.Conn, error) {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := fmt.Fprint(conn, "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return conn, nil
}

func TestHTTPConnectionsCappedPerAddress(t *testing.T) {
	in := newInstance(t, "max_connections_per_address = 2")
	in.start()

	// start waits for the MPD port only, so wait until HTTP responds too.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := keepAliveRequest(t, in.httpPort)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HTTP did not respond within 20 s: %v\n%s", err, in.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The connection above stays open, so one more fills the cap of 2.
	if _, err := keepAliveRequest(t, in.httpPort); err != nil {
		t.Fatalf("second connection: %v", err)
	}
	if _, err := keepAliveRequest(t, in.httpPort); err == nil {
		t.Error("third connection from the same address got a response, want it closed")
	}
	in.stop()
}
