package sandbox

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestFFmpegDecodesInSandbox runs Debian's ffmpeg under the policy the
// decoder uses, with an ADTS AAC stream on a stdin pipe.
func TestFFmpegDecodesInSandbox(t *testing.T) {
	requireLandlock(t)
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatalf("ffmpeg not found: install the Debian package ffmpeg")
	}
	aac := filepath.Join(t.TempDir(), "tone.aac")
	gen := exec.Command(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2",
		"-c:a", "aac", "-f", "adts", aac)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("generating AAC: %v: %s", err, out)
	}
	input, err := os.Open(aac)
	if err != nil {
		t.Fatal(err)
	}
	defer input.Close()

	p := Policy{
		ReadOnly:  append(SystemReadOnly(), ffmpeg),
		ReadWrite: []string{"/dev/null"},
		Limits:    Limits{AddressSpaceBytes: 1 << 30, CPUSeconds: 60, OpenFiles: 64},
		Seccomp:   true,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, err := Command(ctx, p, ffmpeg, "-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", "pipe", "-i", "pipe:0", "-f", "f32le", "-ac", "2", "pipe:1")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	// A pipe, not the file itself, so ffmpeg reads a stream it cannot seek.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		input.WriteTo(stdin)
		stdin.Close()
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sandboxed ffmpeg: %v: %s", err, stderr.String())
	}
	frames := stdout.Len() / 8
	if frames < 2*44100 || frames > 2*44100+2048 {
		t.Errorf("sandboxed ffmpeg decoded %d frames, want about %d", frames, 2*44100)
	}
}
