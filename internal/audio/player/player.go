// Package player is the gapless player: it decodes one source at a time,
// converts it to the output format, applies ReplayGain and the software
// volume, and writes the samples to every output. It implements
// audio.Player.
//
// The outputs run at one fixed format, 48000 Hz stereo, whatever the
// sources: the Opus HTTP stream needs 48 kHz, snapserver reads one fixed
// sample format, and two gapless tracks of different rates join without
// reopening the outputs. Sources at other rates are resampled.
//
// Position is the frame written to the outputs minus the largest delay an
// output reports, so it follows what is heard, not what was decoded. For
// PulseAudio the delay is the stream's buffer plus the sink latency, and for
// the paced outputs it is their lead over the wall clock. Track changes (EventStarted, EventEnded) are sent when the
// first or last frame is heard by that measure.
package player

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/decode"
	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/mixer"
)

// Format is the PCM format every output receives.
var Format = audio.Format{SampleRate: 48000, Channels: 2}

// OpenFunc opens a source as a decoded stream. decode.Open is one.
type OpenFunc func(ctx context.Context, src audio.Source, opts decode.Options) (audio.Stream, error)

// Options configures New. Zero fields take the defaults.
type Options struct {
	// Outputs receive the PCM. At least one is required; the player opens
	// them in New and closes them in Close.
	Outputs []output.Output
	// ReplayGain selects the gain applied from each source's tags.
	ReplayGain ReplayGainMode
	// ReplayGainPreamp is added to every ReplayGain value, in dB.
	ReplayGainPreamp float64
	// Decode is passed to Open for every source; the player sets its
	// OnTitle to send EventStreamTitle.
	Decode decode.Options
	// Open opens sources. Default decode.Open.
	Open OpenFunc
	// Resample converts a stream's rate. Default resample.New, a
	// windowed-sinc filter.
	Resample Resampler
	// VolumeCurve maps volume to gain. Default mixer.CurveCubic.
	VolumeCurve mixer.Curve
	// Volume is the starting volume, 0 to 100. Default 100.
	Volume *int
	// AboutToFinish is how long before the end of a source the player
	// sends EventAboutToFinish. Default 5 s.
	AboutToFinish time.Duration
	// Logger receives the player's logs. Nil means slog.Default().
	Logger *slog.Logger
}

// maxEventBacklog bounds the events waiting for the consumer of Events;
// older ones are dropped past it.
const maxEventBacklog = 1024

// eventBuffer is the capacity of the channel Events returns.
const eventBuffer = 64

// Player implements audio.Player. Its methods queue a command to the
// player's goroutine and return at once.
type Player struct {
	opts    Options
	log     *slog.Logger
	outputs []output.Output

	cmds   chan func(*engine)
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	events    chan audio.Event
	eventsMu  sync.Mutex
	backlog   []audio.Event
	eventWake chan struct{}
	eventDone chan struct{}

	mu        sync.Mutex
	written   int64  // frames written to the outputs since New
	marks     []mark // source starts by output frame, oldest first
	playing   bool   // a source is loaded (playing or paused)
	paused    bool
	pausedPos time.Duration // Position while paused
	live      bool
	openAbort context.CancelFunc // cancels the source being opened by Play
	closed    bool
	// enabled flags each of outputs. active holds the enabled outputs, or
	// silence when none is, which paces the player as a sound card would.
	// The engine replaces active and never changes a slice in place.
	enabled []bool
	active  []output.Output
	silence output.Output
}

// mark records that, from output frame at on, the source uri sounds from
// its frame offset.
type mark struct {
	at     int64
	offset int64
	uri    string
}

var _ audio.Player = (*Player)(nil)

// New opens the outputs at Format and starts the player's goroutine.
func New(opts Options) (*Player, error) {
	if len(opts.Outputs) == 0 {
		return nil, errors.New("player: no outputs: set at least one in [audio] output")
	}
	if opts.Open == nil {
		opts.Open = decode.Open
	}
	if opts.Resample == nil {
		opts.Resample = sincResampler
	}
	if opts.AboutToFinish <= 0 {
		opts.AboutToFinish = 5 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	volume := 100
	if opts.Volume != nil {
		volume = *opts.Volume
	}

	ctx, cancel := context.WithCancel(context.Background())
	silence := output.NewNull()
	if err := silence.Open(ctx, Format); err != nil {
		cancel()
		return nil, fmt.Errorf("player: open the silent output: %w", err)
	}
	for i, out := range opts.Outputs {
		if err := out.Open(ctx, Format); err != nil {
			for _, opened := range opts.Outputs[:i] {
				_ = opened.Close()
			}
			cancel()
			return nil, fmt.Errorf("player: open output %s: %w", out.Name(), err)
		}
	}
	p := &Player{
		opts:      opts,
		log:       log.With("component", "player"),
		outputs:   opts.Outputs,
		enabled:   slices.Repeat([]bool{true}, len(opts.Outputs)),
		active:    opts.Outputs,
		silence:   silence,
		cmds:      make(chan func(*engine), 64),
		ctx:       ctx,
		cancel:    cancel,
		done:      make(chan struct{}),
		events:    make(chan audio.Event, eventBuffer),
		eventWake: make(chan struct{}, 1),
		eventDone: make(chan struct{}),
	}
	e := newEngine(p, volume)
	go p.forwardEvents()
	go func() {
		defer close(p.done)
		e.run()
	}()
	return p, nil
}

// send queues cmd for the player's goroutine.
func (p *Player) send(cmd func(*engine)) error {
	select {
	case p.cmds <- cmd:
		return nil
	case <-p.ctx.Done():
		return errors.New("player: closed")
	}
}

// Play implements audio.Player.
func (p *Player) Play(_ context.Context, src audio.Source, start time.Duration) error {
	p.abortOpen()
	p.expectPosition(start, src.URI)
	return p.send(func(e *engine) { e.play(src, start) })
}

// expectPosition makes Position report pos for uri from now on, before the
// engine runs the Play or Seek that moves there. A status read right
// after the command then shows the new position, as MPD 0.23 does.
func (p *Player) expectPosition(pos time.Duration, uri string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.marks = []mark{{at: p.written, offset: framesOf(pos), uri: uri}}
	if p.paused {
		p.pausedPos = pos
	}
}

// SetNext implements audio.Player.
func (p *Player) SetNext(src *audio.Source) {
	var next *audio.Source
	if src != nil {
		copied := *src
		next = &copied
	}
	_ = p.send(func(e *engine) { e.setNext(next) })
}

// Pause implements audio.Player.
func (p *Player) Pause() error { return p.send(func(e *engine) { e.pause() }) }

// Resume implements audio.Player.
func (p *Player) Resume() error { return p.send(func(e *engine) { e.resume() }) }

// Stop implements audio.Player.
func (p *Player) Stop() error {
	p.abortOpen()
	return p.send(func(e *engine) { e.stop() })
}

// Seek implements audio.Player. It returns audio.ErrNotSeekable for a live
// source.
func (p *Player) Seek(pos time.Duration) error {
	p.mu.Lock()
	live := p.live
	p.mu.Unlock()
	if live {
		return audio.ErrNotSeekable
	}
	if pos < 0 {
		return fmt.Errorf("player: invalid seek position %v: use 0 or more", pos)
	}
	p.mu.Lock()
	uri := ""
	if n := len(p.marks); n > 0 {
		uri = p.marks[n-1].uri
	}
	p.mu.Unlock()
	p.expectPosition(pos, uri)
	return p.send(func(e *engine) { e.seek(pos) })
}

// SetVolume implements audio.Player.
func (p *Player) SetVolume(volume int, mute bool) {
	_ = p.send(func(e *engine) { e.setVolume(volume, mute) })
}

// Events implements audio.Player.
func (p *Player) Events() <-chan audio.Event { return p.events }

// Position implements audio.Player.
func (p *Player) Position() time.Duration {
	delay := p.outputDelay()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.playing {
		return 0
	}
	if p.paused {
		return p.pausedPos
	}
	return p.positionLocked(delay)
}

// positionLocked returns the position heard with the outputs' delay.
func (p *Player) positionLocked(delay time.Duration) time.Duration {
	heard := p.written - framesOf(delay)
	m, ok := p.markAtLocked(heard)
	if !ok {
		if len(p.marks) == 0 {
			return 0
		}
		return durationOf(p.marks[0].offset)
	}
	return durationOf(m.offset + heard - m.at)
}

// markAtLocked returns the last mark at or before output frame heard.
func (p *Player) markAtLocked(heard int64) (mark, bool) {
	var found mark
	ok := false
	for _, m := range p.marks {
		if m.at > heard {
			break
		}
		found, ok = m, true
	}
	return found, ok
}

// outputDelay returns the largest delay among the enabled outputs.
func (p *Player) outputDelay() time.Duration {
	var d time.Duration
	for _, out := range p.activeOutputs() {
		d = max(d, out.Delay())
	}
	return d
}

// activeOutputs returns the outputs that receive samples.
func (p *Player) activeOutputs() []output.Output {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.active
}

// OutputsEnabled reports for each output, in the order of
// Options.Outputs, whether it receives samples.
func (p *Player) OutputsEnabled() []bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.enabled)
}

// SetOutputEnabled switches output i of Options.Outputs on or off. A
// disabled output drops the sound it buffered and receives nothing until
// it is enabled again. With every output disabled the player keeps its
// pace and plays to no device.
func (p *Player) SetOutputEnabled(i int, on bool) error {
	if i < 0 || i >= len(p.outputs) {
		return fmt.Errorf("player: no output %d: the player has %d", i, len(p.outputs))
	}
	return p.send(func(e *engine) { e.setOutputEnabled(i, on) })
}

func (p *Player) abortOpen() {
	p.mu.Lock()
	if p.openAbort != nil {
		p.openAbort()
		p.openAbort = nil
	}
	p.mu.Unlock()
}

// Close implements audio.Player: it stops playback, closes the outputs and
// then the Events channel.
func (p *Player) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.abortOpen()
	p.cancel()
	<-p.done
	var errs []error
	_ = p.silence.Close()
	for _, out := range p.outputs {
		if err := out.Close(); err != nil {
			errs = append(errs, fmt.Errorf("player: close output %s: %w", out.Name(), err))
		}
	}
	<-p.eventDone
	return errors.Join(errs...)
}

// emit queues ev for the Events channel without blocking.
func (p *Player) emit(ev audio.Event) {
	p.eventsMu.Lock()
	if len(p.backlog) >= maxEventBacklog {
		p.log.Warn("event consumer too slow, oldest event dropped", "type", int(p.backlog[0].Type), "uri", p.backlog[0].URI)
		p.backlog = p.backlog[1:]
	}
	p.backlog = append(p.backlog, ev)
	p.eventsMu.Unlock()
	select {
	case p.eventWake <- struct{}{}:
	default:
	}
}

// forwardEvents moves queued events to the Events channel in order, and
// closes it when the player closes.
func (p *Player) forwardEvents() {
	defer close(p.eventDone)
	defer close(p.events)
	for {
		p.eventsMu.Lock()
		var ev audio.Event
		has := len(p.backlog) > 0
		if has {
			ev = p.backlog[0]
			p.backlog = p.backlog[1:]
		}
		p.eventsMu.Unlock()
		if !has {
			select {
			case <-p.eventWake:
				continue
			case <-p.done:
				p.flushBacklog(nil)
				return
			}
		}
		select {
		case p.events <- ev:
		case <-p.done:
			p.flushBacklog([]audio.Event{ev})
			return
		}
	}
}

// flushBacklog moves first and then the queued events to the Events
// channel as far as its buffer allows, once the player has stopped.
func (p *Player) flushBacklog(first []audio.Event) {
	p.eventsMu.Lock()
	defer p.eventsMu.Unlock()
	for _, ev := range append(first, p.backlog...) {
		select {
		case p.events <- ev:
		default:
			return
		}
	}
	p.backlog = nil
}

func framesOf(d time.Duration) int64 {
	return int64(d) * int64(Format.SampleRate) / int64(time.Second)
}

func durationOf(frames int64) time.Duration {
	return time.Duration(frames) * time.Second / time.Duration(Format.SampleRate)
}
