package audio_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/audio/player"
	"github.com/tonearm/tonearm/internal/testutil/pulsetest"
)

// pulseSetup returns a pulse output on a fresh null sink, with the server
// address and sink name for recording.
func pulseSetup(t *testing.T) (*output.Pulse, string, string) {
	t.Helper()
	addr := pulsetest.Require(t)
	sink := pulsetest.NewSink(t, addr)
	return output.NewPulse(addr, sink, testLogger(t)), addr, sink
}

func keepOnFailure(t *testing.T, rec *pulsetest.Recording) {
	t.Cleanup(func() {
		if t.Failed() {
			path := filepath.Join(os.TempDir(), t.Name()+".wav")
			if err := rec.WriteWAV(path); err != nil {
				t.Logf("keep recording: %v", err)
				return
			}
			t.Logf("recording kept at %s", path)
		}
	})
}

func TestPulseToneLengthAndFrequency(t *testing.T) {
	path := tone(t, "a440", 440, 2)
	out, addr, sink := pulseSetup(t)
	p := newPlayer(t, out)
	rec := pulsetest.StartRecording(t, addr, sink)
	playQueue(t, p, path)
	got := rec.Stop()
	keepOnFailure(t, got)

	sound := got.TrimSilence(silence)
	if d := sound.Duration(); d < 1950*time.Millisecond || d > 2050*time.Millisecond {
		t.Errorf("heard %v of a 2 s tone", d)
	}
	if f := sound.Frequency(); !within(f, 440, 2) {
		t.Errorf("frequency %.1f Hz, want 440", f)
	}
	if peak := sound.Peak(); !within(peak, 0.5, 0.02) {
		t.Errorf("peak %.3f, want 0.5 at volume 100", peak)
	}
}

func TestPulsePlays32BitFLAC(t *testing.T) {
	requireTool(t, "sox", "sox")
	requireTool(t, "flac", "flac")
	dir := t.TempDir()
	wav := filepath.Join(dir, "tone32.wav")
	path := filepath.Join(dir, "tone32.flac")
	for _, args := range [][]string{
		{"sox", "-n", "-r", "48000", "-c", "2", "-b", "32", "-e", "signed-integer", wav, "synth", "2", "sine", "440", "vol", "0.5"},
		// flac 1.4 writes 32-bit FLAC, whose frames the built-in decoder
		// rejects, so the decoder falls back to a flac child.
		{"flac", "--silent", "--force", "-o", path, wav},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	out, addr, sink := pulseSetup(t)
	p := newPlayer(t, out)
	rec := pulsetest.StartRecording(t, addr, sink)
	playQueue(t, p, path)
	got := rec.Stop()
	keepOnFailure(t, got)

	sound := got.TrimSilence(silence)
	if d := sound.Duration(); d < 1950*time.Millisecond || d > 2050*time.Millisecond {
		t.Errorf("heard %v of a 2 s 32-bit FLAC tone", d)
	}
	if f := sound.Frequency(); !within(f, 440, 2) {
		t.Errorf("frequency %.1f Hz, want 440", f)
	}
	if peak := sound.Peak(); !within(peak, 0.5, 0.02) {
		t.Errorf("peak %.3f, want 0.5", peak)
	}
}

func TestPulseGaplessJoin(t *testing.T) {
	a := tone(t, "a440", 440, 1.5)
	b := tone(t, "b660", 660, 1.5)
	out, addr, sink := pulseSetup(t)
	p := newPlayer(t, out)
	rec := pulsetest.StartRecording(t, addr, sink)
	playQueue(t, p, a, b)
	got := rec.Stop()
	keepOnFailure(t, got)

	sound := got.TrimSilence(silence)
	if gaps := sound.Gaps(silence, 5*time.Millisecond); len(gaps) > 0 {
		t.Errorf("silent gaps between the tracks: %+v", gaps)
	}
	if d := sound.Duration(); d < 2950*time.Millisecond || d > 3050*time.Millisecond {
		t.Errorf("heard %v of two 1.5 s tones", d)
	}
	half := len(sound.Samples) / 2
	first := &pulsetest.Recording{Format: sound.Format, Samples: sound.Samples[:half-4800]}
	second := &pulsetest.Recording{Format: sound.Format, Samples: sound.Samples[half+4800:]}
	if f := first.Frequency(); !within(f, 440, 2) {
		t.Errorf("first track %.1f Hz, want 440", f)
	}
	if f := second.Frequency(); !within(f, 660, 2) {
		t.Errorf("second track %.1f Hz, want 660", f)
	}
	// A click at the join shows as a jump larger than a 660 Hz sine at
	// 0.5 makes between two samples at 48 kHz (0.043).
	maxStep := 0.0
	for i := 2; i < len(sound.Samples); i += 2 {
		maxStep = math.Max(maxStep, math.Abs(float64(sound.Samples[i]-sound.Samples[i-2])))
	}
	if maxStep > 0.05 {
		t.Errorf("largest step between samples %.3f, want at most 0.05 (no click)", maxStep)
	}
}

func TestPulsePauseSilencesForPausedTime(t *testing.T) {
	path := tone(t, "a440", 440, 3)
	out, addr, sink := pulseSetup(t)
	p := newPlayer(t, out)
	rec := pulsetest.StartRecording(t, addr, sink)
	if err := p.Play(context.Background(), fileSource(path), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventStarted) // EventStarted
	time.Sleep(time.Second)
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	frozen := p.Position()
	time.Sleep(time.Second)
	if again := p.Position(); again != frozen {
		t.Errorf("position moved while paused: %v then %v", frozen, again)
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventEnded)
	got := rec.Stop()
	keepOnFailure(t, got)

	sound := got.TrimSilence(silence)
	gaps := sound.Gaps(silence, 5*time.Millisecond)
	if len(gaps) != 1 {
		t.Fatalf("gaps %+v, want exactly one for the pause", gaps)
	}
	if l := gaps[0].Length; l < 1050*time.Millisecond || l > 1250*time.Millisecond {
		t.Errorf("pause gap %v, want about 1.1 s", l)
	}
	if heard := sound.Duration() - gaps[0].Length; heard < 2950*time.Millisecond || heard > 3050*time.Millisecond {
		t.Errorf("heard %v of a 3 s tone around the pause", heard)
	}
}

func TestPulseSeekLandsOnRequestedTime(t *testing.T) {
	// 440 Hz for 0-2 s, 880 Hz for 2-4 s, 1320 Hz for 4-6 s.
	path := steps(t, []float64{440, 880, 1320}, 2)
	out, addr, sink := pulseSetup(t)
	p := newPlayer(t, out)
	if err := p.Play(context.Background(), fileSource(path), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventStarted)
	time.Sleep(500 * time.Millisecond)
	rec := pulsetest.StartRecording(t, addr, sink)
	if err := p.Seek(4500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	var readings []positionReading
	for range 3 {
		readings = append(readings, readPosition(p))
		time.Sleep(100 * time.Millisecond)
	}
	block := sinkBlock(t, addr, sink)
	waitEvent(t, p, audio.EventEnded)
	got := rec.Stop()
	keepOnFailure(t, got)

	// The recording holds a moment of 440 Hz before the seek, then the
	// 1.5 s of 1320 Hz left in the file.
	jump, ok := firstHighPitch(got, 1000)
	if !ok {
		t.Fatal("no 1320 Hz sound recorded after the seek")
	}
	after := &pulsetest.Recording{Format: got.Format, Samples: got.Samples[2*jump:]}
	if f := after.TrimSilence(silence).Frequency(); !within(f, 1320, 3) {
		t.Errorf("after the seek: %.1f Hz, want 1320", f)
	}
	if d := after.SoundDuration(silence); d < 1450*time.Millisecond || d > 1550*time.Millisecond {
		t.Errorf("heard %v after the seek, want the 1.5 s left after 4.5 s", d)
	}
	heardAt := func(w time.Time) time.Duration {
		return 4500*time.Millisecond + soundCardOffset(got, block, w) - frameTime(got, jump)
	}
	diff := medianOffBy(readings, heardAt)
	t.Logf("Position minus heard, median of %d readings: %v", len(readings), diff)
	if diff < -50*time.Millisecond || diff > 50*time.Millisecond {
		t.Errorf("Position 0.5 s after the seek is off from the sound by %v", diff)
	}
}

// firstHighPitch returns the first frame from which the first channel
// crosses zero upwards at least every 1/minFreq seconds for 10 ms.
func firstHighPitch(r *pulsetest.Recording, minFreq float64) (int, bool) {
	maxPeriod := int(float64(r.Format.SampleRate) / minFreq)
	c := r.Format.Channels
	var crossings []int
	for i := 1; i < r.Frames(); i++ {
		if r.Samples[(i-1)*c] < 0 && r.Samples[i*c] >= 0 {
			crossings = append(crossings, i)
		}
	}
	need := int(0.010 * minFreq)
	for k := 0; k+need < len(crossings); k++ {
		ok := true
		for j := k; j < k+need; j++ {
			if crossings[j+1]-crossings[j] > maxPeriod {
				ok = false
				break
			}
		}
		if ok {
			return crossings[k], true
		}
	}
	return 0, false
}

func frameTime(r *pulsetest.Recording, frame int) time.Duration {
	return time.Duration(frame) * time.Second / time.Duration(r.Format.SampleRate)
}

func TestPulseVolumeChangesLevel(t *testing.T) {
	path := tone(t, "a440", 440, 4)
	out, addr, sink := pulseSetup(t)
	p := newPlayer(t, out)
	if err := p.Play(context.Background(), fileSource(path), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventStarted)
	time.Sleep(500 * time.Millisecond)
	full := pulsetest.Record(t, addr, sink, time.Second)
	p.SetVolume(50, false)
	time.Sleep(500 * time.Millisecond)
	half := pulsetest.Record(t, addr, sink, time.Second)
	p.SetVolume(50, true)
	time.Sleep(500 * time.Millisecond)
	muted := pulsetest.Record(t, addr, sink, 500*time.Millisecond)

	if rms := medianRMS(full); !within(rms, 0.5/math.Sqrt2, 0.01) {
		t.Errorf("RMS at volume 100 = %.4f, want 0.354", rms)
	}
	// The cubic curve gives 0.125 at volume 50.
	if ratio := medianRMS(half) / medianRMS(full); !within(ratio, 0.125, 0.005) {
		t.Errorf("RMS ratio volume 50 / 100 = %.4f, want 0.125", ratio)
	}
	if peak := muted.Peak(); peak > 0.001 {
		t.Errorf("peak while muted = %.4f, want 0", peak)
	}
}

func TestPulsePositionFollowsSound(t *testing.T) {
	path := tone(t, "a440", 440, 4)
	out, addr, sink := pulseSetup(t)
	p := newPlayer(t, out)
	rec := pulsetest.StartRecording(t, addr, sink)
	if err := p.Play(context.Background(), fileSource(path), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventStarted)
	time.Sleep(time.Second)
	// Five readings 200 ms apart; the median is immune to one reading
	// delayed by the scheduler.
	var readings []positionReading
	for range 5 {
		readings = append(readings, readPosition(p))
		time.Sleep(200 * time.Millisecond)
	}
	block := sinkBlock(t, addr, sink)
	got := rec.Stop()
	keepOnFailure(t, got)

	first, ok := firstLoud(got)
	if !ok {
		t.Fatal("recording is silent")
	}
	heardAt := func(w time.Time) time.Duration {
		return soundCardOffset(got, block, w) - first
	}
	diff := medianOffBy(readings, heardAt)
	t.Logf("Position minus heard, median of %d readings: %v", len(readings), diff)
	if diff < -50*time.Millisecond || diff > 50*time.Millisecond {
		t.Errorf("Position is off from the sound by %v", diff)
	}
}

// positionReading is one call of Position with the wall clock read just
// before and just after it.
type positionReading struct {
	before, after time.Time
	position      time.Duration
}

func readPosition(p *player.Player) positionReading {
	before := time.Now()
	pos := p.Position()
	return positionReading{before: before, after: time.Now(), position: pos}
}

// offBy returns how far the reading is from the position heard at the
// closest instant during the call, given heardAt, the position heard at a
// wall time. It is zero when the reading matches some instant between
// before and after, since the call may have taken its value at any of
// them.
func (r positionReading) offBy(heardAt func(time.Time) time.Duration) time.Duration {
	if earliest := heardAt(r.before); r.position < earliest {
		return r.position - earliest
	}
	if latest := heardAt(r.after); r.position > latest {
		return r.position - latest
	}
	return 0
}

// medianOffBy returns the median of the readings' offBy, which one reading
// delayed by the scheduler does not move.
func medianOffBy(readings []positionReading, heardAt func(time.Time) time.Duration) time.Duration {
	var diffs []time.Duration
	for _, r := range readings {
		diffs = append(diffs, r.offBy(heardAt))
	}
	slices.Sort(diffs)
	return diffs[len(diffs)/2]
}

// soundCardOffset returns the offset in the recording of the frame that a
// sound card on the sink's clock plays at wall time w. The null sink
// renders each block when the previous one has played on its clock. So the
// monitor receives a block's last frame one block before a sound card
// would play it, and Start marks that arrival for the promptest write.
func soundCardOffset(r *pulsetest.Recording, block time.Duration, w time.Time) time.Duration {
	return w.Sub(r.Start) - block
}

// medianRMS returns the median RMS level of the recording's 10 ms windows,
// which a dropout on a busy machine does not move.
func medianRMS(r *pulsetest.Recording) float64 {
	window := r.Format.SampleRate / 100 * r.Format.Channels
	var levels []float64
	for i := 0; i+window <= len(r.Samples); i += window {
		part := &pulsetest.Recording{Format: r.Format, Samples: r.Samples[i : i+window]}
		levels = append(levels, part.RMS())
	}
	if len(levels) == 0 {
		return 0
	}
	slices.Sort(levels)
	return levels[len(levels)/2]
}

// medianFrequency returns the median frequency of the recording's 100 ms
// windows that hold sound above silence throughout.
func medianFrequency(r *pulsetest.Recording) float64 {
	window := r.Format.SampleRate / 10 * r.Format.Channels
	var freqs []float64
	for i := 0; i+window <= len(r.Samples); i += window {
		part := &pulsetest.Recording{Format: r.Format, Samples: r.Samples[i : i+window]}
		if len(part.Gaps(silence, 5*time.Millisecond)) > 0 || part.SoundDuration(silence) < 90*time.Millisecond {
			continue
		}
		freqs = append(freqs, part.Frequency())
	}
	if len(freqs) == 0 {
		return 0
	}
	slices.Sort(freqs)
	return freqs[len(freqs)/2]
}

// loudDuration returns the total length of the recording's 10 ms windows
// whose RMS level is above silence, wherever they are.
func loudDuration(r *pulsetest.Recording) time.Duration {
	window := r.Format.SampleRate / 100 * r.Format.Channels
	loud := 0
	for i := 0; i+window <= len(r.Samples); i += window {
		part := &pulsetest.Recording{Format: r.Format, Samples: r.Samples[i : i+window]}
		if part.RMS() > silence {
			loud++
		}
	}
	return time.Duration(loud) * 10 * time.Millisecond
}

// sinkBlock returns the latency that pactl reports as configured for sink.
// A null sink renders blocks of this length, each when the previous one
// has played on its clock (PulseAudio 16.1), and Position follows that
// clock.
func sinkBlock(t *testing.T, addr, sink string) time.Duration {
	t.Helper()
	out, err := exec.Command("pactl", "--server", addr, "list", "sinks").Output()
	if err != nil {
		t.Fatalf("pactl list sinks: %v", err)
	}
	_, block, ok := strings.Cut(string(out), "Name: "+sink+"\n")
	if !ok {
		t.Fatalf("sink %s not in pactl list sinks", sink)
	}
	_, rest, ok := strings.Cut(block, "Latency: ")
	if !ok {
		t.Fatalf("no latency for sink %s in pactl list sinks", sink)
	}
	var current, configured int64
	if _, err := fmt.Sscanf(rest, "%d usec, configured %d usec", &current, &configured); err != nil {
		t.Fatalf("parse sink latency %q: %v", rest[:min(len(rest), 40)], err)
	}
	t.Logf("sink latency %d µs, configured %d µs", current, configured)
	return time.Duration(configured) * time.Microsecond
}

// firstLoud returns the time of the first frame above silence.
func firstLoud(r *pulsetest.Recording) (time.Duration, bool) {
	for i := 0; i < r.Frames(); i++ {
		if math.Abs(float64(r.Samples[i*2])) > silence {
			return time.Duration(i) * time.Second / time.Duration(r.Format.SampleRate), true
		}
	}
	return 0, false
}
