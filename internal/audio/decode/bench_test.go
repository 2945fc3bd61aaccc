package decode

import (
	"context"
	"errors"
	"io"
	"testing"
)

// BenchmarkDecode decodes a 30-second 44.1 kHz stereo tone of each format
// from start to end and reports the speed as a multiple of real time.
func BenchmarkDecode(b *testing.B) {
	const seconds = 30
	dir := b.TempDir()
	for _, format := range []string{"wav", "flac", "mp3", "ogg", "opus", "m4a-aac", "m4a-alac"} {
		path := fixture{format: format, seconds: seconds, freq: 440, rate: 44100}.make(b, dir)
		b.Run(format, func(b *testing.B) {
			buf := make([]float32, 8192)
			for b.Loop() {
				s, err := Open(context.Background(), fileSource(path, ""), Options{})
				if err != nil {
					b.Fatal(err)
				}
				for {
					_, err := s.Read(buf)
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				s.Close()
			}
			b.ReportMetric(float64(seconds*b.N)/b.Elapsed().Seconds(), "x_realtime")
		})
	}
}

// BenchmarkSeek measures a seek to the middle of a 30-second file followed
// by one read, per format.
func BenchmarkSeek(b *testing.B) {
	const seconds = 30
	dir := b.TempDir()
	for _, format := range []string{"wav", "flac", "mp3", "ogg", "opus", "m4a-alac"} {
		path := fixture{format: format, seconds: seconds, freq: 440, rate: 44100}.make(b, dir)
		b.Run(format, func(b *testing.B) {
			s, err := Open(context.Background(), fileSource(path, ""), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			buf := make([]float32, 4096)
			middle := int64(s.Format().SampleRate) * seconds / 2
			for b.Loop() {
				if err := s.SeekFrame(middle); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Read(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
