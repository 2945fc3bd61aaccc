package pulsetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
)

// RecordFormat is the format of every recording: the null sinks' own, so
// the monitor is read without resampling.
var RecordFormat = audio.Format{SampleRate: 48000, Channels: 2}

// recordLatency is parec's buffer size. Stop waits until the recording
// reaches this far past the moment of the call.
const recordLatency = 50 * time.Millisecond

// Recorder records the monitor of one sink with parec.
type Recorder struct {
	t      testing.TB
	proc   *process
	mu     sync.Mutex
	pcm    bytes.Buffer
	stderr bytes.Buffer
	start  time.Time // Recording.Start of the frames written so far
}

// StartRecording starts recording the monitor of sink on the server at
// addr and returns once the recording stream is connected, so nothing
// played after it returns is missed. A recorder not stopped with Stop is
// stopped when the test ends.
func StartRecording(t testing.TB, addr, sink string) *Recorder {
	t.Helper()
	requireTool(t, "parec")
	requireTool(t, "pactl")
	var id [6]byte
	if _, err := rand.Read(id[:]); err != nil {
		t.Fatalf("make stream name: %v", err)
	}
	stream := "pulsetest-record-" + hex.EncodeToString(id[:])

	r := &Recorder{t: t}
	cmd := exec.Command("parec", "--server", addr, "--device", sink+".monitor",
		"--stream-name", stream, "--raw", "--format=float32le",
		fmt.Sprintf("--rate=%d", RecordFormat.SampleRate),
		fmt.Sprintf("--channels=%d", RecordFormat.Channels),
		fmt.Sprintf("--latency-msec=%d", recordLatency.Milliseconds()))
	// exec copies the output into r, and Wait returns once all is copied.
	cmd.Stdout = r
	cmd.Stderr = &r.stderr
	var err error
	r.proc, err = start(cmd)
	if err != nil {
		t.Fatalf("start parec: %v", err)
	}
	t.Cleanup(func() {
		if !r.proc.exited() {
			_ = r.proc.stop(t, syscall.SIGINT)
		}
	})

	if err := waitForStream(addr, stream, r.proc); err != nil {
		_ = r.proc.stop(t, syscall.SIGINT)
		t.Fatalf("record %s.monitor: %v: %s", sink, err, strings.TrimSpace(r.stderr.String()))
	}
	return r
}

// Write appends parec's output to the recording.
func (r *Recorder) Write(p []byte) (int, error) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	n, err := r.pcm.Write(p)
	start := now.Add(-framesDuration(r.pcm.Len() / (4 * RecordFormat.Channels)))
	if r.start.IsZero() || start.Before(r.start) {
		r.start = start
	}
	return n, err
}

// waitForStream polls the server until a source output named stream
// exists, which is when parec starts receiving the monitor.
func waitForStream(addr, stream string, proc *process) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		out, err := pactl(ctx, addr, "list", "source-outputs")
		cancel()
		if err == nil && strings.Contains(out, `"`+stream+`"`) {
			return nil
		}
		if proc.exited() {
			return fmt.Errorf("parec exited: %v", proc.err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("stream %s did not appear within 10 s (last pactl error: %v)", stream, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop waits until parec has delivered the monitor up to the moment of the
// call, ends the recording and returns it.
func (r *Recorder) Stop() *Recording {
	r.t.Helper()
	if err := r.waitDelivered(time.Now().Add(recordLatency), 10*time.Second); err != nil {
		r.t.Fatalf("stop recording: %v", err)
	}
	if err := r.proc.stop(r.t, syscall.SIGINT); err != nil && !isSignalExit(err) {
		r.t.Fatalf("parec failed: %v: %s", err, strings.TrimSpace(r.stderr.String()))
	}
	return r.Recorded()
}

// waitDelivered polls until the recording reaches wall time until, as
// mapped by Start, and fails after timeout.
func (r *Recorder) waitDelivered(until time.Time, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		start, frames := r.start, r.pcm.Len()/(4*RecordFormat.Channels)
		r.mu.Unlock()
		reached := start.Add(framesDuration(frames))
		if !start.IsZero() && !reached.Before(until) {
			return nil
		}
		if r.proc.exited() {
			return fmt.Errorf("parec exited: %v: %s", r.proc.err, strings.TrimSpace(r.stderr.String()))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("parec's recording still ends %v before the requested time after %v", until.Sub(reached), timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Recorded returns a copy of what has been recorded so far, and the
// whole recording once Stop has returned.
func (r *Recorder) Recorded() *Recording {
	r.mu.Lock()
	defer r.mu.Unlock()
	data := r.pcm.Bytes()
	frameBytes := 4 * RecordFormat.Channels
	samples := make([]float32, len(data)/frameBytes*RecordFormat.Channels)
	for i := range samples {
		samples[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return &Recording{Format: RecordFormat, Samples: samples, Start: r.start}
}

// framesDuration returns the length of frames frames in RecordFormat.
func framesDuration(frames int) time.Duration {
	return time.Duration(frames) * time.Second / time.Duration(RecordFormat.SampleRate)
}

// isSignalExit reports whether err is a process exit caused by a signal,
// which is how Stop ends parec.
func isSignalExit(err error) bool {
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return false
	}
	status, ok := exitErr.Sys().(syscall.WaitStatus)
	return ok && status.Signaled()
}

// Record records sink for d and returns the recording.
func Record(t testing.TB, addr, sink string, d time.Duration) *Recording {
	t.Helper()
	r := StartRecording(t, addr, sink)
	time.Sleep(d)
	return r.Stop()
}

// Play plays the audio file at path to sink with paplay and returns when
// it has been played to the end.
func Play(ctx context.Context, addr, sink, path string) error {
	if _, err := exec.LookPath("paplay"); err != nil {
		return fmt.Errorf("paplay not found: install the Debian package pulseaudio-utils: %w", err)
	}
	cmd := exec.CommandContext(ctx, "paplay", "--server", addr, "--device", sink, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("paplay %s to %s: %w: %s", path, sink, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}
