package app

import (
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		name  string
		live  uint64
		floor uint64
		want  int
	}{
		{"no live heap measured yet", 0, 16 * mib, 400},
		{"tiny heap capped by Go's heap minimum", 1 * mib, 16 * mib, 400},
		{"small heap reaches the floor", 5 * mib, 16 * mib, 220},
		{"half the floor", 8 * mib, 16 * mib, 100},
		{"large library", 200 * mib, 16 * mib, 100},
		{"floor below Go's heap minimum", 1 * mib, 2 * mib, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := gcPercentFor(c.live, c.floor); got != c.want {
				t.Errorf("gcPercentFor(%d MiB, %d MiB) = %d, expected %d", c.live/mib, c.floor/mib, got, c.want)
			}
		})
	}
}

// currentGCPercent reads GOGC without changing it.
func currentGCPercent(t *testing.T) int {
	t.Helper()
	sample := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		t.Fatal("runtime/metrics has no /gc/gogc:percent")
	}
	return int(sample[0].Value.Uint64())
}

// restoreGCPercent puts back the GOGC the test started with.
func restoreGCPercent(t *testing.T) {
	old := debug.SetGCPercent(100)
	debug.SetGCPercent(old)
	t.Cleanup(func() { debug.SetGCPercent(old) })
}

func TestHeapFloorSetsGOGCAfterEachCollection(t *testing.T) {
	restoreGCPercent(t)
	// A 1 GiB floor is far above this test's live heap, so every
	// adjustment sets GOGC above 100.
	stop := startHeapFloor(1 << 30)
	defer stop()
	if got := currentGCPercent(t); got <= 100 {
		t.Fatalf("GOGC after start = %d, expected over 100", got)
	}

	debug.SetGCPercent(100)
	// The hook runs on the cleanup goroutine some time after a
	// collection, so collect until it has run, within a bound.
	for i := 0; i < 1000 && currentGCPercent(t) == 100; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if got := currentGCPercent(t); got <= 100 {
		t.Errorf("GOGC after collections = %d, expected the hook to raise it over 100", got)
	}
}

func TestHeapFloorStopRestoresDefault(t *testing.T) {
	restoreGCPercent(t)
	stop := startHeapFloor(1 << 30)
	stop()
	if got := currentGCPercent(t); got != 100 {
		t.Fatalf("GOGC after stop = %d, expected 100", got)
	}
	for range 20 {
		runtime.GC()
		runtime.Gosched()
	}
	if got := currentGCPercent(t); got != 100 {
		t.Errorf("GOGC after stop and collections = %d, expected 100", got)
	}
}

func TestTuneGCLeavesEnvironmentGOGC(t *testing.T) {
	restoreGCPercent(t)
	debug.SetGCPercent(150)
	r := &runner{
		opts: Options{LookupEnv: func(name string) (string, bool) {
			if name == "GOGC" {
				return "150", true
			}
			return "", false
		}},
		log: slog.New(slog.DiscardHandler),
	}
	stop := r.tuneGC()
	defer stop()
	if got := currentGCPercent(t); got != 150 {
		t.Errorf("GOGC with GOGC=150 in the environment = %d, expected 150", got)
	}
}

func TestTuneGCSetsFloorWithoutGOGC(t *testing.T) {
	restoreGCPercent(t)
	debug.SetGCPercent(100)
	r := &runner{
		opts: Options{LookupEnv: func(string) (string, bool) { return "", false }},
		log:  slog.New(slog.DiscardHandler),
	}
	runtime.GC()
	if live := liveHeap(t); gcPercentFor(live, defaultHeapFloor) == 100 {
		t.Fatalf("live heap of %d bytes is too large to see the floor raise GOGC", live)
	}
	stop := r.tuneGC()
	got := currentGCPercent(t)
	stop()
	if got <= 100 {
		t.Errorf("GOGC without GOGC in the environment = %d, expected over 100", got)
	}
}

func liveHeap(t *testing.T) uint64 {
	t.Helper()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}
