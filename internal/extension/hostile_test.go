package extension

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/extension/manifest"
)

// listenTCP opens a listener on 127.0.0.1 that accepts and closes
// connections, and returns its address and port.
func listenTCP(t *testing.T) (string, uint16) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().String(), uint16(l.Addr().(*net.TCPAddr).Port)
}

type hostileSetup struct {
	s          *server
	lib        backend.Library
	granted    string // a file inside the read grant
	secret     string // a file outside every grant
	declared   string // a listener on a declared port
	undeclared string // a listener on another port
}

func setupHostile(t *testing.T) *hostileSetup {
	t.Helper()
	grantDir, secretDir := t.TempDir(), t.TempDir()
	granted := filepath.Join(grantDir, "ok.txt")
	secret := filepath.Join(secretDir, "secret.txt")
	for _, f := range []string{granted, secret} {
		if err := os.WriteFile(f, []byte("data"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	declared, port := listenTCP(t)
	undeclared, _ := listenTCP(t)
	dir := filepath.Join(t.TempDir(), "extensions")
	install(t, dir, helloManifest(t), "hello")
	install(t, dir, &manifest.Manifest{
		Name: "hostile", Version: "0.1.0", Executable: "hostile",
		Schemes: []string{"hostile"},
		Scopes:  []string{"library:read", "playback:control"},
		Paths:   manifest.Paths{ReadOnly: []string{grantDir}},
		Hosts:   []string{fmt.Sprintf("127.0.0.1:%d", port)},
		Limits:  manifest.Limits{MemoryMiB: 128},
	}, "hostile")
	s := startServer(t, dir)
	s.waitRunning(t, "hello", 1)
	s.waitRunning(t, "hostile", 1)
	var lib backend.Library
	for _, b := range s.host.Backends() {
		if b.Name == "ext.hostile" {
			lib = b.Library
		}
	}
	if lib == nil {
		t.Fatal("no backend for the hostile extension")
	}
	return &hostileSetup{s: s, lib: lib, granted: granted, secret: secret, declared: declared, undeclared: undeclared}
}

// attack makes the hostile extension try one attack, "<kind>/<arg>",
// and returns the name of the track it returns: "allowed" or
// "denied: <error>".
func (h *hostileSetup) attack(t *testing.T, request string) string {
	t.Helper()
	tracks, err := h.lib.Lookup(context.Background(), "hostile:"+request)
	if err != nil {
		t.Fatalf("attack %s: lookup failed: %v", request, err)
	}
	return tracks[0].Name
}

// attackFatal requests an attack after which the host must stop the
// extension, and returns the lookup's error.
func (h *hostileSetup) attackFatal(t *testing.T, request string) error {
	t.Helper()
	_, err := h.lib.Lookup(context.Background(), "hostile:"+request)
	if err == nil {
		t.Fatalf("attack %s: lookup succeeded; want the extension stopped", request)
	}
	return err
}

func TestHostileExtension(t *testing.T) {
	h := setupHostile(t)
	s := h.s
	ctx := context.Background()

	// Play hello's tracks for the whole attack, to show the core keeps
	// playing.
	greetings := core.Guard(s.core, scope.Principal{Kind: scope.KindToken, ID: "g",
		Scopes: scope.NewSet(scope.EventsExt)})
	greeted, err := greetings.Events().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.core.Tracklist().Add(ctx, nil, nil, []string{"hello:track/1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.core.Playback().Play(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	waitPlaying(t, s)
	// hello publishes ext.hello.greeted once the track starts. Waiting for
	// it keeps it out of the subscription that checks forged events.
	select {
	case ev := <-greeted.Events():
		if ev.Name() != "ext.hello.greeted" {
			t.Fatalf("event %q before hello's greeting", ev.Name())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no ext.hello.greeted within 60 s of playback")
	}
	greeted.Close()
	start := s.player.Position()

	t.Run("read inside grant", func(t *testing.T) {
		if got := h.attack(t, "read/"+h.granted); got != "allowed" {
			t.Errorf("read of a granted file: %s", got)
		}
	})
	t.Run("read outside grant", func(t *testing.T) {
		got := h.attack(t, "read/"+h.secret)
		if !strings.Contains(got, "permission denied") {
			t.Errorf("read outside the grant: %q, want permission denied", got)
		}
	})
	t.Run("write", func(t *testing.T) {
		got := h.attack(t, "write/"+filepath.Join(filepath.Dir(h.granted), "new"))
		if !strings.HasPrefix(got, "denied") {
			t.Errorf("write into a read-only grant: %q, want denied", got)
		}
	})
	t.Run("connect declared port", func(t *testing.T) {
		if got := h.attack(t, "connect/"+h.declared); got != "allowed" {
			t.Errorf("connect to the declared port: %s", got)
		}
	})
	t.Run("connect undeclared port", func(t *testing.T) {
		got := h.attack(t, "connect/"+h.undeclared)
		if !strings.Contains(got, "permission denied") {
			t.Errorf("connect to an undeclared port: %q, want permission denied", got)
		}
	})
	t.Run("udp", func(t *testing.T) {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		if got := h.attack(t, "udp/"+pc.LocalAddr().String()); !strings.HasPrefix(got, "denied") {
			t.Errorf("UDP socket: %q, want denied", got)
		}
	})
	t.Run("fork bomb", func(t *testing.T) {
		got := h.attack(t, "fork")
		if !strings.Contains(got, "operation not permitted") {
			t.Errorf("fork: %q, want operation not permitted", got)
		}
	})
	t.Run("open files", func(t *testing.T) {
		got := h.attack(t, "files")
		if !strings.Contains(got, "too many open files") {
			t.Errorf("4000 pipe ends under a limit of 64 files: %q, want too many open files", got)
		}
	})
	t.Run("core call without scope", func(t *testing.T) {
		got := h.attack(t, "core/core.tracklist.clear")
		if !strings.Contains(got, "permission denied") {
			t.Errorf("tracklist.clear without tracklist:write: %q, want permission denied", got)
		}
		s.waitAudit(t, audit.PermissionDenied, "hostile", "core.tracklist.clear needs scope tracklist:write")
		n, err := s.core.Tracklist().GetLength(ctx)
		if err != nil || n != 1 {
			t.Errorf("tracklist length %d, %v after the denied clear; want 1", n, err)
		}
	})
	t.Run("core call with scope", func(t *testing.T) {
		if got := h.attack(t, "core/core.playback.get_state"); !strings.HasPrefix(got, "denied") {
			t.Errorf("playback:read was not requested, so get_state must fail: %q", got)
		}
		if got := h.attack(t, "core/core.get_version"); got != "allowed" {
			t.Errorf("core.get_version with library:read: %q", got)
		}
	})
	t.Run("forged core event", func(t *testing.T) {
		watcher := core.Guard(s.core, scope.Principal{Kind: scope.KindToken, ID: "w",
			Scopes: scope.NewSet(scope.PlaybackRead, scope.EventsExt)})
		sub, err := watcher.Events().Subscribe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		if got := h.attack(t, "forge"); !strings.HasPrefix(got, "denied") {
			t.Errorf("payload with an event key: %q, want denied", got)
		}
		s.waitAudit(t, audit.SandboxViolation, "hostile", "playback_state_changed")
		if got := h.attack(t, "publish/ext.hello.greeted"); !strings.HasPrefix(got, "denied") {
			t.Errorf("publish in hello's namespace: %q, want denied", got)
		}
		if got := h.attack(t, "publish/playback_state_changed"); got != "allowed" {
			t.Errorf("publish in its own namespace: %q", got)
		}
		deadline := time.After(10 * time.Second)
		for {
			select {
			case ev := <-sub.Events():
				if _, isExt := ev.(events.Ext); !isExt && ev.Name() == "playback_state_changed" {
					continue // real core events, from hello's playback
				}
				if ev.Name() != "ext.hostile.playback_state_changed" {
					t.Fatalf("event %q reached a subscriber", ev.Name())
				}
				return
			case <-deadline:
				t.Fatal("the namespaced event never arrived")
			}
		}
	})
	t.Run("foreign URI", func(t *testing.T) {
		if _, err := h.lib.Browse(ctx, "hostile:"); err == nil {
			t.Error("browse result with a local: URI accepted")
		}
		s.waitAudit(t, audit.SandboxViolation, "hostile", "outside the extension's schemes")
	})

	starts := 1
	for _, fatal := range []struct{ attack, audit, detail string }{
		{"huge", audit.SandboxViolation, "message too large"},
		{"malformed", audit.SandboxViolation, "malformed message"},
		{"flood", audit.SandboxViolation, "messages per second"},
		{"denyflood", audit.SandboxViolation, "calls or replies rejected"},
		{"alloc", audit.ExtensionCrashed, "memory limit"},
	} {
		t.Run(fatal.attack, func(t *testing.T) {
			err := h.attackFatal(t, fatal.attack)
			t.Logf("lookup error: %v", err)
			s.waitAudit(t, fatal.audit, "hostile", fatal.detail)
			starts++
			s.waitRunning(t, "hostile", starts)
		})
	}

	// The core still serves calls and the player kept advancing.
	if _, err := s.core.GetVersion(ctx); err != nil {
		t.Errorf("core.get_version after the attacks: %v", err)
	}
	state, err := s.core.Playback().GetState(ctx)
	if err != nil || state != core.Playing {
		t.Errorf("playback state %q, %v after the attacks; want playing", state, err)
	}
	if pos := s.player.Position(); pos <= start {
		t.Errorf("player position %v did not advance from %v", pos, start)
	}
	if n := s.countAudit(t, audit.ExtensionStarted, "hello"); n != 1 {
		t.Errorf("hello started %d times; the attacks must not touch it", n)
	}
}
