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

// maxQueuedUpdates is the most updates waiting behind the running one, as
// MAX_UPDATE_QUEUE_SIZE in MPD 0.23's src/db/update/Queue.hxx.
const maxQueuedUpdates = 32

type updateJob struct {
	id      int
	refresh func(context.Context) error
	done    func()
}

// updater runs library updates one at a time, in order, and numbers them
// as MPD does, starting at 1.
type updater struct {
	log *slog.Logger

	mu      sync.Mutex
	nextID  int
	current int
	queue   []updateJob
	errMsg  string
	last    time.Time
}

func newUpdater(log *slog.Logger) *updater { return &updater{log: log, nextID: 1} }

// start queues refresh and returns its job id; done runs when it ends.
// When maxQueuedUpdates jobs already wait, it returns ACK 54.
func (u *updater) start(ctx context.Context, refresh func(context.Context) error, done func()) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.queue) >= maxQueuedUpdates {
		return 0, protocol.Errorf(protocol.AckUpdateAlready, "Update queue is full")
	}
	job := updateJob{id: u.nextID, refresh: refresh, done: done}
	u.nextID++
	if u.current != 0 {
		u.queue = append(u.queue, job)
		return job.id, nil
	}
	u.current = job.id
	go u.run(context.WithoutCancel(ctx), job)
	return job.id, nil
}

// run runs job and then every queued job.
func (u *updater) run(ctx context.Context, job updateJob) {
	for {
		jobCtx, cancel := context.WithTimeout(ctx, updateTimeout)
		err := job.refresh(jobCtx)
		cancel()
		u.mu.Lock()
		u.last = time.Now()
		u.errMsg = ""
		if err != nil {
			u.errMsg = "library update failed"
			u.log.Error("MPD library update failed", "job", job.id, "err", err)
		}
		u.mu.Unlock()
		job.done()

		u.mu.Lock()
		if len(u.queue) == 0 {
			u.current = 0
			u.mu.Unlock()
			return
		}
		job, u.queue = u.queue[0], u.queue[1:]
		u.current = job.id
		u.mu.Unlock()
	}
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
