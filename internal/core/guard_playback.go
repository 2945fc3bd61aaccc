package core

import (
	"context"

	"github.com/tonearm/tonearm/internal/models"
)

type guardPlayback struct{ g *guard }

func (p guardPlayback) GetState(ctx context.Context) (State, error) {
	if err := p.g.check("core.playback.get_state"); err != nil {
		return "", err
	}
	return p.g.api.Playback().GetState(ctx)
}

func (p guardPlayback) SetState(ctx context.Context, newState State) error {
	if err := p.g.check("core.playback.set_state"); err != nil {
		return err
	}
	return p.g.api.Playback().SetState(ctx, newState)
}

func (p guardPlayback) Play(ctx context.Context, tlTrack *models.TlTrack, tlid *int) error {
	if err := p.g.check("core.playback.play"); err != nil {
		return err
	}
	return p.g.api.Playback().Play(ctx, tlTrack, tlid)
}

func (p guardPlayback) Pause(ctx context.Context) error {
	if err := p.g.check("core.playback.pause"); err != nil {
		return err
	}
	return p.g.api.Playback().Pause(ctx)
}

func (p guardPlayback) Resume(ctx context.Context) error {
	if err := p.g.check("core.playback.resume"); err != nil {
		return err
	}
	return p.g.api.Playback().Resume(ctx)
}

func (p guardPlayback) Stop(ctx context.Context) error {
	if err := p.g.check("core.playback.stop"); err != nil {
		return err
	}
	return p.g.api.Playback().Stop(ctx)
}

func (p guardPlayback) Next(ctx context.Context) error {
	if err := p.g.check("core.playback.next"); err != nil {
		return err
	}
	return p.g.api.Playback().Next(ctx)
}

func (p guardPlayback) Previous(ctx context.Context) error {
	if err := p.g.check("core.playback.previous"); err != nil {
		return err
	}
	return p.g.api.Playback().Previous(ctx)
}

func (p guardPlayback) Seek(ctx context.Context, timePosition int) (bool, error) {
	if err := p.g.check("core.playback.seek"); err != nil {
		return false, err
	}
	return p.g.api.Playback().Seek(ctx, timePosition)
}

func (p guardPlayback) GetTimePosition(ctx context.Context) (int, error) {
	if err := p.g.check("core.playback.get_time_position"); err != nil {
		return 0, err
	}
	return p.g.api.Playback().GetTimePosition(ctx)
}

func (p guardPlayback) GetCurrentTlTrack(ctx context.Context) (*models.TlTrack, error) {
	if err := p.g.check("core.playback.get_current_tl_track"); err != nil {
		return nil, err
	}
	return p.g.api.Playback().GetCurrentTlTrack(ctx)
}

func (p guardPlayback) GetCurrentTrack(ctx context.Context) (*models.Track, error) {
	if err := p.g.check("core.playback.get_current_track"); err != nil {
		return nil, err
	}
	return p.g.api.Playback().GetCurrentTrack(ctx)
}

func (p guardPlayback) GetCurrentTlid(ctx context.Context) (*int, error) {
	if err := p.g.check("core.playback.get_current_tlid"); err != nil {
		return nil, err
	}
	return p.g.api.Playback().GetCurrentTlid(ctx)
}

func (p guardPlayback) GetStreamTitle(ctx context.Context) (*string, error) {
	if err := p.g.check("core.playback.get_stream_title"); err != nil {
		return nil, err
	}
	return p.g.api.Playback().GetStreamTitle(ctx)
}

func (p guardPlayback) GetStatus(ctx context.Context) (Status, error) {
	if err := p.g.check("core.playback.get_status"); err != nil {
		return Status{}, err
	}
	return p.g.api.Playback().GetStatus(ctx)
}

func (p guardPlayback) ClearError(ctx context.Context) error {
	if err := p.g.check("core.playback.clear_error"); err != nil {
		return err
	}
	return p.g.api.Playback().ClearError(ctx)
}
