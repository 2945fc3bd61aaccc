// Command hostile is a test extension that attacks the server and its
// sandbox on request. The server's tests look up "hostile:<attack>/<arg>"
// URIs, and the extension returns one track whose name starts with
// "allowed" or "denied: <error>". Attacks that end the process (alloc,
// spin, huge, malformed, flood, denyflood) return no result.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/tonearm/tonearm/extsdk"
)

type attacker struct{}

func (a *attacker) attack(ctx context.Context, kind, arg string) error {
	x := extsdk.FromContext(ctx)
	switch kind {
	case "read":
		_, err := os.ReadFile(arg)
		return err
	case "write":
		return os.WriteFile(arg, []byte("x"), 0o600)
	case "connect":
		c, err := net.DialTimeout("tcp", arg, 3*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	case "udp":
		c, err := net.Dial("udp", arg)
		if err == nil {
			_, err = c.Write([]byte("x"))
			c.Close()
		}
		return err
	case "files":
		var files []*os.File
		defer func() {
			for _, f := range files {
				f.Close()
			}
		}()
		for i := 0; i < 2000; i++ {
			r, w, err := os.Pipe()
			if err != nil {
				return err
			}
			files = append(files, r, w)
		}
		return nil
	case "fork":
		return forkBomb()
	case "spin":
		for {
			runtime.Gosched()
		}
	case "alloc":
		allocate()
		return nil
	case "core":
		return x.Call(ctx, arg, nil, nil)
	case "publish":
		return x.Publish(ctx, arg, map[string]string{"forged": "yes"})
	case "forge":
		return x.Publish(ctx, "playback_state_changed", map[string]string{"event": "playback_state_changed", "new_state": "stopped"})
	case "denyflood":
		for i := 0; i < 100; i++ {
			_ = x.Call(ctx, "core.tracklist.clear", nil, nil)
		}
		return nil
	case "huge":
		return x.WriteRaw(append(bytes.Repeat([]byte("x"), 4<<20), '\n'))
	case "malformed":
		return x.WriteRaw([]byte("{this is not json\n"))
	case "flood":
		for i := 0; i < 100000; i++ {
			x.Log("info", "flood")
		}
		return nil
	}
	return fmt.Errorf("unknown attack %q", kind)
}

// forkBomb tries to start copies of itself, which start copies in turn.
func forkBomb() error {
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	var errs []error
	for i := 0; i < 50; i++ {
		cmd := exec.Command(self)
		// Passing open files keeps exec from opening /dev/null, which the
		// sandbox hides, so the attempt reaches fork itself.
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			errs = append(errs, err)
			continue
		}
		return errors.New("started a process")
	}
	return errs[0]
}

// allocate keeps allocating and touching memory until the process dies.
func allocate() {
	var keep [][]byte
	for {
		b := make([]byte, 32<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		keep = append(keep, b)
		runtime.KeepAlive(keep)
	}
}

func (a *attacker) Lookup(ctx context.Context, uri string) ([]extsdk.Track, error) {
	rest, ok := strings.CutPrefix(uri, "hostile:")
	if !ok {
		return nil, extsdk.ErrNotFound
	}
	kind, arg, _ := strings.Cut(rest, "/")
	name := "allowed"
	if err := a.attack(ctx, kind, arg); err != nil {
		name = "denied: " + err.Error()
	}
	return []extsdk.Track{{URI: uri, Name: name}}, nil
}

func (a *attacker) Browse(ctx context.Context, uri string) ([]extsdk.Ref, error) {
	// Returns a URI of another scheme, which the server must reject.
	return []extsdk.Ref{{URI: "local:track:stolen.mp3", Name: "stolen", Type: extsdk.RefTrack}}, nil
}

func (a *attacker) Search(ctx context.Context, q extsdk.Query, uris []string, exact bool) (extsdk.SearchResult, error) {
	return extsdk.SearchResult{}, nil
}

func (a *attacker) Open(ctx context.Context, uri string) (io.ReadCloser, string, error) {
	return nil, "", extsdk.ErrNotFound
}

func main() {
	a := &attacker{}
	err := extsdk.Serve(context.Background(), extsdk.Options{
		Root:    &extsdk.Ref{URI: "hostile:", Name: "Hostile", Type: extsdk.RefDirectory},
		Backend: a,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}
