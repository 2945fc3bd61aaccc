package audio_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/testutil/pulsetest"
)

// smallBufferListener shrinks each accepted connection's send buffer, so
// that a listener that stops reading fills it in a moment.
type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// capture reads url into the file at path until ctx ends, then sends path
// on done, or "" on failure.
func capture(t *testing.T, ctx context.Context, url, path string, done chan<- string) {
	f, err := os.Create(path)
	if err != nil {
		t.Error(err)
		done <- ""
		return
	}
	defer f.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		done <- ""
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	_, _ = io.Copy(f, resp.Body)
	done <- path
}

// decodeFile decodes an audio file with ffmpeg to 48 kHz stereo float32.
func decodeFile(t *testing.T, path string) *pulsetest.Recording {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "f32le", "-ar", "48000", "-ac", "2", "-")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg decode %s: %v: %s", path, err, stderr.String())
	}
	samples := make([]float32, len(out)/4)
	for i := range samples {
		samples[i] = math.Float32frombits(binary.LittleEndian.Uint32(out[4*i:]))
	}
	return &pulsetest.Recording{Format: audio.Format{SampleRate: 48000, Channels: 2}, Samples: samples}
}

// soundLength returns the length of sound that ffmpeg decodes from the
// file at path so far, or 0 when it decodes nothing.
func soundLength(path string) time.Duration {
	out, err := exec.Command("ffmpeg", "-v", "quiet", "-i", path, "-f", "f32le", "-ar", "48000", "-ac", "2", "-").Output()
	if err != nil {
		return 0
	}
	samples := make([]float32, len(out)/4)
	for i := range samples {
		samples[i] = math.Float32frombits(binary.LittleEndian.Uint32(out[4*i:]))
	}
	r := &pulsetest.Recording{Format: audio.Format{SampleRate: 48000, Channels: 2}, Samples: samples}
	return r.TrimSilence(silence).Duration()
}

// probeCodec returns the codec name ffprobe finds in path.
func probeCodec(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	return strings.TrimSpace(string(out))
}

func TestHTTPStreamListeners(t *testing.T) {
	requireTool(t, "ffmpeg", "ffmpeg")
	requireTool(t, "ffprobe", "ffmpeg")
	path := tone(t, "a1000", 1000, 4)
	stream := output.NewHTTPStream(output.HTTPOptions{QueueTime: 500 * time.Millisecond, WriteTimeout: 30 * time.Second}, testLogger(t))
	p := newPlayer(t, stream)

	srv := httptest.NewUnstartedServer(stream)
	srv.Listener = smallBufferListener{srv.Listener}
	// The server's write timeout, which bounds other responses, is shorter
	// than the 4 s stream: the stream moves its write deadline before
	// each write and must outlive it.
	srv.Config.WriteTimeout = time.Second
	srv.Start()
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opusDone := make(chan string, 1)
	flacDone := make(chan string, 1)
	captures := []string{filepath.Join(t.TempDir(), "live.opus"), filepath.Join(t.TempDir(), "live.flac")}
	go capture(t, ctx, srv.URL+"/stream.opus", captures[0], opusDone)
	go capture(t, ctx, srv.URL+"/stream.flac", captures[1], flacDone)

	// The slow listener requests FLAC through Accept and never reads.
	dialer := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048)
		})
	}}
	slowClient := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/stream", nil)
	req.Header.Set("Accept", "audio/flac")
	slow, err := slowClient.Do(req)
	if err != nil {
		t.Fatalf("slow listener: %v", err)
	}
	defer slow.Body.Close()
	if ct := slow.Header.Get("Content-Type"); ct != "audio/flac" {
		t.Errorf("Content-Type for Accept: audio/flac = %q", ct)
	}

	deadline := time.Now().Add(30 * time.Second)
	for stream.Listeners() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := stream.Listeners(); n != 3 {
		t.Fatalf("%d listeners connected, want 3", n)
	}
	playQueue(t, p, path)
	if n := stream.Listeners(); n != 2 {
		t.Errorf("%d listeners at the end, want 2 after the slow one is dropped", n)
	}
	// Playback ends when the last samples are queued, and the listeners
	// receive them later. Cancelling earlier would cut the captures.
	for _, path := range captures {
		deadline := time.Now().Add(30 * time.Second)
		for soundLength(path) < 3900*time.Millisecond && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
	}
	cancel()
	opusPath, flacPath := <-opusDone, <-flacDone
	if opusPath == "" || flacPath == "" {
		t.FailNow()
	}

	for _, c := range []struct{ path, codec string }{{opusPath, "opus"}, {flacPath, "flac"}} {
		if got := probeCodec(t, c.path); got != c.codec {
			t.Errorf("ffprobe codec of %s = %q, want %q", filepath.Base(c.path), got, c.codec)
		}
		sound := decodeFile(t, c.path).TrimSilence(silence)
		if d := sound.Duration(); d < 3900*time.Millisecond || d > 4100*time.Millisecond {
			t.Errorf("%s: %v of a 4 s tone", c.codec, d)
		}
		if f := sound.Frequency(); !within(f, 1000, 3) {
			t.Errorf("%s: %.1f Hz, want 1000", c.codec, f)
		}
	}
}

func TestHTTPStreamListenerCap(t *testing.T) {
	stream := output.NewHTTPStream(output.HTTPOptions{MaxListeners: 1}, testLogger(t))
	newPlayer(t, stream)
	srv := httptest.NewServer(stream)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/stream.opus", nil)
	first, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Body.Close()
	second, err := http.Get(srv.URL + "/stream.flac")
	if err != nil {
		t.Fatal(err)
	}
	second.Body.Close()
	if second.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("second listener over a cap of 1: status %d, want 503", second.StatusCode)
	}
	bad, err := http.Get(srv.URL + "/stream.mp3")
	if err != nil {
		t.Fatal(err)
	}
	bad.Body.Close()
	if bad.StatusCode != http.StatusNotFound {
		t.Errorf("/stream.mp3: status %d, want 404", bad.StatusCode)
	}
}
