package mpd

import (
	"context"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

func boolOption(set func(Core, context.Context, bool) error) handler {
	return func(ctx context.Context, c *conn, args []string) error {
		on, err := protocol.ParseBool(args[0])
		if err != nil {
			return err
		}
		return set(c.core, ctx, on)
	}
}

var (
	cmdConsume = boolOption(Core.SetConsume)
	cmdRandom  = boolOption(Core.SetRandom)
	cmdRepeat  = boolOption(Core.SetRepeat)
)

func cmdSingle(ctx context.Context, c *conn, args []string) error {
	mode, err := protocol.ParseSingle(args[0])
	if err != nil {
		return protocol.Errorf(protocol.AckArg, "Unrecognized single mode, expected 0, 1, or oneshot")
	}
	state, err := c.core.PlaybackState(ctx)
	if err != nil {
		return err
	}
	c.s.setOneshot(mode == "oneshot", state == "playing")
	return c.core.SetSingle(ctx, mode != "0")
}

func cmdSetVol(ctx context.Context, c *conn, args []string) error {
	vol, err := protocol.ParseInt(args[0])
	if err != nil {
		return err
	}
	// MPD 0.23.12 calls every value outside 0 to 100 too large.
	if vol < 0 || vol > 100 {
		return protocol.Errorf(protocol.AckArg, "Number too large: %s", args[0])
	}
	return c.setVolume(ctx, vol)
}

func (c *conn) setVolume(ctx context.Context, vol int) error {
	cur, err := c.core.Volume(ctx)
	if err != nil {
		return err
	}
	if cur < 0 {
		return protocol.Errorf(protocol.AckSystem, "No mixer")
	}
	return c.core.SetVolume(ctx, vol)
}

func cmdVolume(ctx context.Context, c *conn, args []string) error {
	delta, err := protocol.ParseInt(args[0])
	if err != nil {
		return err
	}
	if delta < -100 || delta > 100 {
		return protocol.Errorf(protocol.AckArg, "Number too large: %s", args[0])
	}
	cur, err := c.core.Volume(ctx)
	if err != nil {
		return err
	}
	if cur < 0 {
		return protocol.Errorf(protocol.AckSystem, "No mixer")
	}
	return c.core.SetVolume(ctx, min(max(cur+delta, 0), 100))
}

func cmdGetVol(ctx context.Context, c *conn, _ []string) error {
	vol, err := c.core.Volume(ctx)
	if err != nil {
		return err
	}
	if vol >= 0 {
		c.w.PairInt("volume", int64(vol))
	}
	return nil
}

// cmdCrossfade accepts only 0, because the player has no crossfade.
// The accepted values of crossfade, mixrampdb, mixrampdelay and
// replay_gain_mode change nothing, but clients in idle still get the
// options event that MPD 0.23.12 sends for every such command.

func cmdCrossfade(_ context.Context, c *conn, args []string) error {
	secs, err := protocol.ParseUint(args[0])
	if err != nil {
		return err
	}
	if secs != 0 {
		return protocol.Errorf(protocol.AckUnknown, "crossfade is not supported: the player plays gapless")
	}
	c.s.notifyAll("options")
	return nil
}

// cmdMixrampDB and cmdMixrampDelay accept only the values that turn
// MixRamp off, because the player has no MixRamp.
func cmdMixrampDB(_ context.Context, c *conn, args []string) error {
	db, err := protocol.ParseFloat(args[0])
	if err != nil {
		return err
	}
	if db == 0 {
		c.s.notifyAll("options")
		return nil
	}
	return protocol.Errorf(protocol.AckUnknown, "MixRamp is not supported: the player plays gapless")
}

func cmdMixrampDelay(_ context.Context, c *conn, args []string) error {
	if args[0] == "nan" {
		c.s.notifyAll("options")
		return nil
	}
	delay, err := protocol.ParseFloat(args[0])
	if err != nil {
		return err
	}
	if delay >= 0 {
		return protocol.Errorf(protocol.AckUnknown, "MixRamp is not supported: the player plays gapless")
	}
	return nil
}

// NOTE: the ReplayGain mode is not a core setting yet, so only "off", the
// MPD 0.23 default, is accepted and reported.
func cmdReplayGainMode(_ context.Context, c *conn, args []string) error {
	switch args[0] {
	case "off":
		c.s.notifyAll("options")
		return nil
	case "track", "album", "auto":
		return protocol.Errorf(protocol.AckUnknown, "replay gain mode %s is not supported yet", args[0])
	}
	return protocol.Errorf(protocol.AckArg, "Unrecognized replay gain mode")
}

func cmdReplayGainStatus(_ context.Context, c *conn, _ []string) error {
	c.w.Pair("replay_gain_mode", "off")
	return nil
}
