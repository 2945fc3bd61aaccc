package output

import (
	"math"
	"testing"
	"time"
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
	// Two seconds in, at least one second out: ffmpeg, which race builds
	// use, returns packets a moment after it reads the samples.
	pcm := append(second(), second()...)
	for _, c := range []struct {
		name     string
		enc      streamEncoder
		minUnits int
	}{
		{"opus", opusEnc, 48000 / opusFrameSize},
		{"flac", flacEnc, 2 * 48000 / flacBlockSize},
	} {
		n := 0
		emit := func(unit []byte) {
			if len(unit) == 0 {
				t.Errorf("%s: empty unit", c.name)
			}
			n++
		}
		if err := c.enc.encode(pcm, emit); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for deadline := time.Now().Add(5 * time.Second); n < c.minUnits && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
			if err := c.enc.encode(nil, emit); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		if n < c.minUnits {
			t.Errorf("%s: %d units from 2 s, want at least %d", c.name, n, c.minUnits)
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
