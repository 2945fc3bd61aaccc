package mpd

import (
	"context"
	"time"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// subsystemMask is a set of idle subsystems, one bit per entry of
// subsystemNames.
type subsystemMask uint32

// Idle subsystems of MPD 0.23, in the order it reports them.
var subsystemNames = []string{
	"database", "stored_playlist", "playlist", "player", "mixer", "output",
	"options", "partition", "sticker", "update", "subscription", "message",
	"neighbor", "mount",
}

func subsystemBit(name string) (subsystemMask, bool) {
	for i, n := range subsystemNames {
		if n == name {
			return 1 << i, true
		}
	}
	return 0, false
}

func mustSubsystem(name string) subsystemMask {
	bit, ok := subsystemBit(name)
	if !ok {
		panic("mpd: unknown subsystem " + name)
	}
	return bit
}

// subsystemOf maps a core event to the subsystem that MPD clients watch
// for it. Mute is reported as an output change, as Mopidy-MPD 3.3 does.
func subsystemOf(event string) (subsystemMask, bool) {
	switch event {
	case EventPlaybackStateChanged, EventSeeked, EventTrackPlaybackStarted:
		return mustSubsystem("player"), true
	case EventTracklistChanged, EventStreamTitleChanged:
		return mustSubsystem("playlist"), true
	case EventOptionsChanged:
		return mustSubsystem("options"), true
	case EventVolumeChanged:
		return mustSubsystem("mixer"), true
	case EventMuteChanged, EventOutputChanged:
		return mustSubsystem("output"), true
	case EventPlaylistsLoaded, EventPlaylistChanged, EventPlaylistDeleted:
		return mustSubsystem("stored_playlist"), true
	case EventLibraryUpdated:
		return mustSubsystem("database"), true
	case EventUpdateStarted, EventUpdateFinished:
		return mustSubsystem("update"), true
	}
	return 0, false
}

// notify marks subsystems as changed for this connection and wakes it if
// it waits in idle.
func (c *conn) notify(m subsystemMask) {
	c.mu.Lock()
	c.pending |= m
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// takePending returns the pending subsystems within mask. When there are
// any, it clears every pending subsystem, those outside mask too, because
// MPD 0.23.12 drops the other changes once an idle reply is sent.
func (c *conn) takePending(mask subsystemMask) subsystemMask {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.pending & mask
	if got != 0 {
		c.pending = 0
	}
	return got
}

func (c *conn) writeChanged(m subsystemMask) {
	for i, n := range subsystemNames {
		if m&(1<<i) != 0 {
			c.w.Pair("changed", n)
		}
	}
	c.w.OK()
}

// idle waits until one of the requested subsystems changes or the client
// sends noidle. Any other line closes the connection, as in MPD 0.23. No
// read deadline applies while the client waits.
func (c *conn) idle(ctx context.Context, args []string) error {
	if !c.perm.Has(PermRead) {
		c.w.Ack(protocol.Errorf(protocol.AckPermission, "you don't have permission for \"idle\""), 0, "idle")
		return c.flush()
	}
	var mask subsystemMask
	for _, a := range args {
		bit, ok := subsystemBit(a)
		if !ok {
			c.w.Ack(protocol.Errorf(protocol.AckArg, "Unrecognized idle event: %s", a), 0, "idle")
			return c.flush()
		}
		mask |= bit
	}
	if mask == 0 {
		mask = ^subsystemMask(0)
	}
	if got := c.takePending(mask); got != 0 {
		c.writeChanged(got)
		return c.flush()
	}
	c.startBackgroundRead()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.wake:
			if got := c.takePending(mask); got != 0 {
				c.w.Reset()
				c.writeChanged(got)
				if err := c.flush(); err != nil {
					return err
				}
				// The background read goes on for the next command, with
				// the normal timeout again.
				c.readArmedAt = time.Now()
				c.nc.SetReadDeadline(c.readArmedAt.Add(c.s.cfg.IdleTimeout))
				return nil
			}
		case r := <-c.inflight:
			c.inflight = nil
			if r.err != nil {
				c.logReadError(r.err)
				return errClose
			}
			if r.line != "noidle" {
				c.log.Info("MPD client sent a command while idle: closing the connection")
				return errClose
			}
			c.w.Reset()
			c.writeChanged(c.takePending(mask))
			return c.flush()
		}
	}
}

// register adds c to the connections that receive frontend events.
func (s *Server) register(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live == nil {
		s.live = make(map[*conn]struct{})
	}
	s.live[c] = struct{}{}
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.live, c)
	s.messages.unsubscribeAll(c)
}

// notifyAll marks a subsystem as changed on every connection, for changes
// that the frontend makes itself (stickers, messages, updates).
func (s *Server) notifyAll(name string) {
	bit := mustSubsystem(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.live {
		c.notify(bit)
	}
}
