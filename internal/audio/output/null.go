package output

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
)

// nullLead is how far a null output lets the writer run ahead of the clock.
const nullLead = 100 * time.Millisecond

// Null discards samples at real-time pace, so that playback, positions and
// events behave as with a sound card.
type Null struct {
	pacer  *pacer
	closed atomic.Bool
}

// NewNull returns a null output.
func NewNull() *Null { return &Null{} }

// Name implements Output.
func (n *Null) Name() string { return string(KindNull) }

// Open implements Output.
func (n *Null) Open(_ context.Context, f audio.Format) error {
	if err := checkFormat(f); err != nil {
		return err
	}
	n.pacer = newPacer(f.SampleRate, nullLead)
	return nil
}

// Write implements Output.
func (n *Null) Write(ctx context.Context, samples []float32) error {
	if n.closed.Load() {
		return ErrClosed
	}
	return n.pacer.wait(ctx, len(samples)/2)
}

// Pause implements Output.
func (n *Null) Pause() error { n.pacer.pause(); return nil }

// Resume implements Output.
func (n *Null) Resume() error { n.pacer.resume(); return nil }

// Flush implements Output.
func (n *Null) Flush() error { n.pacer.reset(); return nil }

// Drain implements Output.
func (n *Null) Drain(ctx context.Context) error { return sleepCtx(ctx, n.pacer.delay()) }

// Delay implements Output.
func (n *Null) Delay() time.Duration { return n.pacer.delay() }

// Close implements Output.
func (n *Null) Close() error { n.closed.Store(true); return nil }
