package decode

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tonearm/tonearm/internal/sandbox"
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
	{fixture{format: "mp3", seconds: 2.5, freq: 1000, rate: 22050}, 60},
	{fixture{format: "mp3", seconds: 2, freq: 440, rate: 48000, channels: 1}, 60},
	{fixture{format: "flac", seconds: 2, freq: 440, rate: 96000, channels: 1}, 200},
	{fixture{format: "ogg", seconds: 2, freq: 440, rate: 32000, channels: 1}, 60},
	{fixture{format: "opus", seconds: 2, freq: 440, rate: 48000, channels: 1}, 60},
}

func TestOpenLengthAndContent(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range formatCases {
		t.Run(tc.name(), func(t *testing.T) {
			path := tc.make(t, dir)
			s, err := Open(context.Background(), fileSource(path, ""), Options{})
			if err != nil {
				t.Fatalf("Open(%s): %v", path, err)
			}
			defer s.Close()
			got := readAll(t, s)
			ch := s.Format().Channels
			if tc.format == "opus" {
				tc.rate = 48000
			}
			if s.Format().SampleRate != tc.rate {
				t.Errorf("sample rate = %d, want %d", s.Format().SampleRate, tc.rate)
			}
			decoded := int64(len(got) / ch)
			if decoded != tc.frames() {
				t.Errorf("decoded %d frames, want %d", decoded, tc.frames())
			}
			wantFrames := tc.frames()
			if tc.format == "opus" && !opusBuiltin {
				// ffmpeg decodes Opus in race builds and cannot tell the
				// length before the end.
				wantFrames = -1
			}
			if s.Frames() != wantFrames {
				t.Errorf("Frames() = %d, want %d", s.Frames(), wantFrames)
			}
			// ffmpeg is the reference for the content, and the source PCM
			// for the length: ffmpeg 5.1 drops the first 128 frames of
			// some Vorbis files.
			want := ffmpegDecode(t, path, ch)
			viaFFmpeg := tc.format == "opus" && !opusBuiltin
			if srcCh := max(tc.channels, 1); tc.channels != 0 && srcCh != ch && !viaFFmpeg {
				// go-mp3 always outputs stereo, and ffmpeg's upmix scales.
				want = ffmpegDecode(t, path, srcCh)
				got = firstChannel(got, ch)
			}
			if len(want) != len(got) {
				t.Logf("ffmpeg decoded %d samples, we decoded %d", len(want), len(got))
			}
			v := snr(want, got)
			t.Logf("%s: %d frames, SNR against ffmpeg %.1f dB", tc.name(), decoded, v)
			if v < tc.minSNR {
				t.Errorf("SNR against ffmpeg = %.1f dB, want at least %.1f", v, tc.minSNR)
			}
		})
	}
}

func TestSeekFrameExact(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range formatCases {
		t.Run(tc.name(), func(t *testing.T) {
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
		t.Run(tc.name(), func(t *testing.T) {
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

func TestMain(m *testing.M) {
	sandbox.RunChildIfRequested()
	os.Exit(m.Run())
}

func TestFFmpegFallback(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"m4a-aac", "m4a-alac"} {
		t.Run(format, func(t *testing.T) {
			fx := fixture{format: format, seconds: 3, freq: 440, rate: 44100}
			path := fx.make(t, dir)
			s, err := Open(context.Background(), fileSource(path, ""), Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if f := s.Format(); f.SampleRate != 48000 || f.Channels != 2 {
				t.Errorf("Format() = %+v, want 48000 Hz stereo", f)
			}
			got := readAll(t, s)
			frames := int64(len(got) / 2)
			want := int64(3 * 48000)
			// ffmpeg keeps up to one AAC frame (1024 samples at the source
			// rate) of encoder padding after resampling.
			if frames < want || frames > want+1200 {
				t.Errorf("decoded %d frames, want %d to %d", frames, want, want+1200)
			}
			// The middle second leaves out encoder delay and padding.
			middle := got[2*48000 : 2*2*48000]
			v := sineSNR(middle, 2, 48000, 440)
			t.Logf("%s: %d frames, tone SNR %.1f dB", format, frames, v)
			if v < 30 {
				t.Errorf("SNR of the 440 Hz tone = %.1f dB, want at least 30", v)
			}
		})
	}
}

// TestSeekLongFiles seeks far into 20-second files, where Opus and MP3
// restart decoding at a page or frame before the target, and compares the
// rest with a linear decode.
func TestSeekLongFiles(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []formatCase{
		{fixture{format: "opus", seconds: 20, freq: 440, rate: 48000}, 60},
		{fixture{format: "mp3", seconds: 20, freq: 440, rate: 44100}, 90},
		{fixture{format: "ogg", seconds: 20, freq: 440, rate: 44100}, 90},
		{fixture{format: "flac", seconds: 20, freq: 440, rate: 44100}, 200},
	} {
		t.Run(tc.name(), func(t *testing.T) {
			path := tc.make(t, dir)
			s, err := Open(context.Background(), fileSource(path, ""), Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			all := readAll(t, s)
			ch := int64(s.Format().Channels)
			rate := int64(s.Format().SampleRate)
			for _, frame := range []int64{rate*10 + 123, rate * 15, rate*19 + 77} {
				if err := s.SeekFrame(frame); err != nil {
					t.Fatalf("SeekFrame(%d): %v", frame, err)
				}
				got := readAll(t, s)
				want := all[frame*ch:]
				if len(got) != len(want) {
					t.Fatalf("after SeekFrame(%d) read %d samples, want %d", frame, len(got), len(want))
				}
				v := snr(want, got)
				t.Logf("after SeekFrame(%d): SNR against linear decode %.1f dB", frame, v)
				if v < tc.minSNR {
					t.Errorf("after SeekFrame(%d): SNR against linear decode %.1f dB, want at least %.1f",
						frame, v, tc.minSNR)
				}
			}
		})
	}
}

// TestChainedOpus decodes two Opus files joined into one chained Ogg
// stream, as Ogg radio sends them: a stream that cannot seek plays both,
// each trimmed by its own pre-skip and final granule position.
func TestChainedOpus(t *testing.T) {
	if !opusBuiltin {
		// ffmpeg decodes Opus in race builds; its chaining is its own.
		return
	}
	dir := t.TempDir()
	first := fixture{format: "opus", seconds: 2, freq: 440, rate: 48000}.make(t, dir)
	second := fixture{format: "opus", seconds: 1, freq: 880, rate: 48000}.make(t, dir)
	a, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(second)
	if err != nil {
		t.Fatal(err)
	}
	chained := filepath.Join(dir, "chained.opus")
	if err := os.WriteFile(chained, append(a, b...), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), streamSource(chained), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	got := readAll(t, s)
	if n := len(got) / 2; n != 3*48000 {
		t.Errorf("decoded %d frames, want %d", n, 3*48000)
	}
	if v := sineSNR(got[2*48000:2*96000], 2, 48000, 440); v < 40 {
		t.Errorf("first stream: 440 Hz tone SNR %.1f dB, want at least 40", v)
	}
	if len(got) >= 2*144000 {
		if v := sineSNR(got[2*100000:2*140000], 2, 48000, 880); v < 40 {
			t.Errorf("second stream: 880 Hz tone SNR %.1f dB, want at least 40", v)
		}
	}
}

func TestWAVSampleFormats(t *testing.T) {
	dir := t.TempDir()
	for _, enc := range [][]string{
		{"-e", "unsigned-integer", "-b", "8"},
		{"-e", "signed-integer", "-b", "24"},
		{"-e", "signed-integer", "-b", "32"},
		{"-e", "floating-point", "-b", "32"},
		{"-e", "floating-point", "-b", "64"},
	} {
		name := enc[1] + "-" + enc[3]
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".wav")
			args := append([]string{"-n", "-r", "44100", "-c", "2"}, enc...)
			run(t, "sox", append(args, path, "synth", "1", "sine", "440", "vol", "0.5")...)
			s, err := Open(context.Background(), fileSource(path, ""), Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			got := readAll(t, s)
			if n := len(got) / 2; n != 44100 {
				t.Errorf("decoded %d frames, want 44100", n)
			}
			want := ffmpegDecode(t, path, 2)
			minSNR := 100.0
			if enc[3] == "8" {
				minSNR = 30
			}
			if v := snr(want, got); v < minSNR {
				t.Errorf("SNR against ffmpeg %.1f dB, want at least %.1f", v, minSNR)
			}
		})
	}
}
