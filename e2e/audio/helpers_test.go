// Package audio_test plays generated tones through the player and real
// outputs (a private PulseAudio with null sinks, snapserver and snapclient,
// the HTTP stream decoded by ffmpeg, a pipe to sox) and checks what was
// heard: length, frequency, gaps, level.
package audio_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/audio/player"
	"github.com/tonearm/tonearm/internal/sandbox"
	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

// TestMain lets the binary serve as the sandboxed child that the decoders'
// flac and ffmpeg fallbacks start, and raises the tests' priority.
func TestMain(m *testing.M) {
	sandbox.RunChildIfRequested()
	if err := raisePriority(playbackNice); err != nil {
		fmt.Fprintf(os.Stderr, "e2e/audio: playback runs at the inherited priority, so other jobs may starve it: %v\n", err)
	}
	os.Exit(m.Run())
}

// playbackNice is the nice level that PulseAudio 16.1 gives its own main
// thread when it may (daemon.conf nice-level).
const playbackNice = -11

// raisePriority sets every thread of the process to nice level nice, so
// that the player under test keeps real time while other jobs load the
// machine. Threads and child processes started later inherit the level.
// Lowering the level needs root or CAP_SYS_NICE.
func raisePriority(nice int) error {
	// Linux applies the level per thread, and a thread started while the
	// loop runs inherits its creator's level, so the loop repeats until
	// every thread has the new one.
	for range 5 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		changed := false
		for _, task := range tasks {
			tid, err := strconv.Atoi(task.Name())
			if err != nil {
				continue
			}
			// getpriority(2) returns 20 minus the nice level.
			current, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid)
			if err != nil || 20-current == nice {
				continue
			}
			if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, nice); err != nil {
				return fmt.Errorf("set nice level %d on thread %d: %w", nice, tid, err)
			}
			changed = true
		}
		if !changed {
			return nil
		}
	}
	return nil
}

// silence is the level, as a fraction of full scale, at or below which a
// recorded sample counts as silent. The tones are at 0.5.
const silence = 0.01

// testLogger logs to the test's output at debug level.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(string(b[:len(b)-1]))
	return len(b), nil
}

// requireTool fails the test when name is missing, naming its package.
func requireTool(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: install the Debian package %s: %v", name, pkg, err)
	}
}

// tone generates one 48 kHz FLAC tone and returns its path.
func tone(t *testing.T, name string, freq, seconds float64) string {
	t.Helper()
	dir := t.TempDir()
	spec := fixtures.Spec{Path: name + ".flac", Format: fixtures.FormatFLAC, Seconds: seconds, Frequency: freq, SampleRate: 48000}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := fixtures.Generate(ctx, dir, []fixtures.Spec{spec}); err != nil {
		t.Fatalf("generate %s: %v", name, err)
	}
	return filepath.Join(dir, spec.Path)
}

// steps writes a 48 kHz stereo 16-bit WAV whose sine frequency changes
// every stepSeconds, through freqs, and returns its path.
func steps(t *testing.T, freqs []float64, stepSeconds float64) string {
	t.Helper()
	const rate = 48000
	perStep := int(stepSeconds * rate)
	data := make([]byte, 0, perStep*len(freqs)*4)
	phase := 0.0
	for _, f := range freqs {
		for range perStep {
			v := int16(math.Round(0.5 * 32767 * math.Sin(phase)))
			phase += 2 * math.Pi * f / rate
			data = binary.LittleEndian.AppendUint16(data, uint16(v))
			data = binary.LittleEndian.AppendUint16(data, uint16(v))
		}
	}

	var h []byte
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(36+len(data)))
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1)
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint32(h, rate)
	h = binary.LittleEndian.AppendUint32(h, rate*4)
	h = binary.LittleEndian.AppendUint16(h, 4)
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(data)))
	path := filepath.Join(t.TempDir(), "steps.wav")
	if err := os.WriteFile(path, append(h, data...), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// fileSource returns a source that opens path.
func fileSource(path string) audio.Source {
	return audio.Source{
		URI:    "file://" + path,
		Format: filepath.Ext(path)[1:],
		Open: func(context.Context, func(string)) (io.ReadCloser, error) {
			return os.Open(path)
		},
	}
}

// newPlayer returns a player on outs, closed when the test ends.
func newPlayer(t *testing.T, outs ...output.Output) *player.Player {
	t.Helper()
	p, err := player.New(player.Options{Outputs: outs, Logger: testLogger(t), AboutToFinish: time.Second})
	if err != nil {
		t.Fatalf("player.New: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close player: %v", err)
		}
	})
	return p
}

// playQueue plays paths back to back, calling SetNext with the next path
// on each EventAboutToFinish, and returns when the player reports the end of the
// stream. It fails the test on EventError.
func playQueue(t *testing.T, p *player.Player, paths ...string) []audio.Event {
	t.Helper()
	if err := p.Play(context.Background(), fileSource(paths[0]), 0); err != nil {
		t.Fatalf("play: %v", err)
	}
	rest := paths[1:]
	var events []audio.Event
	timeout := time.After(60 * time.Second)
	for {
		select {
		case ev := <-p.Events():
			events = append(events, ev)
			switch ev.Type {
			case audio.EventAboutToFinish:
				if len(rest) == 0 {
					p.SetNext(nil)
					continue
				}
				next := fileSource(rest[0])
				rest = rest[1:]
				p.SetNext(&next)
			case audio.EventError:
				t.Fatalf("player error on %s: %v", ev.URI, ev.Err)
			case audio.EventEndOfStream:
				return events
			}
		case <-timeout:
			t.Fatalf("no end of stream within 60 s; events: %+v", events)
		}
	}
}

// waitEvent returns the next event of type want, skipping others.
func waitEvent(t *testing.T, p *player.Player, want audio.EventType) audio.Event {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-p.Events():
			if ev.Type == audio.EventError {
				t.Fatalf("player error on %s: %v", ev.URI, ev.Err)
			}
			if ev.Type == want {
				return ev
			}
		case <-timeout:
			t.Fatalf("no event of type %d within 30 s", want)
		}
	}
}

func within(got, want, tolerance float64) bool {
	return math.Abs(got-want) <= tolerance
}
