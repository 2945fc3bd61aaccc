package player

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/decode"
	"github.com/tonearm/tonearm/internal/audio/output"
)

// toneStream is a sine of a given frequency, amplitude 0.5.
type toneStream struct {
	format audio.Format
	freq   float64
	frames int64
	pos    int64
}

func (s *toneStream) Format() audio.Format { return s.format }
func (s *toneStream) Frames() int64        { return s.frames }
func (s *toneStream) Close() error         { return nil }

func (s *toneStream) SeekFrame(frame int64) error {
	if frame < 0 || frame > s.frames {
		return errors.New("seek out of range")
	}
	s.pos = frame
	return nil
}

func (s *toneStream) Read(p []float32) (int, error) {
	ch := s.format.Channels
	n := 0
	for n+ch <= len(p) && s.pos < s.frames {
		v := float32(0.5 * math.Sin(2*math.Pi*s.freq*float64(s.pos)/float64(s.format.SampleRate)))
		for c := range ch {
			p[n+c] = v
		}
		n += ch
		s.pos++
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// toneSource returns a source whose URI names the tone; toneOpen decodes it.
func toneSource(uri string) audio.Source { return audio.Source{URI: uri} }

type toneSpec struct {
	freq    float64
	seconds float64
	rate    int
	ch      int
}

func toneOpener(specs map[string]toneSpec) OpenFunc {
	return func(_ context.Context, src audio.Source, _ decode.Options) (audio.Stream, error) {
		spec, ok := specs[src.URI]
		if !ok {
			return nil, errors.New("no such test tone")
		}
		return &toneStream{
			format: audio.Format{SampleRate: spec.rate, Channels: spec.ch},
			freq:   spec.freq,
			frames: int64(spec.seconds * float64(spec.rate)),
		}, nil
	}
}

// recorder is a null output that keeps a copy of every sample written.
type recorder struct {
	*output.Null
	mu      sync.Mutex
	samples []float32
}

func newRecorder() *recorder { return &recorder{Null: output.NewNull()} }

func (r *recorder) Write(ctx context.Context, samples []float32) error {
	r.mu.Lock()
	r.samples = append(r.samples, samples...)
	r.mu.Unlock()
	return r.Null.Write(ctx, samples)
}

func (r *recorder) recorded() []float32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]float32(nil), r.samples...)
}

func newTestPlayer(t *testing.T, specs map[string]toneSpec, rec *recorder) *Player {
	t.Helper()
	p, err := New(Options{
		Outputs:       []output.Output{rec},
		Open:          toneOpener(specs),
		AboutToFinish: 300 * time.Millisecond,
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// waitEvent returns the next event of type want, failing after 10 s.
func waitEvent(t *testing.T, p *Player, want audio.EventType) audio.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-p.Events():
			if ev.Type == want {
				return ev
			}
		case <-timeout:
			t.Fatalf("no event of type %d within 10 s", want)
		}
	}
}

// settle returns once the engine has run every command sent before it.
// The engine runs commands in the order sent.
func settle(t *testing.T, p *Player) {
	t.Helper()
	done := make(chan struct{})
	if err := p.send(func(*engine) { close(done) }); err != nil {
		t.Fatalf("send command: %v", err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the engine ran no command within 10 s")
	}
}

func TestGaplessJoinIsSampleExact(t *testing.T) {
	specs := map[string]toneSpec{
		"a": {440, 0.6, 48000, 2},
		"b": {660, 0.5, 48000, 1},
	}
	rec := newRecorder()
	p := newTestPlayer(t, specs, rec)
	if err := p.Play(context.Background(), toneSource("a"), 0); err != nil {
		t.Fatal(err)
	}
	var got []audio.Event
	timeout := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case ev := <-p.Events():
			got = append(got, ev)
			switch ev.Type {
			case audio.EventAboutToFinish:
				if ev.URI == "a" {
					next := toneSource("b")
					p.SetNext(&next)
				} else {
					p.SetNext(nil)
				}
			case audio.EventEndOfStream:
				done = true
			}
		case <-timeout:
			t.Fatalf("no end of stream within 10 s; events %v", got)
		}
	}
	want := []struct {
		typ audio.EventType
		uri string
	}{
		{audio.EventStarted, "a"}, {audio.EventAboutToFinish, "a"}, {audio.EventEnded, "a"},
		{audio.EventStarted, "b"}, {audio.EventAboutToFinish, "b"}, {audio.EventEnded, "b"},
		{audio.EventEndOfStream, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("events = %+v, want %d events", got, len(want))
	}
	for i, w := range want {
		if got[i].Type != w.typ || got[i].URI != w.uri {
			t.Errorf("event %d = type %d uri %q, want type %d uri %q", i, got[i].Type, got[i].URI, w.typ, w.uri)
		}
	}

	samples := rec.recorded()
	a := &toneStream{format: Format, freq: 440, frames: 28800}
	b := &toneStream{format: Format, freq: 660, frames: 24000}
	expect := make([]float32, (28800+24000)*2)
	na, _ := a.Read(expect)
	nb, _ := b.Read(expect[na:])
	if len(samples) != na+nb {
		t.Fatalf("recorded %d samples, want %d (no gap, no lost frame)", len(samples), na+nb)
	}
	for i := range samples {
		if math.Abs(float64(samples[i]-expect[i])) > 1e-6 {
			t.Fatalf("sample %d = %v, want %v", i, samples[i], expect[i])
		}
	}
}

func TestUnplayableSourceSendsError(t *testing.T) {
	rec := newRecorder()
	p := newTestPlayer(t, map[string]toneSpec{}, rec)
	if err := p.Play(context.Background(), toneSource("missing"), 0); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, p, audio.EventError)
	if ev.URI != "missing" {
		t.Errorf("error event URI = %q, want missing", ev.URI)
	}
	if ev.Err == nil {
		t.Error("error event has no Err")
	}
}

func TestUnplayableNextAsksAgain(t *testing.T) {
	specs := map[string]toneSpec{"a": {440, 0.5, 48000, 2}, "c": {880, 0.2, 48000, 2}}
	rec := newRecorder()
	p := newTestPlayer(t, specs, rec)
	if err := p.Play(context.Background(), toneSource("a"), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventAboutToFinish)
	bad := toneSource("bad")
	p.SetNext(&bad)
	if ev := waitEvent(t, p, audio.EventError); ev.URI != "bad" {
		t.Errorf("error URI = %q, want bad", ev.URI)
	}
	if ev := waitEvent(t, p, audio.EventAboutToFinish); ev.URI != "a" {
		t.Errorf("second about-to-finish URI = %q, want a", ev.URI)
	}
	c := toneSource("c")
	p.SetNext(&c)
	if ev := waitEvent(t, p, audio.EventStarted); ev.URI != "c" {
		t.Errorf("started URI = %q, want c", ev.URI)
	}
}

func TestVolumeScalesSamples(t *testing.T) {
	specs := map[string]toneSpec{"a": {440, 1, 48000, 2}}
	rec := newRecorder()
	p := newTestPlayer(t, specs, rec)
	p.SetVolume(50, false)
	if err := p.Play(context.Background(), toneSource("a"), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventAboutToFinish)
	samples := rec.recorded()
	var peak float64
	for _, s := range samples[:48000] {
		peak = max(peak, math.Abs(float64(s)))
	}
	// Cubic curve: volume 50 is gain 0.125, on a tone of amplitude 0.5.
	if math.Abs(peak-0.0625) > 0.001 {
		t.Errorf("peak at volume 50 = %v, want 0.0625", peak)
	}
}

func TestPauseFreezesPosition(t *testing.T) {
	specs := map[string]toneSpec{"a": {440, 5, 48000, 2}}
	rec := newRecorder()
	p := newTestPlayer(t, specs, rec)
	playCalled := time.Now()
	if err := p.Play(context.Background(), toneSource("a"), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventStarted)
	started := time.Now()
	time.Sleep(300 * time.Millisecond)
	pauseCalled := time.Now()
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	settle(t, p)
	paused := time.Now()
	before := p.Position()
	time.Sleep(300 * time.Millisecond)
	after := p.Position()
	if before != after {
		t.Errorf("position moved while paused: %v then %v", before, after)
	}
	// The output's clock ran at least from EventStarted to the Pause call
	// and at most from the Play call until the engine ran Pause.
	played := pauseCalled.Sub(started)
	if maxPlayed := paused.Sub(playCalled); before < played-100*time.Millisecond || before > maxPlayed+50*time.Millisecond {
		t.Errorf("position after %v to %v of play = %v", played, maxPlayed, before)
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if moved := p.Position() - after; moved < 100*time.Millisecond {
		t.Errorf("position moved %v in 500 ms after resume", moved)
	}
}

func TestSeekMovesPosition(t *testing.T) {
	specs := map[string]toneSpec{"a": {440, 10, 48000, 2}}
	rec := newRecorder()
	p := newTestPlayer(t, specs, rec)
	if err := p.Play(context.Background(), toneSource("a"), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if ev := waitEvent(t, p, audio.EventStarted); ev.Position != 2*time.Second {
		t.Errorf("started at %v, want 2s", ev.Position)
	}
	seekCalled := time.Now()
	if err := p.Seek(7 * time.Second); err != nil {
		t.Fatal(err)
	}
	settle(t, p)
	time.Sleep(200 * time.Millisecond)
	pos := p.Position()
	// Since the seek the position can have moved at most the wall time.
	if elapsed := time.Since(seekCalled); pos < 7*time.Second || pos > 7*time.Second+elapsed+50*time.Millisecond {
		t.Errorf("position %v after seek to 7 s = %v", elapsed, pos)
	}
}

func TestResampledLength(t *testing.T) {
	specs := map[string]toneSpec{"a": {1000, 0.5, 44100, 2}}
	rec := newRecorder()
	p := newTestPlayer(t, specs, rec)
	if err := p.Play(context.Background(), toneSource("a"), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventAboutToFinish)
	p.SetNext(nil)
	waitEvent(t, p, audio.EventEndOfStream)
	frames := len(rec.recorded()) / 2
	if frames < 23990 || frames > 24010 {
		t.Errorf("0.5 s at 44100 Hz became %d frames at 48000 Hz, want about 24000", frames)
	}
}

func TestStopResetsPosition(t *testing.T) {
	specs := map[string]toneSpec{"a": {440, 5, 48000, 2}}
	rec := newRecorder()
	p := newTestPlayer(t, specs, rec)
	if err := p.Play(context.Background(), toneSource("a"), time.Second); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventStarted)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	settle(t, p)
	if pos := p.Position(); pos != 0 {
		t.Errorf("position after stop = %v, want 0", pos)
	}
}

// discard is an output that accepts samples at once, so a benchmark
// measures the player's own work.
type discard struct{ output.Null }

func (d *discard) Write(context.Context, []float32) error { return nil }
func (d *discard) Delay() time.Duration                   { return 0 }

// BenchmarkPlayerTenSeconds plays ten seconds of a 44.1 kHz tone through
// conversion, resampling to 48 kHz and the volume ramp.
func BenchmarkPlayerTenSeconds(b *testing.B) {
	specs := map[string]toneSpec{"a": {440, 10, 44100, 2}}
	p, err := New(Options{
		Outputs: []output.Output{&discard{}},
		Open:    toneOpener(specs),
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	for b.Loop() {
		if err := p.Play(context.Background(), toneSource("a"), 0); err != nil {
			b.Fatal(err)
		}
		for ev := range p.Events() {
			if ev.Type == audio.EventAboutToFinish {
				p.SetNext(nil)
			}
			if ev.Type == audio.EventEndOfStream {
				break
			}
		}
	}
}

func TestSeekWhilePausedMovesPosition(t *testing.T) {
	specs := map[string]toneSpec{"a": {440, 10, 48000, 2}}
	rec := newRecorder()
	p := newTestPlayer(t, specs, rec)
	if err := p.Play(context.Background(), toneSource("a"), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventStarted)
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	if err := p.Seek(6 * time.Second); err != nil {
		t.Fatal(err)
	}
	settle(t, p)
	if pos := p.Position(); pos != 6*time.Second {
		t.Errorf("paused position after seek to 6 s = %v", pos)
	}
}

func TestDisabledOutputGetsNoSamples(t *testing.T) {
	specs := map[string]toneSpec{"a": {440, 1, 48000, 2}, "b": {440, 1, 48000, 2}}
	first, second := newRecorder(), newRecorder()
	p, err := New(Options{
		Outputs:       []output.Output{first, second},
		Open:          toneOpener(specs),
		AboutToFinish: 300 * time.Millisecond,
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })

	if err := p.SetOutputEnabled(1, false); err != nil {
		t.Fatal(err)
	}
	settle(t, p)
	if got := p.OutputsEnabled(); !slices.Equal(got, []bool{true, false}) {
		t.Errorf("OutputsEnabled = %v, want [true false]", got)
	}
	if err := p.Play(context.Background(), toneSource("a"), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventAboutToFinish)
	if n := len(first.recorded()); n < 48000 {
		t.Errorf("enabled output got %d samples, want at least 48000", n)
	}
	if n := len(second.recorded()); n != 0 {
		t.Errorf("disabled output got %d samples, want none", n)
	}
	if err := p.SetOutputEnabled(2, true); err == nil {
		t.Error("SetOutputEnabled(2) of two outputs succeeded")
	}
}

func TestAllOutputsDisabledKeepsPlaying(t *testing.T) {
	specs := map[string]toneSpec{"a": {440, 0.5, 48000, 2}}
	rec := newRecorder()
	p := newTestPlayer(t, specs, rec)
	if err := p.SetOutputEnabled(0, false); err != nil {
		t.Fatal(err)
	}
	if err := p.Play(context.Background(), toneSource("a"), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventAboutToFinish)
	if pos := p.Position(); pos <= 0 {
		t.Errorf("position %v with every output disabled, want it to advance", pos)
	}
	if n := len(rec.recorded()); n != 0 {
		t.Errorf("disabled output got %d samples, want none", n)
	}
	if err := p.SetOutputEnabled(0, true); err != nil {
		t.Fatal(err)
	}
	settle(t, p)
	if got := p.OutputsEnabled(); !slices.Equal(got, []bool{true}) {
		t.Errorf("OutputsEnabled = %v, want [true]", got)
	}
}

// TestPositionFollowsCommandsAtOnce checks that Position reports the
// position of a Seek or Play as soon as the call returns, before the
// engine has run the command, as MPD's status does right after seek or
// next.
func TestPositionFollowsCommandsAtOnce(t *testing.T) {
	specs := map[string]toneSpec{"a": {440, 10, 48000, 2}, "b": {440, 10, 48000, 2}}
	p := newTestPlayer(t, specs, newRecorder())
	if err := p.Play(context.Background(), toneSource("a"), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventStarted)

	// The engine runs one command at a time, so this one holds it while
	// the test reads Position.
	release := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	if err := p.send(func(*engine) { <-release }); err != nil {
		t.Fatal(err)
	}
	if err := p.Seek(6 * time.Second); err != nil {
		t.Fatal(err)
	}
	if pos := p.Position(); pos < 6*time.Second || pos > 6500*time.Millisecond {
		t.Errorf("position right after Seek(6s) = %v", pos)
	}
	if err := p.Play(context.Background(), toneSource("b"), time.Second); err != nil {
		t.Fatal(err)
	}
	if pos := p.Position(); pos < time.Second || pos > 1500*time.Millisecond {
		t.Errorf("position right after Play(b, 1s) = %v", pos)
	}
	close(release)
	settle(t, p)
}

// shortStream states a length of three seconds but ends after one, as a
// truncated file does.
type shortStream struct{ toneStream }

func (s *shortStream) Frames() int64 { return 3 * s.frames }

func TestTruncatedSourceLogsWarning(t *testing.T) {
	var logs syncBuffer
	p, err := New(Options{
		Outputs: []output.Output{newRecorder()},
		Open: func(context.Context, audio.Source, decode.Options) (audio.Stream, error) {
			return &shortStream{toneStream{format: audio.Format{SampleRate: 48000, Channels: 2}, freq: 440, frames: 48000}}, nil
		},
		AboutToFinish: 300 * time.Millisecond,
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	if err := p.Play(context.Background(), toneSource("cut"), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventAboutToFinish)
	settle(t, p)
	if !strings.Contains(logs.String(), "source ended before its length") {
		t.Errorf("no warning for a source that ended a second early; log:\n%s", logs.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the player's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// encodedStream is a toneStream whose decoder reports an encoding.
type encodedStream struct {
	*toneStream
	encoding audio.Encoding
}

func (s *encodedStream) Encoding() audio.Encoding { return s.encoding }

func TestStartedEventCarriesSourceFormat(t *testing.T) {
	specs := map[string]toneSpec{"a": {440, 0.5, 44100, 2}, "b": {660, 0.5, 48000, 1}}
	tones := toneOpener(specs)
	open := func(ctx context.Context, src audio.Source, o decode.Options) (audio.Stream, error) {
		s, err := tones(ctx, src, o)
		if err != nil || src.URI != "a" {
			return s, err
		}
		return &encodedStream{toneStream: s.(*toneStream), encoding: audio.Encoding{Codec: audio.CodecMP3}}, nil
	}
	p, err := New(Options{
		Outputs:       []output.Output{newRecorder()},
		Open:          open,
		AboutToFinish: 300 * time.Millisecond,
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	if err := p.Play(context.Background(), toneSource("a"), 0); err != nil {
		t.Fatal(err)
	}

	// a is resampled to the player's Format, but its event names the
	// decoder's 44.1 kHz and codec.
	first := waitEvent(t, p, audio.EventStarted)
	if want := (audio.Format{SampleRate: 44100, Channels: 2}); first.Format != want {
		t.Errorf("started a: format %+v, want %+v", first.Format, want)
	}
	if first.Encoding.Codec != audio.CodecMP3 {
		t.Errorf("started a: encoding %+v, want codec mp3", first.Encoding)
	}

	waitEvent(t, p, audio.EventAboutToFinish)
	next := toneSource("b")
	p.SetNext(&next)
	second := waitEvent(t, p, audio.EventStarted)
	if second.URI != "b" {
		t.Fatalf("second start is %q, want b", second.URI)
	}
	if want := (audio.Format{SampleRate: 48000, Channels: 1}); second.Format != want {
		t.Errorf("started b after a gapless join: format %+v, want %+v", second.Format, want)
	}
	if second.Encoding != (audio.Encoding{}) {
		t.Errorf("started b: encoding %+v, want none from a decoder that reports none", second.Encoding)
	}
}
