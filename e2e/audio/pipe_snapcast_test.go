package audio_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/testutil/pulsetest"
)

func TestPipeOutputFeedsCommand(t *testing.T) {
	requireTool(t, "sox", "sox")
	requireTool(t, "ffmpeg", "ffmpeg")
	path := tone(t, "a440", 440, 2)
	wav := filepath.Join(t.TempDir(), "piped.wav")
	specs, err := output.Parse("pipe:sox -q -t raw -r 48000 -e signed -b 16 -c 2 - " + wav)
	if err != nil {
		t.Fatal(err)
	}
	set, err := output.Build(specs, output.Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	p := newPlayer(t, set.Outputs...)
	playQueue(t, p, path)
	// Close ends the command's stdin, so sox finishes the file.
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	sound := decodeFile(t, wav).TrimSilence(silence)
	if d := sound.Duration(); d < 1990*time.Millisecond || d > 2010*time.Millisecond {
		t.Errorf("sox received %v of a 2 s tone", d)
	}
	if f := sound.Frequency(); !within(f, 440, 1) {
		t.Errorf("sox received %.1f Hz, want 440", f)
	}
	if peak := sound.Peak(); !within(peak, 0.5, 0.01) {
		t.Errorf("peak %.3f, want 0.5", peak)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startProcess starts cmd and stops it by its PID when the test ends.
func startProcess(t *testing.T, cmd *exec.Cmd) *bytes.Buffer {
	t.Helper()
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(cmd.Path), logs.String())
		}
	})
	return &logs
}

func TestSnapcastFIFOReachesClient(t *testing.T) {
	requireTool(t, "snapserver", "snapserver")
	requireTool(t, "snapclient", "snapclient")
	path := tone(t, "a440", 440, 3)
	addr := pulsetest.Require(t)
	sink := pulsetest.NewSink(t, addr)

	dir := t.TempDir()
	fifo := filepath.Join(dir, "snapfifo")
	streamPort := freePort(t)
	conf := fmt.Sprintf(`[server]
datadir = %s
[http]
enabled = false
[tcp]
enabled = false
[stream]
bind_to_address = 127.0.0.1
port = %d
source = pipe://%s?name=default&sampleformat=48000:16:2&mode=create
buffer = 1000
[logging]
filter = *:notice
`, dir, streamPort, fifo)
	confPath := filepath.Join(dir, "snapserver.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	startProcess(t, exec.Command("snapserver", "-c", confPath))

	// A pulse buffer of 500 ms, five times the default of snapclient 0.26,
	// lets the client miss the scheduler that long on a busy machine
	// before the sink underruns. With the default, runs under load lost
	// 0.2 to 0.4 s of the tone.
	client := exec.Command("snapclient", "-h", "127.0.0.1", "-p", fmt.Sprint(streamPort),
		"--player", "pulse:buffer_time=500", "-s", sink, "--hostID", "tonearm-test", "--logfilter", "*:notice")
	client.Env = pulsetest.Env(addr)
	startProcess(t, client)

	// The output opens the FIFO when the player starts and, if it is
	// missing then, retries only after a backoff while dropping samples.
	waitFor(t, 30*time.Second, "snapserver to create "+fifo, func() bool {
		fi, err := os.Stat(fifo)
		return err == nil && fi.Mode()&os.ModeNamedPipe != 0
	})
	waitFor(t, 30*time.Second, "snapclient to open a stream on "+sink, func() bool {
		return sinkHasInput(t, addr, sink)
	})
	specs, err := output.Parse("snapcast:fifo:" + fifo)
	if err != nil {
		t.Fatal(err)
	}
	set, err := output.Build(specs, output.Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	p := newPlayer(t, set.Outputs...)

	rec := pulsetest.StartRecording(t, addr, sink)
	playQueue(t, p, path)
	// Snapcast plays each chunk its buffer time (1 s here) after the
	// server read it, plus the client's own latency.
	waitFor(t, 30*time.Second, "snapclient to play the tone to its end", func() bool {
		quiet, ok := silentTail(rec.Recorded())
		return ok && quiet >= time.Second
	})
	got := rec.Stop()
	keepOnFailure(t, got)

	// Snapcast may split the tone into parts when the machine is busy, so
	// the check adds up the sound wherever it is.
	if d := loudDuration(got); d < 2800*time.Millisecond || d > 3200*time.Millisecond {
		t.Errorf("snapclient played %v of a 3 s tone", d)
	}
	// Snapclient corrects its clock drift by dropping or repeating samples,
	// and those add stray zero crossings to a whole-recording count.
	if f := medianFrequency(got); !within(f, 440, 3) {
		t.Errorf("snapclient played %.1f Hz, want 440", f)
	}
}

// waitFor polls cond every 50 ms until it returns true, and fails the test
// after timeout, naming what it waited for.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sinkHasInput reports whether a stream plays to sink.
func sinkHasInput(t *testing.T, addr, sink string) bool {
	t.Helper()
	sinks, err := exec.Command("pactl", "--server", addr, "list", "short", "sinks").Output()
	if err != nil {
		t.Fatalf("pactl list short sinks: %v", err)
	}
	index := ""
	for line := range strings.Lines(string(sinks)) {
		if fields := strings.Fields(line); len(fields) >= 2 && fields[1] == sink {
			index = fields[0]
		}
	}
	if index == "" {
		t.Fatalf("sink %s not in pactl list short sinks", sink)
	}
	inputs, err := exec.Command("pactl", "--server", addr, "list", "short", "sink-inputs").Output()
	if err != nil {
		t.Fatalf("pactl list short sink-inputs: %v", err)
	}
	for line := range strings.Lines(string(inputs)) {
		if fields := strings.Fields(line); len(fields) >= 2 && fields[1] == index {
			return true
		}
	}
	return false
}

// silentTail returns how long the recording has been silent since its last
// sound, and false while it contains no sound at all.
func silentTail(r *pulsetest.Recording) (time.Duration, bool) {
	c := r.Format.Channels
	for i := r.Frames() - 1; i >= 0; i-- {
		for _, v := range r.Samples[i*c : (i+1)*c] {
			if math.Abs(float64(v)) > silence {
				return frameTime(r, r.Frames()-1-i), true
			}
		}
	}
	return 0, false
}

func TestSnapcastTCPReachesServer(t *testing.T) {
	// A snapserver tcp source in server mode is a listening socket. This
	// listener takes its place and checks the byte count and pace of the
	// feed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	received := make(chan int, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			received <- -1
			return
		}
		defer c.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(c)
		received <- buf.Len()
	}()

	path := tone(t, "a440", 440, 1)
	specs, err := output.Parse("snapcast:tcp:" + l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	set, err := output.Build(specs, output.Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	p := newPlayer(t, set.Outputs...)
	start := time.Now()
	playQueue(t, p, path)
	elapsed := time.Since(start)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if n := <-received; n != 48000*4 {
		t.Errorf("received %d bytes, want %d (1 s of 48 kHz s16 stereo)", n, 48000*4)
	}
	if elapsed < 800*time.Millisecond {
		t.Errorf("1 s of audio sent in %v: the feed does not keep real-time pace", elapsed)
	}
}

func TestPulseServerRestartReconnects(t *testing.T) {
	requireTool(t, "pulseaudio", "pulseaudio")
	dir, err := os.MkdirTemp("", "tonearm-pa-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "native")
	addr := "unix:" + socket
	start := func() *exec.Cmd {
		cmd := exec.Command("pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1",
			"--disallow-exit=yes", "--use-pid-file=no", "--log-target=stderr",
			"-L", "module-native-protocol-unix auth-anonymous=1 socket="+socket,
			"-L", "module-null-sink sink_name=restart_sink rate=48000 channels=2 norewinds=1")
		cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "HOME="+dir, "PULSE_SERVER=")
		var logs bytes.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("start pulseaudio: %v", err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !output.PulseAvailable(addr) {
			if time.Now().After(deadline) {
				t.Fatalf("pulseaudio did not answer within 10 s:\n%s", logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		return cmd
	}
	stop := func(cmd *exec.Cmd) {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
	server := start()
	t.Cleanup(func() { stop(server) })

	path := tone(t, "a440", 440, 16)
	p := newPlayer(t, output.NewPulse(addr, "restart_sink", testLogger(t)))
	if err := p.Play(context.Background(), fileSource(path), 0); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, audio.EventStarted)
	time.Sleep(time.Second)
	stop(server)
	time.Sleep(300 * time.Millisecond)
	server = start()

	// The output retries 0.5 s, 1.5 s, 3.5 s and 7.5 s after the kill, so
	// it is back within 7.5 s even when the server is slow to start on a
	// busy machine. The tone has 15 s left at the kill.
	rec := pulsetest.StartRecording(t, addr, "restart_sink")
	time.Sleep(9 * time.Second)
	got := rec.Stop()
	keepOnFailure(t, got)
	if d := loudDuration(got); d < 1500*time.Millisecond {
		t.Errorf("heard %v in 9 s after the server restarted, want the tone again", d)
	}
	if f := medianFrequency(got); !within(f, 440, 3) {
		t.Errorf("after the restart: %.1f Hz, want 440", f)
	}
	p.SetNext(nil)
	// Playback went on to the end through the outage.
	waitEvent(t, p, audio.EventEndOfStream)
}
