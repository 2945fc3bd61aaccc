// Package mpd_test drives real MPD clients (mpc, python-mpd2 and ncmpcpp)
// against the Tonearm MPD frontend running over the real core.
package mpd_test

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/mpdtest"
)

// server starts the frontend on a generated library of four tracks.
func server(t *testing.T) *mpdtest.Frontend {
	t.Helper()
	music := t.TempDir()
	tracks, err := mpdtest.Generate(context.Background(), music, mpdtest.SmallLibrary())
	if err != nil {
		t.Fatalf("generate library: %v", err)
	}
	sockDir, err := os.MkdirTemp("", "e2e")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fe, err := mpdtest.StartRealCore(mpd.Config{DataDir: t.TempDir(), MusicDir: music}, tracks, time.Minute, sockDir, log)
	if err != nil {
		t.Fatalf("start frontend: %v", err)
	}
	t.Cleanup(func() {
		if err := fe.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return fe
}

// requireTool fails the test, naming the Debian package, when a client is
// missing.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install the Debian package %s", name, pkg)
	}
	return path
}

func hostPort(addr string) (string, string) {
	i := strings.LastIndex(addr, ":")
	return addr[:i], addr[i+1:]
}

func runMpc(t *testing.T, fe *mpdtest.Frontend, args ...string) string {
	t.Helper()
	host, port := hostPort(fe.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mpc", append([]string{"-h", host, "-p", port}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mpc %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestMpc(t *testing.T) {
	requireTool(t, "mpc", "mpc")
	fe := server(t)

	runMpc(t, fe, "add", "A/X/01 One.mp3")
	runMpc(t, fe, "add", "B")
	if out := runMpc(t, fe, "playlist"); !strings.Contains(out, "One") || !strings.Contains(out, "Three") {
		t.Errorf("mpc playlist = %q", out)
	}
	if out := runMpc(t, fe, "play"); !strings.Contains(out, "[playing]") {
		t.Errorf("mpc play = %q", out)
	}
	if out := runMpc(t, fe, "status"); !strings.Contains(out, "[playing] #1/2") {
		t.Errorf("mpc status = %q", out)
	}
	if out := runMpc(t, fe, "current"); strings.TrimSpace(out) != "Artist A - One" {
		t.Errorf("mpc current = %q", out)
	}
	if out := runMpc(t, fe, "search", "artist", "Artist B"); !strings.Contains(out, "A/X/02 Two.flac") || !strings.Contains(out, "B/Y/01 Three.ogg") {
		t.Errorf("mpc search = %q", out)
	}
	if out := runMpc(t, fe, "find", "album", "Album X"); strings.Count(out, "\n") != 2 {
		t.Errorf("mpc find album = %q", out)
	}
	if out := runMpc(t, fe, "list", "album"); !strings.Contains(out, "Album Y") {
		t.Errorf("mpc list album = %q", out)
	}
	runMpc(t, fe, "save", "mine")
	if out := runMpc(t, fe, "lsplaylists"); strings.TrimSpace(out) != "mine" {
		t.Errorf("mpc lsplaylists = %q", out)
	}
	if out := runMpc(t, fe, "playlist", "mine"); strings.Count(out, "\n") != 2 {
		t.Errorf("mpc playlist mine = %q", out)
	}
	runMpc(t, fe, "volume", "30")
	if out := runMpc(t, fe, "volume"); !strings.Contains(out, "30%") {
		t.Errorf("mpc volume = %q", out)
	}
	runMpc(t, fe, "repeat", "on")
	if out := runMpc(t, fe, "status"); !strings.Contains(out, "repeat: on") {
		t.Errorf("mpc status after repeat on = %q", out)
	}
	runMpc(t, fe, "next")
	if out := runMpc(t, fe, "current"); strings.TrimSpace(out) != "Artist B - Three" {
		t.Errorf("mpc current after next = %q", out)
	}

	// mpc idle returns when another client changes the player.
	host, port := hostPort(fe.Addr)
	idle := exec.Command("mpc", "-h", host, "-p", port, "idle", "player")
	var idleOut strings.Builder
	idle.Stdout = &idleOut
	if err := idle.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	runMpc(t, fe, "pause")
	done := make(chan error, 1)
	go func() { done <- idle.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("mpc idle: %v", err)
		}
	case <-time.After(10 * time.Second):
		idle.Process.Kill()
		t.Fatal("mpc idle did not return after pause")
	}
	if strings.TrimSpace(idleOut.String()) != "player" {
		t.Errorf("mpc idle = %q", idleOut.String())
	}
	runMpc(t, fe, "stop")
	runMpc(t, fe, "clear")
	if out := runMpc(t, fe, "playlist"); out != "" {
		t.Errorf("mpc playlist after clear = %q", out)
	}
}

func TestPythonMPD2(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import mpd").Run(); err != nil {
		t.Fatalf("python-mpd2 is missing from %s: install the Debian package python3-mpd: %v", python, err)
	}
	fe := server(t)
	host, port := hostPort(fe.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "testdata/python_mpd2.py", host, port).CombinedOutput()
	if err != nil {
		t.Fatalf("python-mpd2 client failed: %v\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) != "ok" {
		t.Errorf("python-mpd2 client output %q", out)
	}
}

// tmux runs a tmux command on the test's own tmux server socket.
func tmux(t *testing.T, socket string, args ...string) string {
	t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", socket}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// waitForScreen polls the tmux pane until it contains want.
func waitForScreen(t *testing.T, socket, want string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	screen := ""
	for time.Now().Before(deadline) {
		screen = tmux(t, socket, "capture-pane", "-p", "-t", "ncmpcpp")
		if strings.Contains(screen, want) {
			return screen
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("ncmpcpp screen never showed %q; last screen:\n%s", want, screen)
	return ""
}

func TestNcmpcpp(t *testing.T) {
	requireTool(t, "ncmpcpp", "ncmpcpp")
	requireTool(t, "tmux", "tmux")
	fe := server(t)
	host, port := hostPort(fe.Addr)

	home := t.TempDir()
	socket := home + "/tmux.sock"
	cmd := "HOME=" + home + " TERM=xterm ncmpcpp --host " + host + " --port " + port
	tmux(t, socket, "new-session", "-d", "-s", "ncmpcpp", "-x", "160", "-y", "40", cmd)
	t.Cleanup(func() { exec.Command("tmux", "-S", socket, "kill-server").Run() })

	waitForScreen(t, socket, "Playlist")
	// Screen 4 is the media library, which lists artists from "list".
	tmux(t, socket, "send-keys", "-t", "ncmpcpp", "4")
	waitForScreen(t, socket, "Artist A")
	// Enter on the highlighted artist adds its songs and plays them.
	tmux(t, socket, "send-keys", "-t", "ncmpcpp", "Enter")
	deadline := time.Now().Add(15 * time.Second)
	for {
		lines, err := mpdtest.Exchange(fe.Addr, "status")
		if err != nil {
			t.Fatal(err)
		}
		status := strings.Join(lines, "\n")
		if strings.Contains(status, "state: play") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ncmpcpp did not start playback; status:\n%s\nscreen:\n%s", status, tmux(t, socket, "capture-pane", "-p", "-t", "ncmpcpp"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	lines, err := mpdtest.Exchange(fe.Addr, "playlistinfo")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(strings.Join(lines, "\n"), "file: "); got != 1 && got != 2 {
		t.Errorf("queue after Enter on Artist A has %d songs, want the artist's", got)
	}
	tmux(t, socket, "send-keys", "-t", "ncmpcpp", "q")
}
