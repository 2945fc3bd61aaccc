package resample

import (
	"errors"
	"io"
	"math"
	"testing"

	"github.com/tonearm/tonearm/internal/audio"
)

// sineStream is a seekable stream of a sine tone in every channel.
type sineStream struct {
	f      audio.Format
	freq   float64
	frames int64
	pos    int64
	closed bool
}

func (s *sineStream) Format() audio.Format { return s.f }
func (s *sineStream) Frames() int64        { return s.frames }
func (s *sineStream) Close() error         { s.closed = true; return nil }

func (s *sineStream) SeekFrame(frame int64) error {
	s.pos = frame
	return nil
}

func (s *sineStream) Read(p []float32) (int, error) {
	n := 0
	for n+s.f.Channels <= len(p) && s.pos < s.frames {
		v := float32(0.5 * math.Sin(2*math.Pi*s.freq*float64(s.pos)/float64(s.f.SampleRate)))
		for c := 0; c < s.f.Channels; c++ {
			p[n+c] = v
		}
		n += s.f.Channels
		s.pos++
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func readAll(t *testing.T, s audio.Stream) []float32 {
	t.Helper()
	var out []float32
	buf := make([]float32, 1000*s.Format().Channels)
	for {
		n, err := s.Read(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
	}
}

// toneLevel returns the RMS amplitude of channel ch of x at freq Hz,
// measured by correlation with a sine and a cosine, skipping edge frames
// at both ends.
func toneLevel(x []float32, channels, ch, rate int, freq float64, edge int) float64 {
	n := len(x) / channels
	var s, c float64
	count := 0
	for i := edge; i < n-edge; i++ {
		ph := 2 * math.Pi * freq * float64(i) / float64(rate)
		v := float64(x[i*channels+ch])
		s += v * math.Sin(ph)
		c += v * math.Cos(ph)
		count++
	}
	return 2 * math.Hypot(s, c) / float64(count) / math.Sqrt2
}

// residualDB returns the power of x minus the fitted tone at freq, relative
// to the tone, in dB.
func residualDB(x []float32, channels, rate int, freq float64, edge int) float64 {
	n := len(x) / channels
	var ss, cc, sc, xs, xc float64
	for i := edge; i < n-edge; i++ {
		ph := 2 * math.Pi * freq * float64(i) / float64(rate)
		sn, cs := math.Sin(ph), math.Cos(ph)
		v := float64(x[i*channels])
		ss += sn * sn
		cc += cs * cs
		sc += sn * cs
		xs += v * sn
		xc += v * cs
	}
	det := ss*cc - sc*sc
	a, b := (xs*cc-xc*sc)/det, (xc*ss-xs*sc)/det
	var sig, noise float64
	for i := edge; i < n-edge; i++ {
		ph := 2 * math.Pi * freq * float64(i) / float64(rate)
		fit := a*math.Sin(ph) + b*math.Cos(ph)
		d := float64(x[i*channels]) - fit
		sig += fit * fit
		noise += d * d
	}
	return 10 * math.Log10(noise/sig)
}

func TestLengthAndTone(t *testing.T) {
	cases := []struct {
		in, out int
		freq    float64
	}{
		{44100, 48000, 1000},
		{48000, 44100, 1000},
		{22050, 48000, 440},
		{96000, 44100, 5000},
		{44100, 44099, 1000},
	}
	for _, tc := range cases {
		src := &sineStream{f: audio.Format{SampleRate: tc.in, Channels: 2}, freq: tc.freq, frames: int64(tc.in) * 3}
		s, err := New(src, tc.out, 2)
		if err != nil {
			t.Fatalf("New(%d -> %d): %v", tc.in, tc.out, err)
		}
		got := readAll(t, s)
		want := int64(tc.out) * 3
		if n := int64(len(got) / 2); n != want {
			t.Errorf("%d -> %d: %d frames, want %d", tc.in, tc.out, n, want)
		}
		if s.Frames() != want {
			t.Errorf("%d -> %d: Frames() = %d, want %d", tc.in, tc.out, s.Frames(), want)
		}
		edge := 64
		if r := residualDB(got, 2, tc.out, tc.freq, edge); r > -70 {
			t.Errorf("%d -> %d: residual beside the %g Hz tone %.1f dB, want below -70", tc.in, tc.out, tc.freq, r)
		}
		level := toneLevel(got, 2, 1, tc.out, tc.freq, edge)
		if math.Abs(level-0.5/math.Sqrt2) > 0.005 {
			t.Errorf("%d -> %d: tone RMS %.4f, want %.4f", tc.in, tc.out, level, 0.5/math.Sqrt2)
		}
	}
}

func TestRemovesAliases(t *testing.T) {
	// 23 kHz is above the 22.05 kHz Nyquist frequency of the output and
	// would fold back to 21.1 kHz.
	src := &sineStream{f: audio.Format{SampleRate: 48000, Channels: 1}, freq: 23000, frames: 48000}
	s, err := New(src, 44100, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, s)
	alias := toneLevel(got, 1, 0, 44100, 44100-23000, 64)
	if db := 20 * math.Log10(alias/(0.5/math.Sqrt2)); db > -60 {
		t.Errorf("alias at 21.1 kHz at %.1f dB, want below -60", db)
	}
}

func TestMonoToStereo(t *testing.T) {
	src := &sineStream{f: audio.Format{SampleRate: 44100, Channels: 1}, freq: 440, frames: 44100}
	s, err := New(src, 44100, 2)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, s)
	if len(got) != 2*44100 {
		t.Fatalf("%d samples, want %d", len(got), 2*44100)
	}
	for i := 0; i < len(got); i += 2 {
		if got[i] != got[i+1] {
			t.Fatalf("frame %d: left %v, right %v", i/2, got[i], got[i+1])
		}
	}
	if math.Abs(float64(got[2*100])-0.5*math.Sin(2*math.Pi*440*100/44100)) > 1e-4 {
		t.Errorf("frame 100 = %v, want the input sample", got[200])
	}
}

func TestStereoToMono(t *testing.T) {
	src := &sineStream{f: audio.Format{SampleRate: 48000, Channels: 2}, freq: 440, frames: 4800}
	s, err := New(src, 48000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s); len(got) != 4800 {
		t.Errorf("%d samples, want 4800", len(got))
	}
}

func TestSameFormatReturnsInput(t *testing.T) {
	src := &sineStream{f: audio.Format{SampleRate: 48000, Channels: 2}, frames: 10}
	s, err := New(src, 48000, 2)
	if err != nil {
		t.Fatal(err)
	}
	if s != audio.Stream(src) {
		t.Errorf("New with the input's format returned a wrapper")
	}
}

func TestSeekMatchesLinearRead(t *testing.T) {
	src := &sineStream{f: audio.Format{SampleRate: 44100, Channels: 2}, freq: 1000, frames: 44100 * 2}
	s, err := New(src, 48000, 2)
	if err != nil {
		t.Fatal(err)
	}
	all := readAll(t, s)
	for _, frame := range []int64{0, 1, 5, 4099, 48000, 95999, 96000} {
		if err := s.SeekFrame(frame); err != nil {
			t.Fatalf("SeekFrame(%d): %v", frame, err)
		}
		got := readAll(t, s)
		want := all[2*frame:]
		if len(got) != len(want) {
			t.Fatalf("after SeekFrame(%d): %d samples, want %d", frame, len(got), len(want))
		}
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-6 {
				t.Fatalf("after SeekFrame(%d): sample %d = %v, want %v", frame, i, got[i], want[i])
			}
		}
	}
}

func TestCloseClosesInput(t *testing.T) {
	src := &sineStream{f: audio.Format{SampleRate: 44100, Channels: 2}, frames: 10}
	s, err := New(src, 48000, 2)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if !src.closed {
		t.Error("Close did not close the input")
	}
}

func TestNewRejectsBadFormats(t *testing.T) {
	src := &sineStream{f: audio.Format{SampleRate: 44100, Channels: 2}}
	for _, tc := range []struct{ rate, channels int }{{0, 2}, {48000, 0}, {48000, 9}, {10_000_000, 2}} {
		if _, err := New(src, tc.rate, tc.channels); err == nil {
			t.Errorf("New(%d Hz, %d channels) succeeded", tc.rate, tc.channels)
		}
	}
}

func BenchmarkResample44100To48000Stereo(b *testing.B) {
	const seconds = 10
	buf := make([]float32, 8192)
	for b.Loop() {
		src := &sineStream{f: audio.Format{SampleRate: 44100, Channels: 2}, freq: 1000, frames: 44100 * seconds}
		s, err := New(src, 48000, 2)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := s.Read(buf); err != nil {
				break
			}
		}
	}
	b.ReportMetric(float64(seconds*b.N)/b.Elapsed().Seconds(), "x_realtime")
}
