package output

import (
	"context"
	"encoding/binary"
	"math"
	"sync"
	"time"
)

// appendS16LE appends samples as signed 16-bit little-endian PCM, clipping
// values outside [-1, 1].
func appendS16LE(dst []byte, samples []float32) []byte {
	for _, s := range samples {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(toInt16(s)))
	}
	return dst
}

func toInt16(s float32) int16 {
	v := math.Round(float64(s) * 32767)
	return int16(min(max(v, -32768), 32767))
}

// appendF32LE appends samples as float32 little-endian PCM.
func appendF32LE(dst []byte, samples []float32) []byte {
	for _, s := range samples {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(s))
	}
	return dst
}

// pacer keeps a writer at real-time speed: wait returns once the frames
// written so far are no more than lead ahead of the wall clock. It serves
// outputs whose consumer gives no backpressure of its own.
type pacer struct {
	rate int
	lead time.Duration

	mu       sync.Mutex
	start    time.Time // wall time of frame 0
	frames   int64     // frames accepted since start
	paused   bool
	pausedAt time.Time
}

func newPacer(rate int, lead time.Duration) *pacer {
	return &pacer{rate: rate, lead: lead}
}

// wait blocks until n more frames may be written, then counts them.
func (p *pacer) wait(ctx context.Context, n int) error {
	for {
		p.mu.Lock()
		now := time.Now()
		if p.start.IsZero() {
			p.start = now
		}
		if p.paused {
			p.mu.Unlock()
			if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
				return err
			}
			continue
		}
		ahead := p.durationOf(p.frames) - now.Sub(p.start)
		if ahead < 0 {
			// The writer fell behind (an underrun): restart the clock so
			// the next frames are not sent in a burst.
			p.start = now.Add(-p.durationOf(p.frames))
			ahead = 0
		}
		if ahead <= p.lead {
			p.frames += int64(n)
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		if err := sleepCtx(ctx, ahead-p.lead); err != nil {
			return err
		}
	}
}

func (p *pacer) durationOf(frames int64) time.Duration {
	return time.Duration(frames) * time.Second / time.Duration(p.rate)
}

// delay returns how far the frames written run ahead of the clock.
func (p *pacer) delay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.start.IsZero() {
		return 0
	}
	now := time.Now()
	if p.paused {
		now = p.pausedAt
	}
	return max(p.durationOf(p.frames)-now.Sub(p.start), 0)
}

func (p *pacer) pause() {
	p.mu.Lock()
	if !p.paused {
		p.paused, p.pausedAt = true, time.Now()
	}
	p.mu.Unlock()
}

func (p *pacer) resume() {
	p.mu.Lock()
	if p.paused {
		p.paused = false
		if !p.start.IsZero() {
			p.start = p.start.Add(time.Since(p.pausedAt))
		}
	}
	p.mu.Unlock()
}

// reset forgets the frames written, as after a flush.
func (p *pacer) reset() {
	p.mu.Lock()
	p.start, p.frames = time.Time{}, 0
	if p.paused {
		p.pausedAt = time.Now()
	}
	p.mu.Unlock()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
