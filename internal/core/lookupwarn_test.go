package core

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/tonearm/tonearm/internal/logging"
)

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A client can send URIs that a backend rejects as often as it likes, so
// the warnings of failed lookups are bounded.
func TestLookupWarningsBounded(t *testing.T) {
	var logs lockedBuffer
	e := newEnv(t, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	for range 3 * logging.DefaultRepeatBurst {
		if _, err := e.core.Library().Lookup(e.ctx, []string{"mem:broken"}); err != nil {
			t.Fatalf("lookup: %v", err)
		}
	}
	warned := strings.Count(logs.String(), `msg="library lookup failed"`)
	if warned == 0 {
		t.Error("no warning for a failed lookup")
	}
	if warned > logging.DefaultRepeatBurst {
		t.Errorf("%d warnings for %d failed lookups, want at most %d", warned, 3*logging.DefaultRepeatBurst, logging.DefaultRepeatBurst)
	}
}
