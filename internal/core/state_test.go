package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/fsutil"
)

func restoring(dir string) func(*Options) {
	return func(o *Options) {
		o.RestoreState = true
		o.DataDir = dir
		o.SaveDelay = 5 * time.Millisecond
	}
}

func TestStateRestoreAfterRestart(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, restoring(dir))
	e.add("1", "2", "3")
	tr := e.core.Tracklist()
	tr.SetRepeat(e.ctx, true)
	tr.SetConsume(e.ctx, true)
	e.core.Mixer().SetVolume(e.ctx, 30)
	e.core.Mixer().SetMute(e.ctx, true)
	e.play(intp(2))
	e.player.Advance(3 * time.Second)
	if err := e.core.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	info, err := os.Stat(filepath.Join(dir, "core", "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != fsutil.FileMode {
		t.Errorf("state file mode = %v, want %v", info.Mode().Perm(), fsutil.FileMode)
	}

	r := newEnv(t, restoring(dir))
	if got := r.tlids(); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("tracklist = %v, want [1 2 3]", got)
	}
	if rep, _ := r.core.Tracklist().GetRepeat(r.ctx); !rep {
		t.Error("repeat not restored")
	}
	if con, _ := r.core.Tracklist().GetConsume(r.ctx); !con {
		t.Error("consume not restored")
	}
	if v, _ := r.core.Mixer().GetVolume(r.ctx); v == nil || *v != 30 {
		t.Errorf("volume = %v, want 30", v)
	}
	if m, _ := r.core.Mixer().GetMute(r.ctx); m == nil || !*m {
		t.Error("mute not restored")
	}
	if vol, mute := r.player.Volume(); vol != 30 || !mute {
		t.Errorf("player volume %d mute %v, want 30 true", vol, mute)
	}
	if r.state() != Playing || r.currentTLID() != 2 {
		t.Errorf("state %s current %d, want playing 2", r.state(), r.currentTLID())
	}
	calls := r.player.Calls()
	if i := slices.IndexFunc(calls, func(c audiotest.Call) bool { return c.Method == "Play" }); i < 0 ||
		calls[i].URI != "mem:2" || calls[i].Position != 3*time.Second {
		t.Errorf("player calls = %+v, want Play mem:2 at 3s", calls)
	}
	if n, _ := r.core.History().GetLength(r.ctx); n < 1 {
		t.Errorf("history length = %d, want at least 1", n)
	}
	added, _ := r.core.Tracklist().Add(r.ctx, nil, nil, []string{"mem:4"})
	if added[0].TLID != 4 {
		t.Errorf("tlid after restore = %d, want 4", added[0].TLID)
	}
}

// TestStateRestoreAudioFormat checks that a track's audio format, which
// the Mopidy track model leaves out, survives a restart.
func TestStateRestoreAudioFormat(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, restoring(dir))
	e.add("1", "2")
	e.core.mu.Lock()
	e.core.tl.entries[1].tl.Track.AudioFormat = "44100:24:2"
	e.core.mu.Unlock()
	if err := e.core.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	r := newEnv(t, restoring(dir))
	tracks, err := r.core.Tracklist().GetTlTracks(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tracks) != 2 {
		t.Fatalf("%d tracks restored, want 2", len(tracks))
	}
	if f := tracks[0].Track.AudioFormat; f != "" {
		t.Errorf("audio format of tlid 1 = %q, want none", f)
	}
	if f := tracks[1].Track.AudioFormat; f != "44100:24:2" {
		t.Errorf("audio format of tlid 2 = %q, want 44100:24:2", f)
	}
}

func TestStateRestorePaused(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, restoring(dir))
	e.add("1", "2")
	e.play(intp(1))
	e.player.Advance(2 * time.Second)
	e.core.Playback().Pause(e.ctx)
	e.core.Close()

	r := newEnv(t, restoring(dir))
	if r.state() != Paused || r.currentTLID() != 1 {
		t.Errorf("state %s current %d, want paused 1", r.state(), r.currentTLID())
	}
	if r.player.State() != "paused" || r.player.Position() != 2*time.Second {
		t.Errorf("player %s at %v, want paused at 2s", r.player.State(), r.player.Position())
	}
}

func TestStateRestoreStopped(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, restoring(dir))
	e.add("1")
	e.play(nil)
	e.core.Playback().Stop(e.ctx)
	e.core.Close()
	r := newEnv(t, restoring(dir))
	if r.state() != Stopped || len(r.player.Played()) != 0 {
		t.Errorf("state %s, played %v; want stopped, nothing played", r.state(), r.player.Played())
	}
	if got := r.tlids(); !slices.Equal(got, []int{1}) {
		t.Errorf("tracklist = %v", got)
	}
}

func TestStateSavedOnChange(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, restoring(dir))
	e.add("1", "2")
	path := filepath.Join(dir, "core", "state.json")
	waitFor(t, func() bool {
		s, err := readState(path, 100)
		return err == nil && len(s.Tracklist) == 2
	})
}

func TestStateCorruptFileIgnored(t *testing.T) {
	cases := map[string]string{
		"garbage":   "not json at all",
		"truncated": `{"format":1,"tracklist":[{"__model__":"TlTrack","tlid":1,"tr`,
		"format":    `{"format":99}`,
		"volume":    `{"format":1,"volume":500,"state":"stopped"}`,
		"tlids":     `{"format":1,"state":"stopped","tracklist":[{"tlid":1,"track":{"uri":"mem:1"}},{"tlid":1,"track":{"uri":"mem:2"}}]}`,
		"current":   `{"format":1,"state":"playing","current_tlid":9}`,
		"model":     `{"format":1,"state":"stopped","tracklist":[{"__model__":"Track","tlid":1}]}`,
		"format of": `{"format":1,"state":"stopped","tracklist":[{"tlid":1,"track":{"uri":"mem:1"}}],"audio_formats":{"2":"44100:16:2"}}`,
		"empty":     ``,
		"priority":  `{"format":1,"state":"stopped","tracklist":[{"tlid":1,"track":{"uri":"mem:1"}}],"priorities":{"1":256}}`,
		"prio of":   `{"format":1,"state":"stopped","tracklist":[{"tlid":1,"track":{"uri":"mem:1"}}],"priorities":{"2":5}}`,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fsutil.MkdirPrivate(filepath.Join(dir, "core"))
			os.WriteFile(filepath.Join(dir, "core", "state.json"), []byte(content), 0o600)
			e := newEnv(t, restoring(dir))
			if n, _ := e.core.Tracklist().GetLength(e.ctx); n != 0 {
				t.Errorf("tracklist length = %d, want 0", n)
			}
			if e.state() != Stopped {
				t.Errorf("state = %s", e.state())
			}
		})
	}
}

// stateChildEnv names the folder a child process writes state into.
const stateChildEnv = "TONEARM_CORE_STATE_CHILD"

// TestStateWriterChild is the child process of TestStateSurvivesKill: it
// changes the state as fast as it can until it is killed.
func TestStateWriterChild(t *testing.T) {
	dir := os.Getenv(stateChildEnv)
	if dir == "" {
		return // run only as a child
	}
	player := audiotest.New(audiotest.Options{Manual: true})
	c, err := New(Options{
		Player: player, RestoreState: true, DataDir: dir,
		SaveDelay: time.Microsecond, Backends: []backendT{newMem("mem").backend()},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; ; i++ {
		c.Tracklist().Add(ctx, nil, nil, []string{fmt.Sprintf("mem:%d", i)})
		if n, _ := c.Tracklist().GetLength(ctx); n > 200 {
			c.Tracklist().Clear(ctx)
		}
		c.Mixer().SetVolume(ctx, i%101)
		if i%50 == 0 {
			c.saveState() // also write directly, without the delay
		}
	}
}

// TestStateSurvivesKill kills a child process that saves state in a loop,
// at varying moments, and checks that the state file is always a whole,
// valid file (old or new) that the next start restores.
func TestStateSurvivesKill(t *testing.T) {
	if os.Getenv(stateChildEnv) != "" {
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "core", "state.json")
	valid := 0
	for i := range 12 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStateWriterChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), stateChildEnv+"="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+37*i) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		s, err := readState(path, DefaultMaxTracklistLength)
		if errors.Is(err, fs.ErrNotExist) {
			continue // killed before the first save
		}
		if err != nil {
			data, _ := os.ReadFile(path)
			t.Fatalf("round %d: state file invalid after kill: %v\n%.200s", i, err, data)
		}
		if _, err := json.Marshal(s); err != nil {
			t.Fatal(err)
		}
		valid++
	}
	// the next start removes temporary files a kill left behind
	r := newEnv(t, restoring(dir))
	r.core.Close()
	if temps, _ := filepath.Glob(filepath.Join(dir, "core", ".state.json.tmp-*")); len(temps) > 0 {
		t.Errorf("temporary files left after a start: %v", temps)
	}
	if valid < 6 {
		t.Errorf("only %d of 12 rounds left a state file; the child saved too rarely to test", valid)
	}
}
