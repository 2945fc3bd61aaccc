package pulsetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"
)

// DefaultSink is the null sink that scripts/test and private servers load.
// Tests that share a server should record a sink from NewSink instead.
const DefaultSink = "ci_sink"

// NewSink loads a null sink with a unique name on the server at addr and
// returns its name. The sink is unloaded when the test ends. Its format is
// 48 kHz stereo with rewinds off (norewinds=1). A null sink that rewinds
// has already sent pre-rendered silence to its monitor, so the start of a
// new stream went missing from recordings (PulseAudio 16.1).
func NewSink(t testing.TB, addr string) string {
	t.Helper()
	requireTool(t, "pactl")
	var id [6]byte
	if _, err := rand.Read(id[:]); err != nil {
		t.Fatalf("make sink name: %v", err)
	}
	name := "pulsetest_" + hex.EncodeToString(id[:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := pactl(ctx, addr, "load-module", "module-null-sink",
		"sink_name="+name, "rate=48000", "channels=2", "norewinds=1")
	if err != nil {
		t.Fatalf("load null sink on %s: %v", addr, err)
	}
	module := strings.TrimSpace(out)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := pactl(ctx, addr, "unload-module", module); err != nil {
			t.Errorf("unload null sink %s: %v", name, err)
		}
	})
	return name
}

// Env returns the current environment with PULSE_SERVER set to addr, for
// running a player under test.
func Env(addr string) []string {
	return append(os.Environ(), "PULSE_SERVER="+addr)
}
