package mpd

import (
	"context"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

func cmdOutputs(ctx context.Context, c *conn, _ []string) error {
	outs, err := c.core.Outputs(ctx)
	if err != nil {
		return err
	}
	for _, o := range outs {
		c.w.PairInt("outputid", int64(o.ID))
		c.w.Pair("outputname", o.Name)
		c.w.Pair("plugin", o.Plugin)
		c.w.Pair("outputenabled", boolString(o.Enabled))
	}
	return nil
}

func (c *conn) setOutput(ctx context.Context, arg string, enable func(bool) bool) error {
	id, err := protocol.ParseUint(arg)
	if err != nil {
		return err
	}
	outs, err := c.core.Outputs(ctx)
	if err != nil {
		return err
	}
	for _, o := range outs {
		if o.ID != id {
			continue
		}
		if err := c.core.SetOutputEnabled(ctx, id, enable(o.Enabled)); err != nil {
			return err
		}
		// The core has no output events, so the frontend wakes the
		// clients waiting in idle output itself.
		c.s.notifyAll("output")
		return nil
	}
	return protocol.Errorf(protocol.AckNoExist, "No such audio output")
}

func cmdEnableOutput(ctx context.Context, c *conn, args []string) error {
	return c.setOutput(ctx, args[0], func(bool) bool { return true })
}

func cmdDisableOutput(ctx context.Context, c *conn, args []string) error {
	return c.setOutput(ctx, args[0], func(bool) bool { return false })
}

func cmdToggleOutput(ctx context.Context, c *conn, args []string) error {
	return c.setOutput(ctx, args[0], func(on bool) bool { return !on })
}
