package mpd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/tonearm/tonearm/internal/audit"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// writeTimeout bounds the time one response may take to reach a client, so
// a client that stops reading cannot hold a connection slot.
const writeTimeout = 30 * time.Second

// errClose ends a connection after the current response: the close
// command, a command sent while idle, or a broken limit.
var errClose = errors.New("close connection")

type conn struct {
	s      *Server
	nc     net.Conn
	id     string
	local  bool
	remote string
	log    *slog.Logger

	perm Permission
	core Core
	w    *protocol.Writer

	br *bufio.Reader
	// sockReader and sockWriter read from and write to nc, as socketIO
	// returned them.
	sockReader   io.Reader
	sockWriter   io.Writer
	readArmedAt  time.Time
	writeArmedAt time.Time
	// loginDeadline is when the connection is closed unless a right
	// password arrives first. It is zero when no such deadline applies.
	loginDeadline time.Time
	// inflight delivers the line that a background read started by idle
	// returns; nil when no such read runs.
	inflight chan readResult

	lastCover   *coverCache
	tags        tagMask
	binaryLimit int
	// prios are the queue's priorities by tlid, read by loadPriorities
	// for the command that lists queue songs.
	prios map[int]int

	mu      sync.Mutex
	pending subsystemMask
	wake    chan struct{}

	// cancelEvents stops the core event subscription of the previous
	// permissions when a password changes them.
	cancelEvents context.CancelFunc

	// denials counts the denied requests per kind, for logDenial.
	denials map[string]int
}

type readResult struct {
	line string
	err  error
}

func newConn(s *Server, nc net.Conn, id string, local bool) *conn {
	remote := nc.RemoteAddr().String()
	if local {
		remote = "unix"
	}
	c := &conn{
		s: s, nc: nc, id: id, local: local, remote: remote,
		log:         s.log.With("conn", id, "remote", remote),
		w:           protocol.NewWriter(s.cfg.MaxOutputBuffer),
		tags:        allTags(),
		binaryLimit: DefaultBinaryLimit,
		wake:        make(chan struct{}, 1),
	}
	c.sockReader, c.sockWriter = socketIO(nc)
	c.perm = s.cfg.defaultPermissions()
	if local {
		c.perm = s.cfg.localPermissions()
	}
	// A client that can read nothing may still send ping or commands
	// forever, so without this deadline it could hold a connection slot
	// that the idle timeout never frees.
	if len(s.cfg.Passwords) > 0 && !c.perm.Has(PermRead) && s.cfg.LoginTimeout > 0 {
		c.loginDeadline = time.Now().Add(s.cfg.LoginTimeout)
	}
	return c
}

func (c *conn) serve(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer c.nc.Close()
	c.log.Debug("MPD client connected", "permissions", c.perm.String())
	defer c.log.Debug("MPD client disconnected")
	defer c.logDenialSummary()
	c.s.register(c)
	defer c.s.unregister(c)
	c.setPermissions(ctx, c.perm)
	defer func() { c.cancelEvents() }()

	// Closing the socket when ctx ends unblocks a pending read.
	stop := context.AfterFunc(ctx, func() { c.nc.Close() })
	defer stop()

	if err := c.handshake(ctx); err != nil {
		if ctx.Err() != nil {
			return
		}
		c.log.Info("MPD client closed: TLS handshake failed", "timeout", c.s.cfg.handshakeTimeout(), "err", err)
		return
	}
	if err := c.send([]byte("OK MPD " + Version + "\n")); err != nil {
		return
	}
	c.br = bufio.NewReaderSize(c.sockReader, c.s.cfg.MaxLineLength+1)
	first := true
	for {
		line, err := c.readLine(ctx)
		if err != nil {
			c.logReadError(err)
			return
		}
		if first && !startsWithLowercase(line) {
			c.log.Warn("MPD client rejected: first line is not a command, maybe an HTTP request")
			return
		}
		first = false
		if err := c.handleLine(ctx, line); err != nil {
			if !errors.Is(err, errClose) {
				c.log.Debug("MPD connection ended", "err", err)
			}
			return
		}
	}
}

// handshake runs the TLS handshake of a TLS client within the handshake
// timeout. Without it, the first write would run the handshake, and a
// client that never sends its ClientHello would hold a connection slot,
// because the login and idle timeouts start only after the greeting.
func (c *conn) handshake(ctx context.Context) error {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.s.cfg.handshakeTimeout())
	defer cancel()
	return tc.HandshakeContext(ctx)
}

func startsWithLowercase(line string) bool {
	return line != "" && line[0] >= 'a' && line[0] <= 'z'
}

func (c *conn) logReadError(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, context.Canceled):
	case errors.As(err, &ne) && ne.Timeout() && c.loginExpired():
		n := c.s.counters.loginTimeouts.Add(1)
		c.log.Info("MPD client closed: no password within the login timeout", "timeout", c.s.cfg.LoginTimeout, "closed_total", n)
	case errors.As(err, &ne) && ne.Timeout():
		c.log.Info("MPD client timed out", "timeout", c.s.cfg.IdleTimeout)
	case errors.Is(err, bufio.ErrBufferFull):
		c.log.Warn("MPD client sent a line longer than the limit", "max", c.s.cfg.MaxLineLength)
	default:
		c.log.Debug("MPD read failed", "err", err)
	}
}

// readLine returns the next line without its line end, waiting at most
// IdleTimeout and never past the login deadline. A read that idle started
// in the background is finished first.
func (c *conn) readLine(ctx context.Context) (string, error) {
	if c.inflight != nil {
		select {
		case r := <-c.inflight:
			c.inflight = nil
			return r.line, r.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	c.armReadDeadline()
	return c.readRaw()
}

// armReadDeadline moves the read deadline to IdleTimeout from now, or to
// the login deadline when that comes first. It skips the update while the
// last one is younger than a tenth of the idle timeout, capped at a second.
// A client may therefore be dropped that much early, but a busy connection
// does not reset a timer on every line.
func (c *conn) armReadDeadline() {
	now := time.Now()
	slack := min(c.s.cfg.IdleTimeout/10, time.Second)
	if now.Sub(c.readArmedAt) < slack {
		return
	}
	c.readArmedAt = now
	deadline := now.Add(c.s.cfg.IdleTimeout)
	if !c.loginDeadline.IsZero() && c.loginDeadline.Before(deadline) {
		deadline = c.loginDeadline
	}
	c.nc.SetReadDeadline(deadline)
}

// loginExpired reports whether the connection had a login deadline that
// has passed.
func (c *conn) loginExpired() bool {
	return !c.loginDeadline.IsZero() && !time.Now().Before(c.loginDeadline)
}

// clearLoginDeadline lifts the login deadline after a right password, and
// makes the next read arm the idle timeout in its place.
func (c *conn) clearLoginDeadline() {
	c.loginDeadline = time.Time{}
	c.readArmedAt = time.Time{}
}

func (c *conn) readRaw() (string, error) {
	line, err := c.readSlice()
	if err != nil {
		return "", err
	}
	return string(line), nil
}

// readSlice returns the next line without its line end. The slice is
// valid until the next read.
func (c *conn) readSlice() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(line[:len(line)-1], []byte{'\r'}), nil
}

// readLineBytes is readLine without the copy to a string. The slice is
// valid until the next read.
func (c *conn) readLineBytes(ctx context.Context) ([]byte, error) {
	if c.inflight != nil {
		line, err := c.readLine(ctx)
		return []byte(line), err
	}
	c.armReadDeadline()
	return c.readSlice()
}

// startBackgroundRead reads the next line without a deadline in a
// goroutine, for idle, which must wait for a line and events at once.
func (c *conn) startBackgroundRead() {
	if c.inflight != nil {
		return
	}
	ch := make(chan readResult, 1)
	c.inflight = ch
	c.readArmedAt = time.Time{}
	c.nc.SetReadDeadline(time.Time{})
	go func() {
		line, err := c.readRaw()
		ch <- readResult{line: line, err: err}
	}()
}

// handleLine runs one command line, or a whole command list or idle wait
// that starts with it, and sends the response.
func (c *conn) handleLine(ctx context.Context, line string) error {
	c.w.Reset()
	name, args, err := protocol.Tokenize(line)
	switch {
	case err != nil:
		c.w.Ack(err, 0, name)
	case name == "command_list_begin" || name == "command_list_ok_begin":
		if err := c.commandList(ctx, name == "command_list_ok_begin"); err != nil {
			return err
		}
	case name == "idle":
		return c.idle(ctx, args)
	case name == "noidle":
		// A noidle outside idle, as after an idle that already returned,
		// produces no output in MPD 0.23.
		return nil
	case name == "command_list_end":
		// MPD 0.23 accepts command_list_end only inside a list.
		c.w.Ack(protocol.Errorf(protocol.AckUnknown, "unknown command \"%s\"", name), 0, "")
	default:
		if err := c.run(ctx, name, args, 0); err != nil {
			if errors.Is(err, errClose) {
				return err
			}
		} else {
			c.w.OK()
		}
	}
	return c.flush()
}

// run executes one command and writes its output, or an ACK line when it
// fails. It returns errClose when the connection must end, and the
// command's error otherwise.
func (c *conn) run(ctx context.Context, name string, args []string, index int) error {
	start := c.w.Len()
	err := c.dispatch(ctx, name, args)
	if errors.Is(err, errClose) {
		return err
	}
	if c.w.Overflowed() {
		c.log.Warn("MPD response larger than the output buffer: closing the connection", "command", name, "max", c.s.cfg.MaxOutputBuffer)
		return errClose
	}
	if err != nil {
		c.w.Truncate(start)
		var pe *protocol.Error
		if !errors.As(err, &pe) {
			c.log.Error("MPD command failed", "command", name, "err", err)
		}
		if _, known := c.s.cmds[name]; !known {
			// MPD 0.23 leaves the braces empty for an unknown command.
			name = ""
		}
		c.w.Ack(err, index, name)
	}
	return err
}

func (c *conn) dispatch(ctx context.Context, name string, args []string) error {
	cmd, ok := c.s.commands()[name]
	if !ok {
		return protocol.Errorf(protocol.AckUnknown, "unknown command \"%s\"", name)
	}
	if slices.Contains(c.s.cfg.CommandBlacklist, name) {
		c.logDenial(denialBlacklistedCommand, slog.LevelInfo, "MPD command rejected by command_blacklist", "command", name)
		return protocol.Errorf(protocol.AckPermission, "\"%s\" is disabled by [mpd] command_blacklist", name)
	}
	if !c.perm.Has(cmd.perm) {
		// Only the logged denials get an audit record, so a client that
		// repeats a denied command cannot flood the audit log.
		if c.logDenial(denialPermission, slog.LevelInfo, "MPD permission denied", "command", name, "permissions", c.perm.String()) {
			c.s.cfg.Audit.Record(ctx, audit.Event{Kind: audit.PermissionDenied, Principal: "mpd:" + c.id,
				Address: c.remote, Detail: "MPD command " + name + " needs " + cmd.perm.String()})
		}
		return protocol.Errorf(protocol.AckPermission, "you don't have permission for \"%s\"", name)
	}
	if cmd.localOnly && !c.local {
		return protocol.Errorf(protocol.AckPermission, "Command only permitted to local clients")
	}
	if (len(args) < cmd.minArgs || (cmd.maxArgs >= 0 && len(args) > cmd.maxArgs)) && cmd.minArgs == cmd.maxArgs {
		return protocol.Errorf(protocol.AckArg, "wrong number of arguments for \"%s\"", name)
	}
	if len(args) < cmd.minArgs {
		return protocol.Errorf(protocol.AckArg, "too few arguments for \"%s\"", name)
	}
	if cmd.maxArgs >= 0 && len(args) > cmd.maxArgs {
		return protocol.Errorf(protocol.AckArg, "too many arguments for \"%s\"", name)
	}
	return cmd.handler(ctx, c, args)
}

// commandList reads the lines of a command list up to command_list_end,
// then runs them. Each line counts its length plus one byte against
// MaxCommandListSize, as in MPD 0.23, and a list larger than that closes
// the connection. The lines are stored in one buffer, each followed by a
// newline, so the buffer never exceeds MaxCommandListSize bytes.
func (c *conn) commandList(ctx context.Context, ok bool) error {
	var list []byte
	for {
		line, err := c.readLineBytes(ctx)
		if err != nil {
			return err
		}
		if string(line) == "command_list_end" {
			break
		}
		if len(list)+len(line)+1 > c.s.cfg.MaxCommandListSize {
			c.log.Warn("MPD command list larger than the limit: closing the connection", "max", c.s.cfg.MaxCommandListSize)
			return errClose
		}
		list = appendBounded(list, line, c.s.cfg.MaxCommandListSize)
	}
	for i := 0; len(list) > 0; i++ {
		end := bytes.IndexByte(list, '\n')
		line := string(list[:end])
		list = list[end+1:]
		name, args, err := protocol.Tokenize(line)
		if err == nil && (name == "idle" || name == "noidle" || strings.HasPrefix(name, "command_list")) {
			err = protocol.Errorf(protocol.AckArg, "%s not allowed in command list", name)
		}
		if err != nil {
			c.w.Ack(err, i, name)
			return nil
		}
		if err := c.run(ctx, name, args, i); err != nil {
			if errors.Is(err, errClose) {
				return err
			}
			return nil
		}
		if ok {
			c.w.Line("list_OK")
		}
	}
	c.w.OK()
	return nil
}

// appendBounded appends line and a newline to list. When list must grow,
// its capacity doubles but stays within limit, which the caller has
// checked the result against.
func appendBounded(list, line []byte, limit int) []byte {
	need := len(list) + len(line) + 1
	if need > cap(list) {
		grown := make([]byte, len(list), min(max(2*cap(list), need, 512), max(limit, need)))
		copy(grown, list)
		list = grown
	}
	list = append(list, line...)
	return append(list, '\n')
}

func (c *conn) flush() error {
	if c.w.Len() == 0 {
		return nil
	}
	return c.send(c.w.Bytes())
}

func (c *conn) send(b []byte) error {
	// The write deadline moves only when a tenth of it has passed, for the
	// reason given at armReadDeadline.
	if now := time.Now(); now.Sub(c.writeArmedAt) > writeTimeout/10 {
		c.writeArmedAt = now
		c.nc.SetWriteDeadline(now.Add(writeTimeout))
	}
	_, err := c.sockWriter.Write(b)
	if err != nil {
		return fmt.Errorf("write to %s: %w", c.remote, err)
	}
	return nil
}

// setPermissions changes the connection's permissions, gets the core as
// the new principal sees it and subscribes to its events.
func (c *conn) setPermissions(ctx context.Context, perm Permission) {
	c.perm = perm
	c.core = c.s.coreFor(Principal{ConnID: c.id, Permissions: perm})
	if c.cancelEvents != nil {
		c.cancelEvents()
	}
	evctx, cancel := context.WithCancel(ctx)
	c.cancelEvents = cancel
	if !perm.Has(PermRead) {
		return
	}
	events, err := c.core.Subscribe(evctx)
	if err != nil {
		c.log.Warn("MPD client gets no core events: subscribe failed", "err", err)
		return
	}
	go func() {
		for ev := range events {
			if sub, ok := subsystemOf(ev.Name); ok {
				c.notify(sub)
			}
		}
	}()
}
