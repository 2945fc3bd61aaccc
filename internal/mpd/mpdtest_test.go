package mpd_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/memcore"
)

// testLibrary is a small library with a folder tree, multi-valued tags and
// a song without tags.
func testLibrary() []models.Track {
	artistA := models.Artist{Name: "Artist A"}
	artistB := models.Artist{Name: "Artist B"}
	albumX := &models.Album{Name: "Album X", Artists: []models.Artist{artistA}, Date: "2001"}
	albumY := &models.Album{Name: "Album Y", Artists: []models.Artist{artistB}, Date: "1999"}
	mod := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli()
	return []models.Track{
		{URI: "local:track:A/X/01%20One.mp3", Name: "One", Artists: []models.Artist{artistA}, Album: albumX, TrackNo: 1, Date: "2001", Genre: "Rock", Length: 3000, LastModified: mod},
		{URI: "local:track:A/X/02%20Two.mp3", Name: "Two", Artists: []models.Artist{artistA, artistB}, Album: albumX, TrackNo: 2, Date: "2001", Genre: "Rock", Length: 4500, LastModified: mod},
		{URI: "local:track:B/Y/01%20Three.flac", Name: "Three", Artists: []models.Artist{artistB}, Album: albumY, TrackNo: 1, DiscNo: 1, Date: "1999", Genre: "Jazz", Length: 61000, LastModified: mod},
		{URI: "local:track:loose.wav", Length: 1000, LastModified: mod},
	}
}

type testServer struct {
	addr   string
	socket string
	core   *memcore.Core
	cancel context.CancelFunc
	done   chan error
}

// startServer runs a frontend over memcore on 127.0.0.1 port 0 and a Unix
// socket in a temporary folder.
func startServer(t testing.TB, cfg mpd.Config) *testServer {
	t.Helper()
	core := memcore.New(testLibrary())
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.Address = "-"
	srv, err := mpd.New(cfg, func(mpd.Principal) mpd.Core { return core }, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("mpd.New: %v", err)
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	sock := filepath.Join(shortTempDir(t), "mpd.sock")
	unix, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatalf("listen on socket: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{addr: tcp.Addr().String(), socket: sock, core: core, cancel: cancel, done: make(chan error, 1)}
	go func() {
		ts.done <- srv.Serve(ctx, mpd.Listener{Listener: tcp}, mpd.Listener{Listener: unix, Local: true})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-ts.done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not stop within 10 s")
		}
	})
	return ts
}

// shortTempDir returns a temporary folder with a short path, because a
// Unix socket path must fit in 108 bytes.
func shortTempDir(t testing.TB) string {
	dir, err := os.MkdirTemp("", "mpd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// client is a raw protocol client.
type client struct {
	t  testing.TB
	nc net.Conn
	r  *bufio.Reader
}

func dial(t testing.TB, network, addr string) *client {
	t.Helper()
	nc, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &client{t: t, nc: nc, r: bufio.NewReader(nc)}
	if g := c.line(); g != "OK MPD "+mpd.Version {
		t.Fatalf("greeting = %q", g)
	}
	return c
}

func (c *client) line() string {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (got %q)", err, l)
	}
	return strings.TrimSuffix(l, "\n")
}

func (c *client) send(line string) {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.nc, "%s\n", line); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// cmd sends one line and returns the reply lines up to and including OK or
// ACK.
func (c *client) cmd(line string) []string {
	c.t.Helper()
	c.send(line)
	return c.reply()
}

func (c *client) reply() []string {
	c.t.Helper()
	var out []string
	for {
		l := c.line()
		out = append(out, l)
		if l == "OK" || strings.HasPrefix(l, "ACK ") {
			return out
		}
	}
}

// closed reports whether the server closed the connection.
func (c *client) closed() bool {
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.r.ReadByte()
	return err != nil
}
