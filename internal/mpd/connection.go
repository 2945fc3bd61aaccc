package mpd

import (
	"context"
	"log/slog"

	"github.com/tonearm/tonearm/internal/audit"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// minBinaryLimit is the smallest binarylimit MPD 0.23 accepts.
const minBinaryLimit = 64

// maxBinaryLimit bounds a chunk so it fits the output buffer.
const maxBinaryLimit = 1 << 20

func cmdClose(context.Context, *conn, []string) error { return errClose }

func cmdPing(context.Context, *conn, []string) error { return nil }

// cmdPassword checks a password, rate-limited per client address, and on
// success replaces the connection's permissions with the password's.
// Every checked wrong password gets an audit record. Rate-limited attempts
// get one only while logDenial logs them.
func cmdPassword(ctx context.Context, c *conn, args []string) error {
	perm, result := c.s.auth.authenticate(ctx, c.remote, args[0])
	switch result {
	case authRateLimited:
		if c.logDenial(denialPasswordLimited, slog.LevelWarn, "MPD password attempt rate-limited") {
			c.s.cfg.Audit.Record(ctx, audit.Event{Kind: audit.LoginFailed, Principal: "mpd:" + c.id, Address: c.remote, Detail: "MPD password rate-limited"})
		}
		return protocol.Errorf(protocol.AckPassword, "too many password attempts: wait and try again")
	case authBusy:
		c.logDenial(denialPasswordBusy, slog.LevelWarn, "MPD password not checked: too many checks at once", "slots", passwordCheckSlots)
		return protocol.Errorf(protocol.AckPassword, "too many password checks at once: try again in a moment")
	case authIncorrect:
		c.logDenial(denialPassword, slog.LevelWarn, "MPD password rejected")
		c.s.cfg.Audit.Record(ctx, audit.Event{Kind: audit.LoginFailed, Principal: "mpd:" + c.id, Address: c.remote, Detail: "MPD password rejected"})
		return protocol.Errorf(protocol.AckPassword, "incorrect password")
	}
	c.log.Info("MPD client authenticated", "permissions", perm.String())
	c.clearLoginDeadline()
	c.setPermissions(ctx, perm)
	return nil
}

func cmdBinaryLimit(_ context.Context, c *conn, args []string) error {
	n, err := protocol.ParseUint(args[0])
	if err != nil {
		return err
	}
	if n < minBinaryLimit {
		return protocol.Errorf(protocol.AckArg, "Value too small")
	}
	c.binaryLimit = min(n, maxBinaryLimit)
	return nil
}

func cmdTagTypes(_ context.Context, c *conn, args []string) error {
	if len(args) == 0 {
		for _, t := range protocol.TagNames() {
			if c.tags.enabled(t) {
				c.w.Pair("tagtype", t)
			}
		}
		return nil
	}
	sub, names := args[0], args[1:]
	var tags []string
	for _, n := range names {
		t, ok := protocol.ParseTag(n)
		if !ok {
			return protocol.Errorf(protocol.AckArg, "Unknown tag type")
		}
		tags = append(tags, t)
	}
	switch sub {
	case "all":
		c.tags.off = nil
	case "clear":
		c.tags.off = map[string]bool{}
		for _, t := range protocol.TagNames() {
			c.tags.off[t] = true
		}
	case "enable", "disable":
		if len(tags) == 0 {
			return protocol.Errorf(protocol.AckArg, "Not enough arguments")
		}
		if c.tags.off == nil {
			c.tags.off = map[string]bool{}
		}
		for _, t := range tags {
			if sub == "enable" {
				delete(c.tags.off, t)
			} else {
				c.tags.off[t] = true
			}
		}
	default:
		return protocol.Errorf(protocol.AckArg, "Unknown sub command")
	}
	return nil
}

func cmdPartition(_ context.Context, _ *conn, args []string) error {
	if args[0] != "default" {
		return protocol.Errorf(protocol.AckNoExist, "partition does not exist")
	}
	return nil
}

func cmdListPartitions(_ context.Context, c *conn, _ []string) error {
	c.w.Pair("partition", "default")
	return nil
}
