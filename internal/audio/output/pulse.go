package output

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jfreymuth/pulse/proto"

	"github.com/tonearm/tonearm/internal/audio"
)

const (
	// pulseLatency is the stream's target latency; PulseAudio 16.1 grants
	// about 450 ms of it as stream buffer on a null sink. Pause (cork) and
	// Flush act on the server at once whatever its size, but a volume change
	// is heard only after it, so it trades that delay against underruns on
	// a busy machine. The stream starts once a quarter of it is filled.
	pulseLatency = 500 * time.Millisecond
	// pulseRequestTimeout bounds every request but drain.
	pulseRequestTimeout = 10 * time.Second
	pulseDialTimeout    = 2 * time.Second
	// pulseStallTimeout is how long an unpaused stream may go without a
	// data request before the output treats the server as gone.
	pulseStallTimeout = 5 * time.Second
	pulseMaxBackoff   = 10 * time.Second
	// pulseDelayCache is how long a measured delay is extrapolated before
	// the next GET_PLAYBACK_LATENCY request.
	pulseDelayCache = 50 * time.Millisecond
	// pulseFallbackLead paces the writer while the server is away.
	pulseFallbackLead = 100 * time.Millisecond
)

// Pulse plays to a PulseAudio server, or PipeWire's pulse server, through
// the native protocol (github.com/jfreymuth/pulse/proto), with float32
// samples. It speaks the protocol directly rather than through that
// module's PlaybackStream, whose Drain is a no-op once its reader ends and
// which reads its state without locks.
//
// Write sends only as many bytes as the server requested, which gives
// backpressure at the speed of the sound card. When the server goes away,
// Write drops samples at real-time pace and the output reconnects with a
// backoff of 0.5 s doubling to 10 s.
type Pulse struct {
	server string
	sink   string
	log    *slog.Logger

	format   audio.Format
	bytesSec int
	fallback *pacer
	buf      []byte

	mu      sync.Mutex
	cond    *sync.Cond
	conn    *pulseConn // nil while disconnected
	paused  bool
	closed  bool
	retryAt time.Time
	backoff time.Duration

	// measured delay, extrapolated between measurements
	delayAt      time.Time
	delayValue   time.Duration
	delayWritten int64
	delayRunning bool // the server was playing, not prebuffering
}

// pulseConn is one connection with its playback stream.
type pulseConn struct {
	client  *proto.Client
	netConn net.Conn
	index   uint32
	credit  int   // bytes the server requested and was not sent yet
	written int64 // bytes sent
	lost    bool
	lastReq time.Time
}

// NewPulse returns an output for the PulseAudio server at server (a server
// string such as unix:/run/user/1000/pulse/native or tcp:127.0.0.1:4713;
// empty means $PULSE_SERVER or $XDG_RUNTIME_DIR/pulse/native) playing to
// sink (empty means the server's default sink).
func NewPulse(server, sink string, log *slog.Logger) *Pulse {
	p := &Pulse{server: server, sink: sink, log: log.With("output", "pulse", "sink", sink)}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// Name implements Output.
func (p *Pulse) Name() string {
	if p.sink != "" {
		return "pulse:" + p.sink
	}
	return string(KindPulse)
}

// PulseAvailable reports whether a PulseAudio server accepts a connection
// at server (empty for the default, as in NewPulse).
func PulseAvailable(server string) bool {
	_, conn, err := pulseDial(server, nil)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// pulseAddress turns a server string into a network and address. It takes
// the first entry of a space-separated list.
func pulseAddress(server string) (network, address string, err error) {
	if server == "" {
		server = os.Getenv("PULSE_SERVER")
	}
	if server == "" {
		dir := os.Getenv("XDG_RUNTIME_DIR")
		if dir == "" {
			dir = fmt.Sprintf("/run/user/%d", os.Getuid())
		}
		return "unix", filepath.Join(dir, "pulse", "native"), nil
	}
	server = strings.Fields(server)[0]
	switch {
	case strings.HasPrefix(server, "unix:"):
		return "unix", strings.TrimPrefix(server, "unix:"), nil
	case strings.HasPrefix(server, "/"):
		return "unix", server, nil
	case strings.HasPrefix(server, "tcp:"), strings.HasPrefix(server, "tcp4:"), strings.HasPrefix(server, "tcp6:"):
		network, address, _ := strings.Cut(server, ":")
		if _, _, err := net.SplitHostPort(address); err != nil {
			address = net.JoinHostPort(address, "4713")
		}
		return network, address, nil
	}
	return "", "", fmt.Errorf("output: unsupported PulseAudio server string %q: use unix:PATH or tcp:HOST:PORT", server)
}

// pulseDial connects and authenticates. callback receives the server's
// messages; it is installed before the read loop starts.
func pulseDial(server string, callback func(any)) (*proto.Client, net.Conn, error) {
	network, address, err := pulseAddress(server)
	if err != nil {
		return nil, nil, err
	}
	conn, err := net.DialTimeout(network, address, pulseDialTimeout)
	if err != nil {
		return nil, nil, err
	}
	c := &proto.Client{Callback: callback}
	c.SetTimeout(pulseRequestTimeout)
	c.Open(conn)

	cookie, err := os.ReadFile(pulseCookiePath())
	if err != nil || len(cookie) != 256 {
		// A server started with auth-anonymous=1, or a private one reached
		// through its socket's permissions, accepts any cookie.
		cookie = make([]byte, 256)
	}
	var auth proto.AuthReply
	if err := c.Request(&proto.Auth{Version: c.Version(), Cookie: cookie}, &auth); err != nil {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("authenticate to %s: %w", address, err)
	}
	c.SetVersion(auth.Version)
	props := proto.PropList{
		"application.name":       proto.PropListString("Tonearm"),
		"application.process.id": proto.PropListString(fmt.Sprint(os.Getpid())),
	}
	if err := c.Request(&proto.SetClientName{Props: props}, &proto.SetClientNameReply{}); err != nil {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("set client name on %s: %w", address, err)
	}
	return c, conn, nil
}

func pulseCookiePath() string {
	if path, ok := os.LookupEnv("PULSE_COOKIE"); ok {
		return path
	}
	return filepath.Join(os.Getenv("HOME"), ".config", "pulse", "cookie")
}

// Open implements Output. A server that cannot be reached is logged, and
// the output keeps trying while it plays.
func (p *Pulse) Open(_ context.Context, f audio.Format) error {
	if err := checkFormat(f); err != nil {
		return err
	}
	p.format = f
	p.bytesSec = f.SampleRate * f.Channels * 4
	p.fallback = newPacer(f.SampleRate, pulseFallbackLead)
	if _, _, err := pulseAddress(p.server); err != nil {
		return err
	}
	if err := p.connect(); err != nil {
		p.mu.Lock()
		p.failLocked(nil, err)
		p.mu.Unlock()
	}
	return nil
}

// connect dials the server and creates the playback stream.
func (p *Pulse) connect() error {
	pc := &pulseConn{lastReq: time.Now()}
	client, netConn, err := pulseDial(p.server, func(msg any) { p.handle(pc, msg) })
	if err != nil {
		return err
	}
	pc.client, pc.netConn = client, netConn

	target := uint32(pulseLatency.Seconds() * float64(p.bytesSec))
	target -= target % uint32(p.format.Channels*4)
	p.mu.Lock()
	corked := p.paused
	p.mu.Unlock()
	req := proto.CreatePlaybackStream{
		SampleSpec:            proto.SampleSpec{Format: proto.FormatFloat32LE, Channels: byte(p.format.Channels), Rate: uint32(p.format.SampleRate)},
		ChannelMap:            proto.ChannelMap{proto.ChannelLeft, proto.ChannelRight},
		SinkIndex:             proto.Undefined,
		SinkName:              p.sink,
		BufferMaxLength:       2 * target,
		Corked:                corked,
		BufferTargetLength:    target,
		BufferPrebufferLength: target / 4,
		BufferMinimumRequest:  proto.Undefined,
		ChannelVolumes:        proto.ChannelVolumes{0x10000, 0x10000},
		AdjustLatency:         true,
		Properties:            proto.PropList{"media.name": proto.PropListString("Tonearm playback"), "media.role": proto.PropListString("music")},
	}
	var reply proto.CreatePlaybackStreamReply
	if err := client.Request(&req, &reply); err != nil {
		_ = netConn.Close()
		return fmt.Errorf("create playback stream on sink %q: %w", p.sink, err)
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = netConn.Close()
		return ErrClosed
	}
	pc.index = reply.StreamIndex
	pc.credit += int(reply.Missing)
	p.conn = pc
	p.backoff = 0
	p.delayAt = time.Time{}
	p.cond.Broadcast()
	p.log.Info("pulse stream connected", "stream", pc.index, "sink_name", reply.SinkName, "buffer_bytes", reply.BufferTargetLength)
	return nil
}

// handle runs on the protocol's read goroutine. It must not wait for a
// reply, and it only takes p.mu, which no one holds while waiting.
func (p *Pulse) handle(pc *pulseConn, msg any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch m := msg.(type) {
	case *proto.Request:
		pc.credit += int(m.Length)
		pc.lastReq = time.Now()
	case *proto.ConnectionClosed, *proto.PlaybackStreamKilled:
		pc.lost = true
	case *proto.Underflow:
		p.log.Debug("pulse stream underflow", "stream", m.StreamIndex)
	}
	p.cond.Broadcast()
}

// failLocked drops the connection pc (if any) and schedules a reconnect.
func (p *Pulse) failLocked(pc *pulseConn, err error) {
	if pc != nil && p.conn == pc {
		_ = pc.netConn.Close()
		p.conn = nil
	}
	p.backoff = min(max(2*p.backoff, 500*time.Millisecond), pulseMaxBackoff)
	p.retryAt = time.Now().Add(p.backoff)
	p.fallback.reset()
	p.log.Warn("pulse server unavailable, dropping samples", "err", err, "retry_in", p.backoff)
}

// Write implements Output.
func (p *Pulse) Write(ctx context.Context, samples []float32) error {
	p.buf = appendF32LE(p.buf[:0], samples)
	data := p.buf
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	for len(data) > 0 {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return ErrClosed
		}
		pc := p.conn
		if pc == nil {
			retry := !time.Now().Before(p.retryAt)
			p.mu.Unlock()
			if retry {
				if err := p.connect(); err != nil {
					p.mu.Lock()
					p.failLocked(nil, err)
					p.mu.Unlock()
				}
				continue
			}
			return p.fallback.wait(ctx, len(data)/(4*p.format.Channels))
		}
		for pc.credit == 0 && !pc.lost && ctx.Err() == nil && !p.closed {
			if !p.paused && time.Since(pc.lastReq) > pulseStallTimeout {
				pc.lost = true
				break
			}
			timer := time.AfterFunc(time.Second, func() {
				p.mu.Lock()
				p.cond.Broadcast()
				p.mu.Unlock()
			})
			p.cond.Wait()
			timer.Stop()
		}
		if err := ctx.Err(); err != nil {
			p.mu.Unlock()
			return err
		}
		if pc.lost {
			p.failLocked(pc, errors.New("connection to the server lost"))
			p.mu.Unlock()
			continue
		}
		if p.closed {
			p.mu.Unlock()
			return ErrClosed
		}
		n := min(pc.credit, len(data))
		pc.credit -= n
		pc.written += int64(n)
		p.mu.Unlock()

		if err := pc.client.Send(pc.index, data[:n]); err != nil {
			p.mu.Lock()
			p.failLocked(pc, err)
			p.mu.Unlock()
		}
		data = data[n:]
	}
	return nil
}

// request sends a stream request on the current connection, if any.
func (p *Pulse) request(build func(index uint32) proto.RequestArgs) error {
	p.mu.Lock()
	pc := p.conn
	p.mu.Unlock()
	if pc == nil {
		return nil
	}
	if err := pc.client.Request(build(pc.index), nil); err != nil {
		p.mu.Lock()
		p.failLocked(pc, err)
		p.mu.Unlock()
		return nil
	}
	return nil
}

// Pause implements Output: it corks the stream, which stops the sound at
// once and keeps the buffer.
func (p *Pulse) Pause() error {
	p.mu.Lock()
	p.paused = true
	p.mu.Unlock()
	p.fallback.pause()
	p.invalidateDelay()
	return p.request(func(i uint32) proto.RequestArgs { return &proto.CorkPlaybackStream{StreamIndex: i, Corked: true} })
}

// Resume implements Output.
func (p *Pulse) Resume() error {
	p.mu.Lock()
	p.paused = false
	if p.conn != nil {
		p.conn.lastReq = time.Now()
	}
	p.mu.Unlock()
	p.fallback.resume()
	p.invalidateDelay()
	return p.request(func(i uint32) proto.RequestArgs { return &proto.CorkPlaybackStream{StreamIndex: i, Corked: false} })
}

// Flush implements Output.
func (p *Pulse) Flush() error {
	p.fallback.reset()
	p.invalidateDelay()
	return p.request(func(i uint32) proto.RequestArgs { return &proto.FlushPlaybackStream{StreamIndex: i} })
}

// Drain implements Output. It sends DRAIN_PLAYBACK_STREAM, and the server
// replies once the buffer has played.
func (p *Pulse) Drain(ctx context.Context) error {
	done := make(chan error, 1)
	go func() {
		done <- p.request(func(i uint32) proto.RequestArgs { return &proto.DrainPlaybackStream{StreamIndex: i} })
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Pulse) invalidateDelay() {
	p.mu.Lock()
	p.delayAt = time.Time{}
	p.mu.Unlock()
}

// Delay implements Output: the bytes in the server's buffer plus the sink's
// latency, measured with GET_PLAYBACK_LATENCY at most every 50 ms and
// extrapolated from the bytes written and the time passed in between.
func (p *Pulse) Delay() time.Duration {
	p.mu.Lock()
	pc := p.conn
	if pc == nil {
		p.mu.Unlock()
		return p.fallback.delay()
	}
	if !p.delayAt.IsZero() && time.Since(p.delayAt) < pulseDelayCache {
		d := p.delayValue + p.bytesDuration(pc.written-p.delayWritten)
		if !p.paused && p.delayRunning {
			d -= time.Since(p.delayAt)
		}
		p.mu.Unlock()
		return max(d, 0)
	}
	written := pc.written
	p.mu.Unlock()

	now := time.Now()
	var reply proto.GetPlaybackLatencyReply
	req := proto.GetPlaybackLatency{StreamIndex: pc.index, Time: proto.Time{Seconds: uint32(now.Unix()), Microseconds: uint32(now.Nanosecond() / 1000)}}
	if err := pc.client.Request(&req, &reply); err != nil {
		return 0
	}
	buffered := max(reply.WriteIndex-reply.ReadIndex, 0)
	d := p.bytesDuration(buffered) + time.Duration(reply.Latency)*time.Microsecond

	p.mu.Lock()
	p.delayAt, p.delayValue, p.delayWritten, p.delayRunning = now, d, written, reply.Running
	p.mu.Unlock()
	return d
}

func (p *Pulse) bytesDuration(n int64) time.Duration {
	return time.Duration(n) * time.Second / time.Duration(p.bytesSec)
}

// Close implements Output. It drops the stream without draining; call Drain
// first to let the buffer play out.
func (p *Pulse) Close() error {
	p.mu.Lock()
	p.closed = true
	pc := p.conn
	p.conn = nil
	p.cond.Broadcast()
	p.mu.Unlock()
	if pc != nil {
		_ = pc.client.Request(&proto.DeletePlaybackStream{StreamIndex: pc.index}, nil)
		return pc.netConn.Close()
	}
	return nil
}
