package decode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

// toolPackages names the Debian package that provides each tool the tests
// run.
var toolPackages = map[string]string{
	"sox":      "sox",
	"lame":     "lame",
	"flac":     "flac",
	"metaflac": "flac",
	"oggenc":   "vorbis-tools",
	"opusenc":  "opus-tools",
	"ffmpeg":   "ffmpeg",
}

func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found in PATH: install the Debian package %s", name, toolPackages[name])
	}
	return p
}

func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	needTool(t, name)
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return out
}

// fixture describes a generated test file: a sine tone at freq Hz.
type fixture struct {
	format   string
	seconds  float64
	freq     float64
	rate     int
	channels int
}

// name identifies the fixture in subtest names.
func (f fixture) name() string {
	channels := f.channels
	if channels == 0 {
		channels = 2
	}
	return fmt.Sprintf("%s-%d-%dch", f.format, f.rate, channels)
}

// frames returns the length of the PCM the fixture was encoded from.
func (f fixture) frames() int64 { return int64(math.Round(f.seconds * float64(f.rate))) }

// make writes the fixture into dir with the shared fixture generator and
// returns its path.
func (f fixture) make(t testing.TB, dir string) string {
	t.Helper()
	name := fmt.Sprintf("tone-%s-%d-%d-%g%s", f.format, f.rate, f.channels, f.seconds,
		fixtures.Extension(f.format))
	spec := fixtures.Spec{
		Path:       name,
		Format:     f.format,
		Seconds:    f.seconds,
		Frequency:  f.freq,
		SampleRate: f.rate,
		Channels:   f.channels,
	}
	if err := fixtures.Generate(context.Background(), dir, []fixtures.Spec{spec}); err != nil {
		t.Fatalf("generating %s fixture: %v", f.format, err)
	}
	return filepath.Join(dir, name)
}

// fileSource returns a seekable source for path.
func fileSource(path, hint string) audio.Source {
	return audio.Source{
		URI:    "file://" + path,
		Format: hint,
		Open: func(context.Context, func(string)) (io.ReadCloser, error) {
			return os.Open(path)
		},
	}
}

// streamSource returns a source for path that cannot seek.
func streamSource(path string) audio.Source {
	return audio.Source{
		URI: "file://" + path,
		Open: func(context.Context, func(string)) (io.ReadCloser, error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			return struct {
				io.Reader
				io.Closer
			}{f, f}, nil
		},
	}
}

// readAll decodes s to its end.
func readAll(t testing.TB, s audio.Stream) []float32 {
	t.Helper()
	var out []float32
	buf := make([]float32, 4096*s.Format().Channels)
	for {
		n, err := s.Read(buf)
		if n%s.Format().Channels != 0 {
			t.Fatalf("Read returned %d samples, not whole frames of %d channels", n, s.Format().Channels)
		}
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
	}
}

// firstChannel returns channel 0 of interleaved samples.
func firstChannel(x []float32, channels int) []float32 {
	out := make([]float32, len(x)/channels)
	for i := range out {
		out[i] = x[i*channels]
	}
	return out
}

// ffmpegDecode decodes path with Debian's ffmpeg to interleaved float32 at
// the file's own rate, as a reference.
func ffmpegDecode(t testing.TB, path string, channels int) []float32 {
	t.Helper()
	raw := run(t, "ffmpeg", "-hide_banner", "-loglevel", "error", "-i", path,
		"-f", "f32le", "-ac", fmt.Sprint(channels), "pipe:1")
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(uint32(raw[4*i]) | uint32(raw[4*i+1])<<8 |
			uint32(raw[4*i+2])<<16 | uint32(raw[4*i+3])<<24)
	}
	return out
}

// snr returns the signal-to-noise ratio in dB of got against want over
// their common length.
func snr(want, got []float32) float64 {
	n := min(len(want), len(got))
	var sig, noise float64
	for i := 0; i < n; i++ {
		d := float64(want[i]) - float64(got[i])
		sig += float64(want[i]) * float64(want[i])
		noise += d * d
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

// sineSNR fits a sine of freq Hz to channel 0 of x and returns the ratio of
// the fitted sine's power to the residual in dB.
func sineSNR(x []float32, channels, rate int, freq float64) float64 {
	n := len(x) / channels
	var sc, cc, ss, xs, xc float64
	for i := 0; i < n; i++ {
		ph := 2 * math.Pi * freq * float64(i) / float64(rate)
		s, c := math.Sin(ph), math.Cos(ph)
		v := float64(x[i*channels])
		sc += s * c
		cc += c * c
		ss += s * s
		xs += v * s
		xc += v * c
	}
	det := ss*cc - sc*sc
	a := (xs*cc - xc*sc) / det
	b := (xc*ss - xs*sc) / det
	var sig, noise float64
	for i := 0; i < n; i++ {
		ph := 2 * math.Pi * freq * float64(i) / float64(rate)
		fit := a*math.Sin(ph) + b*math.Cos(ph)
		d := float64(x[i*channels]) - fit
		sig += fit * fit
		noise += d * d
	}
	return 10 * math.Log10(sig/noise)
}
