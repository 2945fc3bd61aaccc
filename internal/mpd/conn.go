package mpd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
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

	// readerArmed is set when the reader already reads the next line, so
	// the main loop must not send it a deadline.
	readerArmed bool

	lastCover   *coverCache
	tags        tagMask
	binaryLimit int

	mu      sync.Mutex
	pending subsystemMask
	wake    chan struct{}

	// cancelEvents stops the core event subscription of the previous
	// permissions when a password changes them.
	cancelEvents context.CancelFunc
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
	c.perm = s.cfg.defaultPermissions()
	if local {
		c.perm = s.cfg.localPermissions()
	}
	return c
}

func (c *conn) serve(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer c.nc.Close()
	c.log.Debug("MPD client connected", "permissions", c.perm.String())
	defer c.log.Debug("MPD client disconnected")
	c.s.register(c)
	defer c.s.unregister(c)
	c.setPermissions(ctx, c.perm)
	defer func() { c.cancelEvents() }()

	if err := c.send([]byte("OK MPD " + Version + "\n")); err != nil {
		return
	}
	lines := make(chan readResult)
	resume := make(chan time.Time)
	go c.readLoop(ctx, lines, resume)

	first := true
	deadline := time.Now().Add(c.s.cfg.IdleTimeout)
	for {
		if c.readerArmed {
			c.readerArmed = false
		} else {
			select {
			case resume <- deadline:
			case <-ctx.Done():
				return
			}
		}
		var r readResult
		select {
		case r = <-lines:
		case <-ctx.Done():
			return
		}
		if r.err != nil {
			c.logReadError(r.err)
			return
		}
		if first && !startsWithLowercase(r.line) {
			c.log.Warn("MPD client rejected: first line is not a command, maybe an HTTP request")
			return
		}
		first = false
		if err := c.handleLine(ctx, r.line, lines, resume); err != nil {
			if !errors.Is(err, errClose) {
				c.log.Debug("MPD connection ended", "err", err)
			}
			return
		}
		deadline = time.Now().Add(c.s.cfg.IdleTimeout)
	}
}

func startsWithLowercase(line string) bool {
	return line != "" && line[0] >= 'a' && line[0] <= 'z'
}

func (c *conn) logReadError(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	case errors.As(err, &ne) && ne.Timeout():
		c.log.Info("MPD client timed out", "timeout", c.s.cfg.IdleTimeout)
	case errors.Is(err, bufio.ErrBufferFull):
		c.log.Warn("MPD client sent a line longer than the limit", "max", c.s.cfg.MaxLineLength)
	default:
		c.log.Debug("MPD read failed", "err", err)
	}
}

// readLoop reads one line at a time, each after the main loop sends the
// read deadline for it, so the deadline follows the connection state.
func (c *conn) readLoop(ctx context.Context, lines chan<- readResult, resume <-chan time.Time) {
	br := bufio.NewReaderSize(c.nc, c.s.cfg.MaxLineLength+1)
	for {
		var deadline time.Time
		select {
		case deadline = <-resume:
		case <-ctx.Done():
			return
		}
		c.nc.SetReadDeadline(deadline)
		line, err := br.ReadSlice('\n')
		r := readResult{err: err}
		if err == nil {
			line = bytes.TrimSuffix(line[:len(line)-1], []byte{'\r'})
			r.line = string(line)
		}
		select {
		case lines <- r:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// handleLine runs one command line, or a whole command list or idle wait
// that starts with it, and sends the response.
func (c *conn) handleLine(ctx context.Context, line string, lines <-chan readResult, resume chan<- time.Time) error {
	c.w.Reset()
	name, args, err := protocol.Tokenize(line)
	switch {
	case err != nil:
		c.w.Ack(err, 0, name)
	case name == "command_list_begin" || name == "command_list_ok_begin":
		if err := c.commandList(ctx, name == "command_list_ok_begin", lines, resume); err != nil {
			return err
		}
	case name == "idle":
		return c.idle(ctx, args, lines, resume)
	case name == "noidle":
		// A noidle outside idle, as after an idle that already returned,
		// produces no output in MPD 0.23.
		return nil
	case name == "command_list_end":
		// MPD 0.23 knows command_list_end only inside a list.
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
	if !c.perm.Has(cmd.perm) {
		if cmd.perm == PermRead && c.perm == 0 && len(c.s.cfg.Passwords) > 0 {
			c.log.Info("MPD permission denied", "command", name)
		} else {
			c.log.Info("MPD permission denied", "command", name, "permissions", c.perm.String())
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
// then runs them. As MPD 0.23 does, a list larger than the limit closes the
// connection.
func (c *conn) commandList(ctx context.Context, ok bool, lines <-chan readResult, resume chan<- time.Time) error {
	var list []string
	size := 0
	for {
		select {
		case resume <- time.Now().Add(c.s.cfg.IdleTimeout):
		case <-ctx.Done():
			return ctx.Err()
		}
		var r readResult
		select {
		case r = <-lines:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		if r.line == "command_list_end" {
			break
		}
		size += len(r.line) + 1
		if size > c.s.cfg.MaxCommandListSize {
			c.log.Warn("MPD command list larger than the limit: closing the connection", "max", c.s.cfg.MaxCommandListSize)
			return errClose
		}
		list = append(list, r.line)
	}
	for i, line := range list {
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

func (c *conn) flush() error {
	if c.w.Len() == 0 {
		return nil
	}
	return c.send(c.w.Bytes())
}

func (c *conn) send(b []byte) error {
	c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := c.nc.Write(b)
	if err != nil {
		return fmt.Errorf("write to %s: %w", c.remote, err)
	}
	return nil
}

// setPermissions changes the connection's permissions, asks for the core
// as the new principal and subscribes to its events.
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
