package pulsetest_test

import (
	"context"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/testutil/fixtures"
	"github.com/tonearm/tonearm/internal/testutil/pulsetest"
)

func TestPlayedToneRecorded(t *testing.T) {
	addr := pulsetest.Require(t)
	sink := pulsetest.NewSink(t, addr)
	dir := t.TempDir()
	tone := fixtures.Spec{Path: "tone.wav", Format: fixtures.FormatWAV,
		Seconds: 2, Frequency: 1000, SampleRate: 48000}
	if err := fixtures.Generate(context.Background(), dir, []fixtures.Spec{tone}); err != nil {
		t.Fatal(err)
	}

	rec := pulsetest.StartRecording(t, addr, sink)
	if err := pulsetest.Play(context.Background(), addr, sink, filepath.Join(dir, tone.Path)); err != nil {
		t.Fatal(err)
	}
	got := rec.Stop()

	const threshold = 0.01
	sound := got.TrimSilence(threshold)
	if d := sound.Duration(); d < 1950*time.Millisecond || d > 2050*time.Millisecond {
		t.Errorf("sound lasts %v, want 2s ± 50ms", d)
	}
	if f := sound.Frequency(); math.Abs(f-1000) > 2 {
		t.Errorf("frequency = %.2f Hz, want 1000 ± 2", f)
	}
	wantRMS := fixtures.ToneAmplitude / math.Sqrt2
	if rms := sound.RMS(); math.Abs(rms-wantRMS) > 0.01 {
		t.Errorf("RMS = %.4f, want %.4f ± 0.01", rms, wantRMS)
	}
	if peak := sound.Peak(); math.Abs(peak-fixtures.ToneAmplitude) > 0.01 {
		t.Errorf("peak = %.4f, want %.4f ± 0.01", peak, fixtures.ToneAmplitude)
	}
	if gaps := got.Gaps(threshold, 5*time.Millisecond); len(gaps) != 0 {
		t.Errorf("recording has gaps %v, want none", gaps)
	}
	if t.Failed() {
		path := filepath.Join(t.TempDir(), "recording.wav")
		if err := got.WriteWAV(path); err == nil {
			t.Logf("recording kept in %s", path)
		}
	}
}

func TestSinksAreSeparate(t *testing.T) {
	addr := pulsetest.Require(t)
	quiet := pulsetest.NewSink(t, addr)
	loud := pulsetest.NewSink(t, addr)
	if quiet == loud {
		t.Fatalf("NewSink returned %q twice", quiet)
	}
	dir := t.TempDir()
	tone := fixtures.Spec{Path: "tone.wav", Format: fixtures.FormatWAV, Seconds: 0.5, SampleRate: 48000}
	if err := fixtures.Generate(context.Background(), dir, []fixtures.Spec{tone}); err != nil {
		t.Fatal(err)
	}
	rec := pulsetest.StartRecording(t, addr, quiet)
	if err := pulsetest.Play(context.Background(), addr, loud, filepath.Join(dir, tone.Path)); err != nil {
		t.Fatal(err)
	}
	if peak := rec.Stop().Peak(); peak != 0 {
		t.Errorf("sink %s recorded peak %.4f while only %s played", quiet, peak, loud)
	}
}

func TestRequirePrivateServer(t *testing.T) {
	t.Setenv("PULSE_SERVER", "")
	addr := pulsetest.Require(t)
	if !strings.HasPrefix(addr, "unix:") {
		t.Errorf("address %q, want a unix: socket", addr)
	}
	out, err := exec.Command("pactl", "--server", addr, "list", "short", "sinks").Output()
	if err != nil {
		t.Fatalf("pactl on the private server: %v", err)
	}
	if !strings.Contains(string(out), pulsetest.DefaultSink) {
		t.Errorf("private server sinks %q lack %s", out, pulsetest.DefaultSink)
	}
}

// synthetic returns a mono recording at 48 kHz of a sine at freq and
// amplitude amp, with the frames in [silentFrom, silentTo) zeroed.
func synthetic(seconds, freq, amp float64, silentFrom, silentTo int) *pulsetest.Recording {
	n := int(seconds * 48000)
	samples := make([]float32, n)
	for i := range samples {
		if i >= silentFrom && i < silentTo {
			continue
		}
		samples[i] = float32(amp * math.Sin(2*math.Pi*freq*float64(i)/48000))
	}
	return &pulsetest.Recording{Format: audio.Format{SampleRate: 48000, Channels: 1}, Samples: samples}
}

func TestAnalysisOfSynthetic(t *testing.T) {
	r := synthetic(1, 440, 0.5, 0, 0)
	if f := r.Frequency(); math.Abs(f-440) > 0.05 {
		t.Errorf("frequency = %.3f, want 440", f)
	}
	if rms := r.RMS(); math.Abs(rms-0.5/math.Sqrt2) > 0.001 {
		t.Errorf("RMS = %.4f, want %.4f", rms, 0.5/math.Sqrt2)
	}
	if peak := r.Peak(); math.Abs(peak-0.5) > 0.001 {
		t.Errorf("peak = %.4f, want 0.5", peak)
	}
	if d := r.Duration(); d != time.Second {
		t.Errorf("duration = %v, want 1s", d)
	}
}

func TestGapsFindsSilence(t *testing.T) {
	// 100 ms of silence from 0.5 s on.
	r := synthetic(1, 1000, 0.5, 24000, 28800)
	gaps := r.Gaps(0.01, 10*time.Millisecond)
	if len(gaps) != 1 {
		t.Fatalf("gaps = %v, want one", gaps)
	}
	if d := gaps[0].Start - 500*time.Millisecond; d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("gap starts at %v, want 500ms", gaps[0].Start)
	}
	if d := gaps[0].Length - 100*time.Millisecond; d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("gap lasts %v, want 100ms", gaps[0].Length)
	}
	if short := r.Gaps(0.01, 200*time.Millisecond); len(short) != 0 {
		t.Errorf("gaps of 200ms or more = %v, want none", short)
	}
}

func TestTrimSilenceEdges(t *testing.T) {
	// Silence in the first and last 0.25 s.
	r := synthetic(1, 1000, 0.5, 0, 12000)
	for i := 36000; i < len(r.Samples); i++ {
		r.Samples[i] = 0
	}
	if d := r.SoundDuration(0.01); d < 499*time.Millisecond || d > 501*time.Millisecond {
		t.Errorf("sound duration = %v, want 500ms", d)
	}
	if gaps := r.Gaps(0.01, time.Millisecond); len(gaps) != 0 {
		t.Errorf("leading or trailing silence counted as gaps: %v", gaps)
	}
	silent := synthetic(0.1, 1000, 0, 0, 0)
	if d := silent.SoundDuration(0.01); d != 0 {
		t.Errorf("silent recording has sound for %v", d)
	}
	if f := silent.Frequency(); f != 0 {
		t.Errorf("silent recording frequency = %v, want 0", f)
	}
}

func TestWriteWAVReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.wav")
	if err := synthetic(0.5, 440, 0.5, 0, 0).WriteWAV(path); err != nil {
		t.Fatal(err)
	}
	if err := fixtures.RequireTool("ffprobe"); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries",
		"stream=codec_name,sample_rate,channels,duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	if got := strings.TrimSpace(string(out)); got != "pcm_f32le,48000,1,0.500000" {
		t.Errorf("ffprobe = %q, want pcm_f32le,48000,1,0.500000", got)
	}
}
