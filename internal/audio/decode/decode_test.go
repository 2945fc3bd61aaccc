package decode

import (
	"context"
	"testing"
)

// formatCase is one format under test with the SNR its decoder must reach
// against ffmpeg's decoding of the same file.
type formatCase struct {
	fixture
	minSNR float64
}

var formatCases = []formatCase{
	{fixture{format: "wav", seconds: 3, freq: 440, rate: 44100}, 200},
	{fixture{format: "flac", seconds: 3, freq: 440, rate: 44100}, 200},
	{fixture{format: "mp3", seconds: 3, freq: 440, rate: 44100}, 60},
	{fixture{format: "ogg", seconds: 3, freq: 440, rate: 44100}, 60},
	{fixture{format: "opus", seconds: 3, freq: 440, rate: 48000}, 60},
}

func TestOpenLengthAndContent(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range formatCases {
		t.Run(tc.format, func(t *testing.T) {
			path := tc.make(t, dir)
			s, err := Open(context.Background(), fileSource(path, ""), Options{})
			if err != nil {
				t.Fatalf("Open(%s): %v", path, err)
			}
			defer s.Close()
			got := readAll(t, s)
			ch := s.Format().Channels
			if s.Format().SampleRate != tc.rate {
				t.Errorf("sample rate = %d, want %d", s.Format().SampleRate, tc.rate)
			}
			if n := int64(len(got) / ch); n != tc.frames() {
				t.Errorf("decoded %d frames, want %d", n, tc.frames())
			}
			if s.Frames() != tc.frames() {
				t.Errorf("Frames() = %d, want %d", s.Frames(), tc.frames())
			}
			want := ffmpegDecode(t, path, ch)
			if len(want) != len(got) {
				t.Errorf("ffmpeg decoded %d samples, we decoded %d", len(want), len(got))
			}
			v := snr(want, got)
			t.Logf("%s: %d frames, SNR against ffmpeg %.1f dB", tc.format, len(got)/ch, v)
			if v < tc.minSNR {
				t.Errorf("SNR against ffmpeg = %.1f dB, want at least %.1f", v, tc.minSNR)
			}
		})
	}
}

func TestSeekFrameExact(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range formatCases {
		t.Run(tc.format, func(t *testing.T) {
			path := tc.make(t, dir)
			s, err := Open(context.Background(), fileSource(path, ""), Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			all := readAll(t, s)
			ch := s.Format().Channels
			for _, frame := range []int64{0, 1, 4095, 4097, 44100, tc.frames() - 10, tc.frames()} {
				if err := s.SeekFrame(frame); err != nil {
					t.Fatalf("SeekFrame(%d): %v", frame, err)
				}
				got := readAll(t, s)
				want := all[frame*int64(ch):]
				if len(got) != len(want) {
					t.Fatalf("after SeekFrame(%d) read %d samples, want %d", frame, len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("after SeekFrame(%d) sample %d = %v, want %v", frame, i, got[i], want[i])
					}
				}
			}
		})
	}
}

func TestOpenUnseekable(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range formatCases {
		t.Run(tc.format, func(t *testing.T) {
			path := tc.make(t, dir)
			s, err := Open(context.Background(), streamSource(path), Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			got := readAll(t, s)
			if n := int64(len(got) / s.Format().Channels); n != tc.frames() {
				t.Errorf("decoded %d frames, want %d", n, tc.frames())
			}
		})
	}
}
