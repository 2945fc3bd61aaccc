package mpd

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// updateTimeout bounds one library update.
const updateTimeout = time.Hour

// updater runs one library update at a time and numbers the jobs as MPD
// does, starting at 1.
type updater struct {
	log *slog.Logger

	mu      sync.Mutex
	nextID  int
	current int
	errMsg  string
	last    time.Time
}

func newUpdater(log *slog.Logger) *updater { return &updater{log: log, nextID: 1} }

// start runs refresh in the background and calls done when it ends. A
// second update while one runs gets ACK 54.
func (u *updater) start(ctx context.Context, refresh func(context.Context) error, done func()) (int, error) {
	u.mu.Lock()
	if u.current != 0 {
		u.mu.Unlock()
		return 0, protocol.Errorf(protocol.AckUpdateAlready, "Update already running")
	}
	id := u.nextID
	u.nextID++
	u.current = id
	u.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), updateTimeout)
		defer cancel()
		err := refresh(ctx)
		u.mu.Lock()
		u.current = 0
		u.last = time.Now()
		u.errMsg = ""
		if err != nil {
			u.errMsg = "library update failed"
			u.log.Error("MPD library update failed", "job", id, "err", err)
		}
		u.mu.Unlock()
		done()
	}()
	return id, nil
}

func (u *updater) running() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.current
}

func (u *updater) lastError() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.errMsg
}

func (u *updater) clearError() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.errMsg = ""
}

func (u *updater) lastUpdate() time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last
}
