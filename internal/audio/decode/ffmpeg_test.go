package decode

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ffmpegPid returns the pid of the ffmpeg child behind s.
func ffmpegPid(t *testing.T, s any) int {
	t.Helper()
	ts, ok := s.(*trimmedStream)
	if !ok {
		t.Fatalf("stream is %T, want *trimmedStream", s)
	}
	c, ok := ts.c.(*ffmpegCodec)
	if !ok {
		t.Fatalf("codec is %T, want *ffmpegCodec", ts.c)
	}
	return c.run.cmd.Process.Pid
}

// processGone reports whether pid no longer exists, not even as a zombie.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

func m4aFixture(t *testing.T, seconds float64) string {
	t.Helper()
	return fixture{format: "m4a-alac", seconds: seconds, freq: 440, rate: 44100}.make(t, t.TempDir())
}

func TestFFmpegKilledOnClose(t *testing.T) {
	path := m4aFixture(t, 20)
	s, err := Open(context.Background(), fileSource(path, ""), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	buf := make([]float32, 1024)
	if _, err := s.Read(buf); err != nil {
		t.Fatalf("Read: %v", err)
	}
	pid := ffmpegPid(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !processGone(pid) {
		t.Errorf("ffmpeg pid %d still exists after Close", pid)
	}
}

func TestFFmpegKilledOnCancel(t *testing.T) {
	path := m4aFixture(t, 20)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Open(ctx, fileSource(path, ""), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	pid := ffmpegPid(t, s)
	cancel()
	buf := make([]float32, 4096)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := s.Read(buf)
		if err != nil {
			if errors.Is(err, io.EOF) {
				t.Errorf("Read after cancel ended with io.EOF, want the kill reported")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Read kept returning audio 30 s after cancel")
		}
	}
	if !processGone(pid) {
		t.Errorf("ffmpeg pid %d still exists after cancel", pid)
	}
}

func TestFFmpegMissing(t *testing.T) {
	path := m4aFixture(t, 1)
	opts := Options{FFmpeg: FFmpegOptions{Path: "/nonexistent/ffmpeg"}}
	_, err := Open(context.Background(), fileSource(path, ""), opts)
	if err == nil || !strings.Contains(err.Error(), "install the Debian package ffmpeg") {
		t.Errorf("Open with missing ffmpeg: %v, want a message naming the Debian package", err)
	}
}

func TestFFmpegDisabled(t *testing.T) {
	path := m4aFixture(t, 1)
	opts := Options{FFmpeg: FFmpegOptions{Disable: true}}
	if _, err := Open(context.Background(), fileSource(path, ""), opts); err == nil {
		t.Errorf("Open of M4A with the fallback disabled succeeded")
	}
}

func TestFFmpegSeek(t *testing.T) {
	path := m4aFixture(t, 3)
	s, err := Open(context.Background(), fileSource(path, ""), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	all := readAll(t, s)
	const frame = 48000
	if err := s.SeekFrame(frame); err != nil {
		t.Fatalf("SeekFrame: %v", err)
	}
	got := readAll(t, s)
	want := all[2*frame:]
	if len(got) != len(want) {
		t.Fatalf("after SeekFrame(%d) read %d samples, want %d", frame, len(got), len(want))
	}
	if v := snr(want, got); v < 100 {
		t.Errorf("SNR after seek against linear decode = %.1f dB, want at least 100", v)
	}
}

func TestFFmpegUnseekableMP4(t *testing.T) {
	path := m4aFixture(t, 2)
	s, err := Open(context.Background(), streamSource(path), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if n := len(readAll(t, s)) / 2; n != 96000 {
		t.Errorf("decoded %d frames, want 96000", n)
	}
}

func TestMPEG25GoesToFFmpeg(t *testing.T) {
	dir := t.TempDir()
	wav := filepath.Join(dir, "tone.wav")
	run(t, "sox", "-n", "-r", "8000", "-c", "1", "-b", "16", wav, "synth", "2", "sine", "440", "vol", "0.5")
	mp3 := filepath.Join(dir, "tone.mp3")
	// 8 kHz is an MPEG-2.5 sample rate, which go-mp3 rejects.
	run(t, "lame", "--quiet", "-b", "16", wav, mp3)
	head, err := os.ReadFile(mp3)
	if err != nil {
		t.Fatal(err)
	}
	if k := sniff(head[id3v2Size(head):]); k != kindOther {
		t.Fatalf("sniff of an MPEG-2.5 file = %v, want other", k)
	}
	s, err := Open(context.Background(), fileSource(mp3, "mp3"), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	got := readAll(t, s)
	if s.Format().SampleRate != 48000 {
		t.Errorf("sample rate %d, want ffmpeg's 48000", s.Format().SampleRate)
	}
	if v := sineSNR(got[len(got)/4:len(got)*3/4], 2, 48000, 440); v < 20 {
		t.Errorf("tone SNR %.1f dB, want at least 20", v)
	}
}

func TestLiveVorbisGoesToFFmpeg(t *testing.T) {
	path := fixture{format: "ogg", seconds: 2, freq: 440, rate: 44100}.make(t, t.TempDir())
	src := streamSource(path)
	src.Live = true
	s, err := Open(context.Background(), src, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if s.Format().SampleRate != 48000 {
		t.Errorf("sample rate %d, want ffmpeg's 48000", s.Format().SampleRate)
	}
	if err := s.SeekFrame(10); err == nil {
		t.Error("SeekFrame on a live stream succeeded")
	}
	got := readAll(t, s)
	if v := sineSNR(got[len(got)/4:len(got)*3/4], 2, 48000, 440); v < 40 {
		t.Errorf("tone SNR %.1f dB, want at least 40", v)
	}
}
