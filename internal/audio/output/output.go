// Package output holds the places the player sends PCM to: a PulseAudio (or
// PipeWire) server, a live HTTP stream, a Snapcast feed, a command's stdin
// and a null sink. Each one implements Output, and Parse and Build turn the
// `[audio] output` setting into a list of them.
//
// All outputs take interleaved float32 samples in [-1, 1] at one format
// that the player fixes for its lifetime (48000 Hz stereo, see the player
// package).
package output

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
)

// Output is one destination of the PCM stream. The player calls Open once,
// then Write from one goroutine; Pause, Resume, Flush, Delay and Close may be
// called from other goroutines.
type Output interface {
	// Name returns the output as the `[audio] output` setting names it, for
	// logs and the outputs listing.
	Name() string
	// Open prepares the output for samples in format f.
	Open(ctx context.Context, f audio.Format) error
	// Write queues interleaved samples. It blocks while the output's buffer
	// is full, which paces the player at the speed the sound is consumed,
	// and returns early with ctx's error when ctx ends. An output whose
	// device went away drops the samples at real-time pace and reconnects
	// in the background, so Write fails only for a closed output or ctx.
	Write(ctx context.Context, samples []float32) error
	// Pause stops the sound as soon as the device allows, keeping what is
	// buffered. Resume continues it.
	Pause() error
	Resume() error
	// Flush drops the buffered samples that were not heard yet.
	Flush() error
	// Drain waits until the buffered samples were heard, or ctx ends.
	Drain(ctx context.Context) error
	// Delay returns how long the samples written so far take before the
	// last of them is heard: the output's buffer plus the device latency,
	// as well as the output can tell.
	Delay() time.Duration
	Close() error
}

// ErrClosed is returned by Write on a closed output.
var ErrClosed = errors.New("output: closed")

// checkFormat rejects formats that no output here supports.
func checkFormat(f audio.Format) error {
	if f.Channels != 2 || f.SampleRate < 8000 || f.SampleRate > 192000 {
		return fmt.Errorf("output: unsupported format %d Hz, %d channels: the player sends stereo at 8000 to 192000 Hz", f.SampleRate, f.Channels)
	}
	return nil
}
