package output

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kazzmir/opus-go/ogg"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/connlimit"
	"github.com/tonearm/tonearm/internal/logging"
)

// HTTPOptions configures the HTTP stream. Zero fields take the defaults.
type HTTPOptions struct {
	// MaxListeners caps the listeners at once; more get 503. Default 16.
	MaxListeners int
	// MaxListenersPerAddress caps the listeners from one IP address or
	// IPv6 /64, so one client cannot take every listener slot; more get
	// 429. Default 4, and a negative value means no cap.
	MaxListenersPerAddress int
	// QueueTime is how much audio a listener may fall behind before it is
	// dropped. Default 2 s.
	QueueTime time.Duration
	// WriteTimeout bounds one write to a listener. Default 10 s.
	WriteTimeout time.Duration
	// OpusBitrate is in bits per second. Default 128000.
	OpusBitrate int
}

func (o HTTPOptions) withDefaults() HTTPOptions {
	if o.MaxListeners <= 0 {
		o.MaxListeners = 16
	}
	if o.MaxListenersPerAddress == 0 {
		o.MaxListenersPerAddress = DefaultMaxListenersPerAddress
	}
	if o.QueueTime <= 0 {
		o.QueueTime = 2 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.OpusBitrate <= 0 {
		o.OpusBitrate = 128000
	}
	return o
}

// DefaultMaxListenersPerAddress is the default of
// HTTPOptions.MaxListenersPerAddress.
const DefaultMaxListenersPerAddress = 4

// streamFormat is an encoding the HTTP stream serves.
type streamFormat int

const (
	formatOpus streamFormat = iota
	formatFLAC
)

func (f streamFormat) String() string {
	if f == formatFLAC {
		return "flac"
	}
	return "opus"
}

func (f streamFormat) contentType() string {
	if f == formatFLAC {
		return "audio/flac"
	}
	return "audio/ogg; codecs=opus"
}

// unitDuration is the audio length of one queued unit.
func (f streamFormat) unitDuration(rate int) time.Duration {
	if f == formatFLAC {
		return time.Duration(flacBlockSize) * time.Second / time.Duration(rate)
	}
	return time.Duration(opusFrameSize) * time.Second / time.Duration(rate)
}

// httpLead is how far the stream runs ahead of the clock.
const httpLead = 100 * time.Millisecond

// HTTPStream is an output that serves the live PCM to HTTP listeners as
// Ogg/Opus or FLAC, and the http.Handler that the HTTP frontend mounts at
// /stream. Each format is encoded once for all of its listeners and only
// while one listens. Every listener has a queue of QueueTime of audio. A
// listener that falls further behind is dropped, so it never stalls the
// player or the other listeners.
//
// The stream runs at real-time pace on its own clock. While the player is
// paused or stopped, listeners receive nothing and stay connected.
type HTTPStream struct {
	opts HTTPOptions
	log  *slog.Logger
	// rejects bounds the warnings that a flood of rejected listeners logs.
	rejects *logging.RepeatLimiter

	format audio.Format
	pacer  *pacer

	mu        sync.Mutex
	listeners map[*listener]struct{}
	encoders  map[streamFormat]streamEncoder
	nextID    uint64
	closed    bool
}

type listener struct {
	id      uint64
	format  streamFormat
	remote  string
	address string // remote as connlimit.AddressKey groups it
	units   chan []byte
	dropped chan struct{} // closed when the stream drops the listener
}

// NewHTTPStream returns an HTTP stream output.
func NewHTTPStream(opts HTTPOptions, log *slog.Logger) *HTTPStream {
	log = log.With("output", "http")
	return &HTTPStream{
		opts:      opts.withDefaults(),
		log:       log,
		rejects:   logging.NewRepeatLimiter(logging.RepeatOptions{Logger: log}),
		listeners: make(map[*listener]struct{}),
		encoders:  make(map[streamFormat]streamEncoder),
	}
}

// Name implements Output.
func (s *HTTPStream) Name() string { return string(KindHTTP) }

// Open implements Output.
func (s *HTTPStream) Open(_ context.Context, f audio.Format) error {
	if err := checkFormat(f); err != nil {
		return err
	}
	if f.SampleRate != 48000 {
		return fmt.Errorf("output: the HTTP stream needs 48000 Hz for Opus, the player sends %d Hz", f.SampleRate)
	}
	s.mu.Lock()
	s.format = f
	s.pacer = newPacer(f.SampleRate, httpLead)
	s.mu.Unlock()
	return nil
}

// Write implements Output: it encodes the samples for the formats that
// have listeners and queues the result to each listener.
func (s *HTTPStream) Write(ctx context.Context, samples []float32) error {
	if err := s.pacer.wait(ctx, len(samples)/s.format.Channels); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	for format, enc := range s.encoders {
		err := enc.encode(samples, func(unit []byte) { s.broadcastLocked(format, unit) })
		if err != nil {
			s.log.Error("stream encoder failed, dropping its listeners", "format", format.String(), "err", err)
			s.dropFormatLocked(format)
		}
	}
	return nil
}

func (s *HTTPStream) broadcastLocked(format streamFormat, unit []byte) {
	for l := range s.listeners {
		if l.format != format {
			continue
		}
		select {
		case l.units <- unit:
		default:
			s.log.Warn("stream listener too slow, dropped", "listener", l.id, "remote", l.remote, "format", format.String(), "queue", s.opts.QueueTime)
			s.removeLocked(l)
		}
	}
}

func (s *HTTPStream) dropFormatLocked(format streamFormat) {
	for l := range s.listeners {
		if l.format == format {
			s.removeLocked(l)
		}
	}
}

// removeLocked removes l, and closes its format's encoder when l was its
// last listener.
func (s *HTTPStream) removeLocked(l *listener) {
	if _, ok := s.listeners[l]; !ok {
		return
	}
	delete(s.listeners, l)
	close(l.dropped)
	for other := range s.listeners {
		if other.format == l.format {
			return
		}
	}
	if enc, ok := s.encoders[l.format]; ok {
		enc.close()
		delete(s.encoders, l.format)
	}
}

// subscribe adds a listener, starting the format's encoder if needed, and
// returns it with the header bytes to send first.
func (s *HTTPStream) subscribe(format streamFormat, remote string) (*listener, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.pacer == nil {
		return nil, nil, ErrClosed
	}
	if len(s.listeners) >= s.opts.MaxListeners {
		return nil, nil, errTooManyListeners
	}
	address := connlimit.AddressKey(remote)
	if s.opts.MaxListenersPerAddress > 0 {
		fromAddress := 0
		for l := range s.listeners {
			if l.address == address {
				fromAddress++
			}
		}
		if fromAddress >= s.opts.MaxListenersPerAddress {
			return nil, nil, errTooManyFromAddress
		}
	}
	enc, ok := s.encoders[format]
	if !ok {
		var err error
		enc, err = newStreamEncoder(format, s.format, s.opts.OpusBitrate)
		if err != nil {
			return nil, nil, err
		}
		s.encoders[format] = enc
	}
	queue := max(int(s.opts.QueueTime/format.unitDuration(s.format.SampleRate)), 2)
	s.nextID++
	l := &listener{id: s.nextID, format: format, remote: remote, address: address,
		units: make(chan []byte, queue), dropped: make(chan struct{})}
	s.listeners[l] = struct{}{}
	return l, enc.header(), nil
}

var (
	errTooManyListeners   = fmt.Errorf("output: too many stream listeners")
	errTooManyFromAddress = fmt.Errorf("output: too many stream listeners from one address")
)

func newStreamEncoder(format streamFormat, f audio.Format, bitrate int) (streamEncoder, error) {
	if format == formatFLAC {
		return newFLACEncoder(f.SampleRate, f.Channels)
	}
	return newOpusEncoder(f.SampleRate, f.Channels, bitrate)
}

// Listeners returns the number of connected listeners.
func (s *HTTPStream) Listeners() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.listeners)
}

// pickFormat chooses the encoding from the path (…/stream.opus,
// …/stream.ogg, …/stream.flac) or else from the Accept header, Opus being
// the default. It returns false for a path with another extension.
func pickFormat(r *http.Request) (streamFormat, bool) {
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, ".flac"):
		return formatFLAC, true
	case strings.HasSuffix(path, ".opus"), strings.HasSuffix(path, ".ogg"):
		return formatOpus, true
	case strings.Contains(path[strings.LastIndex(path, "/")+1:], "."):
		return 0, false
	}
	accept := r.Header.Get("Accept")
	if strings.Contains(accept, "audio/flac") || strings.Contains(accept, "audio/x-flac") {
		return formatFLAC, true
	}
	return formatOpus, true
}

// ServeHTTP streams the live audio until the client leaves, the stream
// drops it or the output closes. Access checks belong to the handler that
// wraps this one.
func (s *HTTPStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	format, ok := pickFormat(r)
	if !ok {
		http.Error(w, "unknown stream format: use stream.opus or stream.flac", http.StatusNotFound)
		return
	}

	h := w.Header()
	h.Set("Content-Type", format.contentType())
	h.Set("Cache-Control", "no-cache, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}

	l, header, err := s.subscribe(format, r.RemoteAddr)
	switch {
	case err == errTooManyListeners:
		if s.rejects.Allow("stream_listener_cap", r.RemoteAddr) {
			s.log.Warn("stream listener rejected, listener cap reached", "remote", r.RemoteAddr, "max", s.opts.MaxListeners)
		}
		http.Error(w, "too many listeners", http.StatusServiceUnavailable)
		return
	case err == errTooManyFromAddress:
		if s.rejects.Allow("stream_listener_address_cap", r.RemoteAddr) {
			s.log.Warn("stream listener rejected, too many listeners from this address",
				"remote", r.RemoteAddr, "max", s.opts.MaxListenersPerAddress)
		}
		http.Error(w, "too many listeners from your address: close another stream first", http.StatusTooManyRequests)
		return
	case err != nil:
		s.log.Error("stream listener rejected", "remote", r.RemoteAddr, "err", err)
		http.Error(w, "stream unavailable", http.StatusServiceUnavailable)
		return
	}
	log := s.log.With("listener", l.id, "remote", r.RemoteAddr, "format", format.String())
	log.Info("stream listener connected")
	defer func() {
		s.mu.Lock()
		s.removeLocked(l)
		s.mu.Unlock()
		log.Info("stream listener disconnected")
	}()
	if err := s.stream(r.Context(), w, l, header); err != nil {
		log.Info("stream listener write failed", "err", err)
	}
}

// stream writes the header and then each unit as it arrives.
func (s *HTTPStream) stream(ctx context.Context, w http.ResponseWriter, l *listener, header []byte) error {
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 16<<10)
	var mux *oggMuxer
	if l.format == formatOpus {
		mux = newOggMuxer(bw, s.opusLookahead())
		if err := mux.writeHeaders(); err != nil {
			return err
		}
	} else if _, err := bw.Write(header); err != nil {
		return err
	}
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
		if err := bw.Flush(); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil {
			return err
		}
		var unit []byte
		select {
		case <-ctx.Done():
			return nil
		case <-l.dropped:
			return nil
		case unit = <-l.units:
		}
		var err error
		if mux != nil {
			err = mux.writePacket(unit)
		} else {
			_, err = bw.Write(unit)
		}
		if err != nil {
			return err
		}
	}
}

func (s *HTTPStream) opusLookahead() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if enc, ok := s.encoders[formatOpus].(*opusEncoder); ok {
		return enc.lookahead
	}
	return 312
}

// Pause implements Output.
func (s *HTTPStream) Pause() error { s.pacer.pause(); return nil }

// Resume implements Output.
func (s *HTTPStream) Resume() error { s.pacer.resume(); return nil }

// Flush implements Output. Units already queued to listeners play on.
func (s *HTTPStream) Flush() error { s.pacer.reset(); return nil }

// Drain implements Output.
func (s *HTTPStream) Drain(ctx context.Context) error { return sleepCtx(ctx, s.pacer.delay()) }

// Delay implements Output. It counts only the lead over the clock: the
// listeners' own buffers are unknown.
func (s *HTTPStream) Delay() time.Duration { return s.pacer.delay() }

// Close implements Output: it ends every listener's response.
func (s *HTTPStream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for l := range s.listeners {
		s.removeLocked(l)
	}
	return nil
}

// oggMuxer wraps one listener's Opus packets in Ogg pages, one packet a
// page, with its own serial number and granule positions counted from the
// listener's first packet.
type oggMuxer struct {
	w        *ogg.PacketWriter
	preSkip  int
	granule  uint64
	channels uint8
}

func newOggMuxer(bw *bufio.Writer, preSkip int) *oggMuxer {
	return &oggMuxer{w: ogg.NewPacketWriter(bw, rand.Uint32()), preSkip: preSkip, granule: uint64(preSkip), channels: 2}
}

func (m *oggMuxer) writeHeaders() error {
	head, err := ogg.BuildOpusHeadPacket(ogg.OpusHead{Version: 1, Channels: m.channels, PreSkip: uint16(m.preSkip), InputSampleRate: 48000})
	if err != nil {
		return err
	}
	tags, err := ogg.BuildOpusTagsPacket(ogg.OpusTags{Vendor: "Tonearm", Comments: []string{"TITLE=Tonearm live stream"}})
	if err != nil {
		return err
	}
	if err := m.w.WritePacket(head, 0, true, false); err != nil {
		return err
	}
	if err := m.w.WritePacket(tags, 0, false, false); err != nil {
		return err
	}
	return m.w.Flush()
}

func (m *oggMuxer) writePacket(packet []byte) error {
	m.granule += opusFrameSize
	if err := m.w.WritePacket(packet, m.granule, false, false); err != nil {
		return err
	}
	return m.w.Flush()
}
