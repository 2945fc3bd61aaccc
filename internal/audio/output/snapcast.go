package output

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
)

const (
	// snapcastLead is how far a Snapcast feed runs ahead of the clock. A
	// Linux FIFO holds 64 KiB, 341 ms of 48 kHz s16 stereo.
	snapcastLead = 150 * time.Millisecond
	// snapcastWriteTimeout bounds one write; snapserver reads in real time,
	// so a longer wait means it stopped reading.
	snapcastWriteTimeout = 500 * time.Millisecond
	snapcastDialTimeout  = 2 * time.Second
	snapcastMaxBackoff   = 10 * time.Second
)

// Snapcast feeds signed 16-bit little-endian PCM to a snapserver source:
// a pipe source reading a FIFO, or a tcp source in server mode. The
// source's sampleformat must match the player's, 48000:16:2.
//
// The feed runs at real-time pace on its own clock, so a snapserver that is
// down or slow never stalls playback: samples are dropped while the FIFO or
// connection is missing, and the output reopens it with a backoff of 0.5 s
// doubling to 10 s.
type Snapcast struct {
	kind   Kind
	target string
	log    *slog.Logger

	pacer *pacer
	buf   []byte

	mu      sync.Mutex
	w       io.WriteCloser
	retryAt time.Time
	backoff time.Duration
	closed  bool
}

// NewSnapcastFIFO returns an output writing to the FIFO at path. The FIFO
// is opened for reading and writing, so that opening never blocks and a
// restarting snapserver finds the data in order. The output does not create
// the FIFO; snapserver does with mode=create.
func NewSnapcastFIFO(path string, log *slog.Logger) *Snapcast {
	return &Snapcast{kind: KindSnapcastFIFO, target: path, log: log.With("output", "snapcast", "fifo", path)}
}

// NewSnapcastTCP returns an output connecting to a snapserver tcp source at
// address (HOST:PORT).
func NewSnapcastTCP(address string, log *slog.Logger) *Snapcast {
	return &Snapcast{kind: KindSnapcastTCP, target: address, log: log.With("output", "snapcast", "address", address)}
}

// Name implements Output.
func (s *Snapcast) Name() string { return string(s.kind) + ":" + s.target }

// Open implements Output. A missing FIFO or refused connection is not an
// error here: the output keeps trying while it plays.
func (s *Snapcast) Open(_ context.Context, f audio.Format) error {
	if err := checkFormat(f); err != nil {
		return err
	}
	s.pacer = newPacer(f.SampleRate, snapcastLead)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.connectLocked(); err != nil {
		s.failLocked(err)
	}
	return nil
}

func (s *Snapcast) connectLocked() error {
	if s.kind == KindSnapcastTCP {
		conn, err := net.DialTimeout("tcp", s.target, snapcastDialTimeout)
		if err != nil {
			return err
		}
		s.w = conn
	} else {
		fi, err := os.Stat(s.target)
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeNamedPipe == 0 {
			return fmt.Errorf("%s is not a FIFO: start snapserver with a pipe source and mode=create, or mkfifo it", s.target)
		}
		f, err := os.OpenFile(s.target, os.O_RDWR|syscall.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		s.w = f
	}
	s.backoff = 0
	s.log.Info("snapcast feed connected")
	return nil
}

func (s *Snapcast) failLocked(err error) {
	if s.w != nil {
		_ = s.w.Close()
		s.w = nil
	}
	s.backoff = min(max(2*s.backoff, 500*time.Millisecond), snapcastMaxBackoff)
	s.retryAt = time.Now().Add(s.backoff)
	s.log.Warn("snapcast feed unavailable, dropping samples", "err", err, "retry_in", s.backoff)
}

type deadlineWriter interface {
	SetWriteDeadline(time.Time) error
}

// Write implements Output.
func (s *Snapcast) Write(ctx context.Context, samples []float32) error {
	if err := s.pacer.wait(ctx, len(samples)/2); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.w == nil {
		if time.Now().Before(s.retryAt) {
			return nil
		}
		if err := s.connectLocked(); err != nil {
			s.failLocked(err)
			return nil
		}
	}
	s.buf = appendS16LE(s.buf[:0], samples)
	if dw, ok := s.w.(deadlineWriter); ok {
		_ = dw.SetWriteDeadline(time.Now().Add(snapcastWriteTimeout))
	}
	if _, err := s.w.Write(s.buf); err != nil {
		s.failLocked(err)
	}
	return nil
}

// Pause implements Output. Snapserver plays silence while the feed pauses.
func (s *Snapcast) Pause() error { s.pacer.pause(); return nil }

// Resume implements Output.
func (s *Snapcast) Resume() error { s.pacer.resume(); return nil }

// Flush implements Output. Samples already in the FIFO or socket play on.
func (s *Snapcast) Flush() error { s.pacer.reset(); return nil }

// Drain implements Output.
func (s *Snapcast) Drain(ctx context.Context) error { return sleepCtx(ctx, s.pacer.delay()) }

// Delay implements Output. It counts the lead over the clock only;
// snapserver's own buffer (1000 ms by default) is added by the clients.
func (s *Snapcast) Delay() time.Duration { return s.pacer.delay() }

// Close implements Output.
func (s *Snapcast) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.w != nil {
		err := s.w.Close()
		s.w = nil
		return err
	}
	return nil
}
