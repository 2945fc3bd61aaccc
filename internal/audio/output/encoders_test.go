package output

import (
	"math"
	"testing"
)

// second returns one second of a 440 Hz stereo tone at 48 kHz.
func second() []float32 {
	samples := make([]float32, 2*48000)
	for i := 0; i < 48000; i++ {
		v := float32(0.5 * math.Sin(2*math.Pi*440*float64(i)/48000))
		samples[2*i], samples[2*i+1] = v, v
	}
	return samples
}

func TestEncodersEmitWholeUnits(t *testing.T) {
	opusEnc, err := newOpusEncoder(48000, 2, 128000)
	if err != nil {
		t.Fatal(err)
	}
	defer opusEnc.close()
	flacEnc, err := newFLACEncoder(48000, 2)
	if err != nil {
		t.Fatal(err)
	}
	if h := flacEnc.header(); len(h) < 42 || string(h[:4]) != "fLaC" {
		t.Errorf("FLAC header %q does not start a FLAC stream", h[:min(len(h), 8)])
	}
	for _, c := range []struct {
		name  string
		enc   streamEncoder
		units int
	}{
		{"opus", opusEnc, 48000 / opusFrameSize},
		{"flac", flacEnc, 48000 / flacBlockSize},
	} {
		n := 0
		if err := c.enc.encode(second(), func(unit []byte) {
			if len(unit) == 0 {
				t.Errorf("%s: empty unit", c.name)
			}
			n++
		}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n != c.units {
			t.Errorf("%s: %d units from 1 s, want %d", c.name, n, c.units)
		}
	}
}

func BenchmarkOpusEncodeSecond(b *testing.B) {
	enc, err := newOpusEncoder(48000, 2, 128000)
	if err != nil {
		b.Fatal(err)
	}
	defer enc.close()
	pcm := second()
	for b.Loop() {
		_ = enc.encode(pcm, func([]byte) {})
	}
}

func BenchmarkFLACEncodeSecond(b *testing.B) {
	enc, err := newFLACEncoder(48000, 2)
	if err != nil {
		b.Fatal(err)
	}
	pcm := second()
	for b.Loop() {
		_ = enc.encode(pcm, func([]byte) {})
	}
}
