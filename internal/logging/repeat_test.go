package logging

import (
	"fmt"
	"testing"
	"time"
)

type summaryRecord struct {
	kind, address string
	suppressed    int
}

// newTestRepeatLimiter returns a limiter with a burst of 3 per minute on
// a clock that only the test moves, and the summaries it reports.
func newTestRepeatLimiter(maxKeys int) (*RepeatLimiter, *time.Time, *[]summaryRecord) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var summaries []summaryRecord
	l := NewRepeatLimiter(RepeatOptions{
		Burst: 3, Interval: time.Minute, MaxKeys: maxKeys,
		Now: func() time.Time { return now },
		OnSuppressed: func(kind, address string, suppressed int) {
			summaries = append(summaries, summaryRecord{kind, address, suppressed})
		},
	})
	return l, &now, &summaries
}

func countAllowed(l *RepeatLimiter, kind, remote string, n int) int {
	allowed := 0
	for i := 0; i < n; i++ {
		if l.Allow(kind, remote) {
			allowed++
		}
	}
	return allowed
}

func TestRepeatLimiterBurstThenSummary(t *testing.T) {
	l, now, summaries := newTestRepeatLimiter(0)
	if got := countAllowed(l, "unknown_host", "192.0.2.1:4000", 100); got != 3 {
		t.Errorf("allowed %d of 100 events, want 3", got)
	}
	if len(*summaries) != 0 {
		t.Errorf("summary before the interval ended: %v", *summaries)
	}
	*now = now.Add(time.Minute)
	if !l.Allow("unknown_host", "192.0.2.1:4001") {
		t.Error("first event of the next interval was suppressed")
	}
	want := []summaryRecord{{"unknown_host", "192.0.2.1", 97}}
	if fmt.Sprint(*summaries) != fmt.Sprint(want) {
		t.Errorf("summaries = %v, want %v", *summaries, want)
	}
}

func TestRepeatLimiterKeysAreIndependent(t *testing.T) {
	l, _, _ := newTestRepeatLimiter(0)
	countAllowed(l, "unknown_host", "192.0.2.1:4000", 10)
	if got := countAllowed(l, "cross_origin", "192.0.2.1:4000", 10); got != 3 {
		t.Errorf("other kind, same address: allowed %d, want 3", got)
	}
	if got := countAllowed(l, "unknown_host", "192.0.2.2:4000", 10); got != 3 {
		t.Errorf("same kind, other address: allowed %d, want 3", got)
	}
}

func TestRepeatLimiterGroupsIPv6By64(t *testing.T) {
	l, _, _ := newTestRepeatLimiter(0)
	allowed := 0
	for i := 0; i < 10; i++ {
		if l.Allow("unknown_host", fmt.Sprintf("[2001:db8:1:1::%x]:4000", i+1)) {
			allowed++
		}
	}
	if allowed != 3 {
		t.Errorf("allowed %d events from one /64, want 3", allowed)
	}
}

func TestRepeatLimiterBoundsKeys(t *testing.T) {
	l, now, summaries := newTestRepeatLimiter(4)
	allowed := 0
	for i := 0; i < 100; i++ {
		if l.Allow("unknown_host", fmt.Sprintf("192.0.2.%d:4000", i)) {
			allowed++
		}
	}
	// 4 addresses get their own burst of 3 each; the other 96 share one.
	if allowed != 4+3 {
		t.Errorf("allowed %d events from 100 addresses, want 7", allowed)
	}
	if got := l.Keys(); got > 5 {
		t.Errorf("tracking %d keys, want at most 5", got)
	}
	*now = now.Add(time.Minute)
	l.Allow("cross_origin", "198.51.100.1:4000")
	want := []summaryRecord{{"unknown_host", otherAddresses, 93}}
	if fmt.Sprint(*summaries) != fmt.Sprint(want) {
		t.Errorf("summaries = %v, want %v", *summaries, want)
	}
	if got := l.Keys(); got != 1 {
		t.Errorf("tracking %d keys after the interval, want 1", got)
	}
}
