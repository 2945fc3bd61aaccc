package core

import (
	"context"

	"github.com/tonearm/tonearm/internal/core/events"
)

type mixerController struct{ c *Core }

func (m mixerController) GetVolume(ctx context.Context) (*int, error) {
	return read(m.c, func() *int {
		if m.c.opts.NoMixer {
			return nil
		}
		v := m.c.volume
		return &v
	})
}

// SetVolume sets the volume (0 to 100) on the player and publishes
// volume_changed when it changed.
func (m mixerController) SetVolume(ctx context.Context, volume int) (bool, error) {
	if volume < 0 || volume > 100 {
		return false, invalidf("mixer.set_volume: volume %d must be 0 to 100", volume)
	}
	c := m.c
	if err := c.lock(); err != nil {
		return false, err
	}
	defer c.mu.Unlock()
	if c.opts.NoMixer {
		return false, nil
	}
	if c.volume == volume {
		return true, nil
	}
	c.volume = volume
	c.player.SetVolume(c.volume, c.mute)
	c.publish(events.VolumeChanged{Volume: volume})
	c.changed()
	return true, nil
}

func (m mixerController) GetMute(ctx context.Context) (*bool, error) {
	return read(m.c, func() *bool {
		if m.c.opts.NoMixer {
			return nil
		}
		v := m.c.mute
		return &v
	})
}

// SetMute sets the mute state on the player and publishes mute_changed
// when it changed.
func (m mixerController) SetMute(ctx context.Context, mute bool) (bool, error) {
	c := m.c
	if err := c.lock(); err != nil {
		return false, err
	}
	defer c.mu.Unlock()
	if c.opts.NoMixer {
		return false, nil
	}
	if c.mute == mute {
		return true, nil
	}
	c.mute = mute
	c.player.SetVolume(c.volume, c.mute)
	c.publish(events.MuteChanged{Mute: mute})
	c.changed()
	return true, nil
}
