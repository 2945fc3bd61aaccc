package app

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// defaultHeapFloor is the heap goal that the server keeps at least, in
// bytes. At Go's default GOGC of 100, a server with a live heap of 1 to
// 3 MiB has a heap goal of 4 to 6 MiB. In one measurement on a shared
// 2-core machine, about 20,000 JSON-RPC calls per second over POST then
// ran 25 collections a second. With this floor they ran 5 a second, and
// the resident size after the load was 44 MB instead of 30 MB.
const defaultHeapFloor = 16 << 20

// goHeapMinimum is the Go runtime's smallest heap goal at GOGC=100
// (defaultHeapMinimum, 4 MiB in Go 1.26). The runtime scales it with
// GOGC, so GOGC stays at or below floor/goHeapMinimum*100 to keep that
// minimum from rising above the floor.
const goHeapMinimum = 4 << 20

// heapFloor raises GOGC while the live heap is small, so that the heap
// goal is about floor bytes rather than twice the live heap. Once the live
// heap reaches floor/2, GOGC is 100, Go's default. A large library thus
// keeps the usual heap goal of twice its live heap, and never gets the
// more frequent collections that a fixed memory limit would cause.
type heapFloor struct {
	floor uint64
	live  []metrics.Sample

	// mu orders adjust against stop, so that no adjust sets GOGC after
	// stop has restored 100.
	mu      sync.Mutex
	stopped bool
}

// gcSentinel is an object that nothing references. Its cleanup runs after
// the collection that frees it, which makes it a hook that runs once per
// garbage collection cycle. The pointer field keeps it out of the tiny
// allocator, whose objects may never get their cleanup run.
type gcSentinel struct {
	_ *byte
}

// startHeapFloor keeps the heap goal at about floor bytes or more until
// stop is called. It sets GOGC after every collection from the live heap
// that the collection measured.
func startHeapFloor(floor uint64) (stop func()) {
	h := &heapFloor{floor: floor, live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	h.adjust()
	h.arm()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.stopped = true
		debug.SetGCPercent(100)
	}
}

func (h *heapFloor) arm() {
	runtime.AddCleanup(&gcSentinel{}, func(h *heapFloor) {
		if h.adjust() {
			h.arm()
		}
	}, h)
}

// adjust sets GOGC from the live heap and reports whether the floor is
// still in force.
func (h *heapFloor) adjust() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return false
	}
	metrics.Read(h.live)
	var live uint64
	if h.live[0].Value.Kind() == metrics.KindUint64 {
		live = h.live[0].Value.Uint64()
	}
	debug.SetGCPercent(gcPercentFor(live, h.floor))
	return true
}

// gcPercentFor returns the GOGC that makes the heap goal, live*(1+GOGC/100),
// about floor bytes. The result is at least 100 and, above 100, at most
// floor*100/goHeapMinimum.
func gcPercentFor(live, floor uint64) int {
	maxPercent := int(floor * 100 / goHeapMinimum)
	if live == 0 {
		return max(100, maxPercent)
	}
	if live*2 >= floor {
		return 100
	}
	percent := int(floor*100/live) - 100
	return max(100, min(percent, maxPercent))
}
