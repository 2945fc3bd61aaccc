package player

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/mixer"
)

const (
	// chunkFrames is the frames decoded and written per step: 42.7 ms. A
	// command waits at most one step plus the output's write.
	chunkFrames = 2048
	// awaitNextTime is how long the player waits at the end of a source
	// for SetNext before it ends the stream.
	awaitNextTime = 2 * time.Second
	// idleTick is how often an idle player checks for due events.
	idleTick = 20 * time.Millisecond
	// earlyEndSlack is how much shorter than its stated length a source
	// may end without a warning, because lengths from headers are
	// estimates for some formats.
	earlyEndSlack = time.Second
	// maxEmptyReads bounds reads that return no frames and no error.
	maxEmptyReads = 100
)

// track is an opened source.
type track struct {
	src    audio.Source
	stream audio.Stream // at Format
	// format and encoding are the decoded source's, before conversion to
	// Format, for EventStarted.
	format   audio.Format
	encoding audio.Encoding
	cancel   context.CancelFunc
	gain     float64 // ReplayGain factor
	frames   int64   // length in output frames, or -1
	pos      int64   // next frame to read, in output frames
	eof      bool    // the stream has ended
	about    bool    // EventAboutToFinish was sent
}

// startedEvent returns the EventStarted of t at position start.
func (t *track) startedEvent(start time.Duration) audio.Event {
	return audio.Event{Type: audio.EventStarted, URI: t.src.URI, Position: start, Format: t.format, Encoding: t.encoding}
}

func (t *track) close() {
	if err := t.stream.Close(); err != nil {
		slog.Debug("closing stream failed", "uri", t.src.URI, "err", err)
	}
	t.cancel()
}

// pendingEvent is an event to send once output frame at is heard.
type pendingEvent struct {
	at int64
	ev audio.Event
}

// engine is the state the player's goroutine owns.
type engine struct {
	p     *Player
	log   *slog.Logger
	ramp  *mixer.Ramp
	curve mixer.Curve

	volume int
	mute   bool

	cur       *track
	next      *track
	nextKnown bool // SetNext was called for the current track
	awaitTill time.Time
	paused    bool
	drainDone chan error // non-nil while the outputs drain at the end

	pending []pendingEvent
	buf     []float32
	written int64
}

func newEngine(p *Player, volume int) *engine {
	e := &engine{
		p:      p,
		log:    p.log,
		curve:  p.opts.VolumeCurve,
		volume: min(max(volume, 0), 100),
		buf:    make([]float32, chunkFrames*Format.Channels),
	}
	e.ramp = mixer.NewRamp(e.curve.Gain(e.volume, false), Format.SampleRate)
	return e
}

// active reports whether the next step has samples to write.
func (e *engine) active() bool {
	return e.cur != nil && !e.paused && !e.cur.eof && e.drainDone == nil
}

func (e *engine) run() {
	defer e.shutdown()
	ticker := time.NewTicker(idleTick)
	defer ticker.Stop()
	for {
		if e.active() {
			select {
			case cmd := <-e.p.cmds:
				cmd(e)
				continue
			case <-e.p.ctx.Done():
				return
			default:
			}
			e.step()
			continue
		}
		select {
		case cmd := <-e.p.cmds:
			cmd(e)
		case <-e.p.ctx.Done():
			return
		case err := <-e.drainDone:
			e.endOfStream(err)
		case <-ticker.C:
			e.emitDue()
			if e.cur != nil && e.cur.eof && e.drainDone == nil && !e.awaitTill.IsZero() && time.Now().After(e.awaitTill) {
				e.log.Info("no next source given in time, ending", "uri", e.cur.src.URI, "waited", awaitNextTime)
				e.nextKnown = true
				e.advance()
			}
		}
	}
}

func (e *engine) shutdown() {
	e.closeTracks()
}

// step decodes one chunk, crossing into the next source when the current
// one ends, and writes it to the outputs.
func (e *engine) step() {
	frames := 0
	empty := 0
	for frames < chunkFrames && e.active() {
		t := e.cur
		part := e.buf[frames*2 : chunkFrames*2]
		n, err := t.stream.Read(part)
		got := n / 2
		if got > 0 {
			e.ramp.SetTarget(t.gain * e.curve.Gain(e.volume, e.mute))
			e.ramp.Apply(part[:got*2], 2)
			t.pos += int64(got)
			frames += got
			empty = 0
		}
		switch {
		case err == nil && got == 0:
			empty++
			if empty < maxEmptyReads {
				continue
			}
			err = fmt.Errorf("decoder returned no samples %d times", maxEmptyReads)
			fallthrough
		case err != nil && !errors.Is(err, io.EOF):
			e.log.Error("decoding failed, ending the source", "uri", t.src.URI, "err", err)
			e.p.emit(audio.Event{Type: audio.EventError, URI: t.src.URI, Err: fmt.Errorf("player: decode %q: %w", t.src.URI, err), Position: durationOf(t.pos)})
			fallthrough
		case errors.Is(err, io.EOF):
			if t.frames > 0 && t.frames-t.pos > framesOf(earlyEndSlack) {
				e.log.Warn("source ended before its length, the file may be truncated", "uri", t.src.URI,
					"position", durationOf(t.pos), "length", durationOf(t.frames))
			}
			t.eof = true
			e.checkAboutToFinish()
			e.advanceAt(e.written + int64(frames))
		}
	}
	if frames > 0 {
		e.write(e.buf[:frames*2])
	}
	e.emitDue()
	e.checkAboutToFinish()
}

// allOutputs returns the outputs and the silent one.
func (e *engine) allOutputs() []output.Output {
	return append(slices.Clip(e.p.outputs), e.p.silence)
}

// setOutputEnabled switches output i on or off and rebuilds the active
// list. A disabled output drops what it buffered. An enabled one pauses
// when playback is paused, so it does not start on its own.
func (e *engine) setOutputEnabled(i int, on bool) {
	out := e.p.outputs[i]
	e.p.mu.Lock()
	if e.p.enabled[i] == on {
		e.p.mu.Unlock()
		return
	}
	enabled := slices.Clone(e.p.enabled)
	enabled[i] = on
	var active []output.Output
	for j, o := range e.p.outputs {
		if enabled[j] {
			active = append(active, o)
		}
	}
	if len(active) == 0 {
		active = []output.Output{e.p.silence}
	}
	e.p.enabled, e.p.active = enabled, active
	e.p.mu.Unlock()

	var err error
	switch {
	case !on:
		err = out.Flush()
	case e.paused:
		err = out.Pause()
	}
	if err != nil {
		e.log.Warn("output switch failed", "output", out.Name(), "enabled", on, "err", err)
	}
	e.log.Info("output switched", "output", out.Name(), "index", i, "enabled", on)
}

// write sends samples to every enabled output and counts them.
func (e *engine) write(samples []float32) {
	for _, out := range e.p.activeOutputs() {
		if err := out.Write(e.p.ctx, samples); err != nil && e.p.ctx.Err() == nil {
			e.log.Error("output write failed", "output", out.Name(), "err", err)
		}
	}
	e.written += int64(len(samples) / 2)
	e.p.mu.Lock()
	e.p.written = e.written
	e.p.mu.Unlock()
}

// advance moves past an ended current source, as heard at the frames
// written so far.
func (e *engine) advance() { e.advanceAt(e.written) }

// advanceAt moves past the ended current source whose last frame is output
// frame at-1: to the prepared next source, to waiting for SetNext, or to
// draining the outputs.
func (e *engine) advanceAt(at int64) {
	cur := e.cur
	switch {
	case e.next != nil:
		next := e.next
		e.next, e.nextKnown, e.awaitTill = nil, false, time.Time{}
		e.pending = append(e.pending,
			pendingEvent{at, audio.Event{Type: audio.EventEnded, URI: cur.src.URI, Position: durationOf(cur.pos)}},
			pendingEvent{at, next.startedEvent(0)})
		e.addMark(mark{at: at, offset: 0, uri: next.src.URI}, next.src.Live)
		cur.close()
		e.cur = next
		e.log.Debug("gapless transition", "from", cur.src.URI, "to", next.src.URI, "frame", at)
	case !e.nextKnown:
		if e.awaitTill.IsZero() {
			e.awaitTill = time.Now().Add(awaitNextTime)
		}
	default:
		e.awaitTill = time.Time{}
		done := make(chan error, 1)
		e.drainDone = done
		outputs := e.p.activeOutputs()
		ctx := e.p.ctx
		go func() {
			var errs []error
			for _, out := range outputs {
				errs = append(errs, out.Drain(ctx))
			}
			done <- errors.Join(errs...)
		}()
	}
}

// endOfStream runs when the outputs drained after the last source.
func (e *engine) endOfStream(err error) {
	e.drainDone = nil
	if err != nil && e.p.ctx.Err() == nil {
		e.log.Warn("output drain failed", "err", err)
	}
	cur := e.cur
	e.emitAll()
	e.p.emit(audio.Event{Type: audio.EventEnded, URI: cur.src.URI, Position: durationOf(cur.pos)})
	e.p.emit(audio.Event{Type: audio.EventEndOfStream})
	e.closeTracks()
	e.setStopped()
}

func (e *engine) checkAboutToFinish() {
	t := e.cur
	if t == nil || t.about {
		return
	}
	near := t.frames >= 0 && !t.src.Live && t.frames-t.pos <= framesOf(e.p.opts.AboutToFinish)
	if near || t.eof {
		t.about = true
		e.p.emit(audio.Event{Type: audio.EventAboutToFinish, URI: t.src.URI, Position: durationOf(t.pos)})
	}
}

// emitDue sends the pending events whose frame is heard now, and drops the
// marks older than the one sounding.
func (e *engine) emitDue() {
	if len(e.pending) == 0 {
		return
	}
	heard := e.written - framesOf(e.p.outputDelay())
	i := 0
	for ; i < len(e.pending) && e.pending[i].at <= heard; i++ {
		e.p.emit(e.pending[i].ev)
	}
	e.pending = e.pending[i:]
	e.p.mu.Lock()
	for len(e.p.marks) > 1 && e.p.marks[1].at <= heard {
		e.p.marks = e.p.marks[1:]
	}
	e.p.mu.Unlock()
}

// emitAll sends every pending event at once.
func (e *engine) emitAll() {
	for _, pe := range e.pending {
		e.p.emit(pe.ev)
	}
	e.pending = nil
}

func (e *engine) addMark(m mark, live bool) {
	e.p.mu.Lock()
	e.p.marks = append(e.p.marks, m)
	e.p.playing = true
	e.p.live = live
	e.p.mu.Unlock()
}

func (e *engine) closeTracks() {
	if e.cur != nil {
		e.cur.close()
		e.cur = nil
	}
	if e.next != nil {
		e.next.close()
		e.next = nil
	}
	e.nextKnown, e.awaitTill = false, time.Time{}
}

func (e *engine) setStopped() {
	e.pending = nil
	e.p.mu.Lock()
	e.p.playing, e.p.live, e.p.marks = false, false, nil
	e.p.mu.Unlock()
}

func (e *engine) flushOutputs() {
	for _, out := range e.allOutputs() {
		if err := out.Flush(); err != nil {
			e.log.Warn("output flush failed", "output", out.Name(), "err", err)
		}
	}
}

// open opens src and converts it to Format. abortable registers the open
// so that Play and Stop can cancel it.
func (e *engine) open(src audio.Source, abortable bool) (*track, error) {
	ctx, cancel := context.WithCancel(e.p.ctx)
	if abortable {
		e.p.mu.Lock()
		e.p.openAbort = cancel
		e.p.mu.Unlock()
	}
	opts := e.p.opts.Decode
	uri := src.URI
	opts.OnTitle = func(title string) {
		e.p.emit(audio.Event{Type: audio.EventStreamTitle, URI: uri, Title: title})
	}

	s, err := e.p.opts.Open(ctx, src, opts)
	if abortable {
		e.p.mu.Lock()
		e.p.openAbort = nil
		e.p.mu.Unlock()
	}
	if err == nil && ctx.Err() != nil {
		_ = s.Close()
		err = ctx.Err()
	}
	if err != nil {
		cancel()
		return nil, err
	}

	format := s.Format()
	var encoding audio.Encoding
	if enc, ok := s.(audio.Encoded); ok {
		encoding = enc.Encoding()
	}
	s, err = convert(s, e.p.opts.Resample)
	if err != nil {
		cancel()
		return nil, err
	}
	return &track{
		src:      src,
		stream:   s,
		format:   format,
		encoding: encoding,
		cancel:   cancel,
		gain:     ReplayGainFactor(src.Gain, e.p.opts.ReplayGain, e.p.opts.ReplayGainPreamp),
		frames:   s.Frames(),
	}, nil
}

// convert wraps s so that it reads at Format.
func convert(s audio.Stream, resample Resampler) (audio.Stream, error) {
	f := s.Format()
	if f.Channels < 1 || f.SampleRate < 1 {
		_ = s.Close()
		return nil, fmt.Errorf("player: invalid stream format %d Hz, %d channels", f.SampleRate, f.Channels)
	}
	s = newStereo(s)
	if f.SampleRate == Format.SampleRate {
		return s, nil
	}
	r, err := resample(s, Format.SampleRate)
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("player: resample %d Hz to %d Hz: %w", f.SampleRate, Format.SampleRate, err)
	}
	return r, nil
}

func (e *engine) play(src audio.Source, start time.Duration) {
	e.closeTracks()
	e.drainDone = nil
	e.flushOutputs()
	e.setStopped()
	t, err := e.open(src, true)
	if errors.Is(err, context.Canceled) {
		e.log.Debug("opening cancelled", "uri", src.URI)
		return
	}
	if err != nil {
		e.log.Error("source unplayable", "uri", src.URI, "err", err)
		e.p.emit(audio.Event{Type: audio.EventError, URI: src.URI, Err: err})
		return
	}
	if start > 0 {
		if err := t.stream.SeekFrame(framesOf(start)); err != nil {
			e.log.Warn("seek to start position failed, playing from 0", "uri", src.URI, "start", start, "err", err)
			start = 0
		}
	}
	t.pos = framesOf(start)
	e.cur = t
	if e.paused {
		e.resume()
	}
	e.ramp.Jump(t.gain * e.curve.Gain(e.volume, e.mute))
	e.addMark(mark{at: e.written, offset: t.pos, uri: src.URI}, src.Live)
	e.pending = append(e.pending, pendingEvent{e.written, t.startedEvent(start)})
	e.log.Info("playing", "uri", src.URI, "start", start, "gain", t.gain)
}

func (e *engine) setNext(src *audio.Source) {
	if e.next != nil {
		e.next.close()
		e.next = nil
	}
	e.nextKnown = true
	if src != nil {
		t, err := e.open(*src, false)
		if err != nil {
			e.log.Error("next source unplayable", "uri", src.URI, "err", err)
			e.p.emit(audio.Event{Type: audio.EventError, URI: src.URI, Err: err})
			// Ask for the source after the unplayable one.
			e.nextKnown = false
			if e.cur != nil {
				e.cur.about = false
				e.checkAboutToFinish()
			}
			return
		}
		e.next = t
	}
	if e.cur != nil && e.cur.eof && e.drainDone == nil {
		e.advance()
	}
}

func (e *engine) pause() {
	if e.cur == nil || e.paused {
		return
	}
	e.paused = true
	for _, out := range e.allOutputs() {
		if err := out.Pause(); err != nil {
			e.log.Warn("output pause failed", "output", out.Name(), "err", err)
		}
	}
	delay := e.p.outputDelay()
	e.p.mu.Lock()
	e.p.pausedPos = e.p.positionLocked(delay)
	e.p.paused = true
	e.p.mu.Unlock()
}

func (e *engine) resume() {
	if !e.paused {
		return
	}
	e.paused = false
	for _, out := range e.allOutputs() {
		if err := out.Resume(); err != nil {
			e.log.Warn("output resume failed", "output", out.Name(), "err", err)
		}
	}
	e.p.mu.Lock()
	e.p.paused = false
	e.p.mu.Unlock()
}

func (e *engine) stop() {
	e.closeTracks()
	e.drainDone = nil
	e.flushOutputs()
	e.setStopped()
	if e.paused {
		e.resume()
	}
}

// seek moves within the current source.
//
// NOTE: after a gapless join that is written but not yet heard (up to the
// output delay), e.cur is already the new source, so a seek in that moment
// moves within the new source while the old one still sounds.
func (e *engine) seek(pos time.Duration) {
	t := e.cur
	if t == nil {
		return
	}
	frame := framesOf(pos)
	if t.frames >= 0 {
		frame = min(frame, t.frames)
	}
	if err := t.stream.SeekFrame(frame); err != nil {
		e.log.Warn("seek failed", "uri", t.src.URI, "position", pos, "err", err)
		// Seek showed the requested position already; go back to the
		// frame that is next to be written.
		e.p.mu.Lock()
		e.p.marks = []mark{{at: e.written, offset: t.pos, uri: t.src.URI}}
		e.p.mu.Unlock()
		return
	}
	t.pos, t.eof = frame, false
	e.awaitTill = time.Time{}
	e.drainDone = nil
	e.flushOutputs()
	e.pending = nil
	e.ramp.Jump(t.gain * e.curve.Gain(e.volume, e.mute))
	e.p.mu.Lock()
	e.p.marks = []mark{{at: e.written, offset: frame, uri: t.src.URI}}
	if e.p.paused {
		// A paused player reports pausedPos, so a seek must move it too.
		e.p.pausedPos = durationOf(frame)
	}
	e.p.mu.Unlock()
	e.log.Debug("seek", "uri", t.src.URI, "position", pos)
}

func (e *engine) setVolume(volume int, mute bool) {
	e.volume, e.mute = min(max(volume, 0), 100), mute
	gain := 1.0
	if e.cur != nil {
		gain = e.cur.gain
	}
	e.ramp.SetTarget(gain * e.curve.Gain(e.volume, e.mute))
}
