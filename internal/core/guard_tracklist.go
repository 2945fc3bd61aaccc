package core

import (
	"context"

	"github.com/tonearm/tonearm/internal/models"
)

type guardTracklist struct{ g *guard }

func (t guardTracklist) inner() Tracklist { return t.g.api.Tracklist() }

func (t guardTracklist) Add(ctx context.Context, tracks []models.Track, atPosition *int, uris []string) ([]models.TlTrack, error) {
	if err := t.g.check("core.tracklist.add"); err != nil {
		return nil, err
	}
	return t.inner().Add(ctx, tracks, atPosition, uris)
}

func (t guardTracklist) Remove(ctx context.Context, criteria Criteria) ([]models.TlTrack, error) {
	if err := t.g.check("core.tracklist.remove"); err != nil {
		return nil, err
	}
	return t.inner().Remove(ctx, criteria)
}

func (t guardTracklist) Filter(ctx context.Context, criteria Criteria) ([]models.TlTrack, error) {
	if err := t.g.check("core.tracklist.filter"); err != nil {
		return nil, err
	}
	return t.inner().Filter(ctx, criteria)
}

func (t guardTracklist) Clear(ctx context.Context) error {
	if err := t.g.check("core.tracklist.clear"); err != nil {
		return err
	}
	return t.inner().Clear(ctx)
}

func (t guardTracklist) Move(ctx context.Context, start, end, toPosition int) error {
	if err := t.g.check("core.tracklist.move"); err != nil {
		return err
	}
	return t.inner().Move(ctx, start, end, toPosition)
}

func (t guardTracklist) Shuffle(ctx context.Context, start, end *int) error {
	if err := t.g.check("core.tracklist.shuffle"); err != nil {
		return err
	}
	return t.inner().Shuffle(ctx, start, end)
}

func (t guardTracklist) Slice(ctx context.Context, start, end int) ([]models.TlTrack, error) {
	if err := t.g.check("core.tracklist.slice"); err != nil {
		return nil, err
	}
	return t.inner().Slice(ctx, start, end)
}

func (t guardTracklist) Index(ctx context.Context, tlTrack *models.TlTrack, tlid *int) (*int, error) {
	if err := t.g.check("core.tracklist.index"); err != nil {
		return nil, err
	}
	return t.inner().Index(ctx, tlTrack, tlid)
}

func (t guardTracklist) GetTlTracks(ctx context.Context) ([]models.TlTrack, error) {
	if err := t.g.check("core.tracklist.get_tl_tracks"); err != nil {
		return nil, err
	}
	return t.inner().GetTlTracks(ctx)
}

func (t guardTracklist) GetTracks(ctx context.Context) ([]models.Track, error) {
	if err := t.g.check("core.tracklist.get_tracks"); err != nil {
		return nil, err
	}
	return t.inner().GetTracks(ctx)
}

func (t guardTracklist) GetLength(ctx context.Context) (int, error) {
	if err := t.g.check("core.tracklist.get_length"); err != nil {
		return 0, err
	}
	return t.inner().GetLength(ctx)
}

func (t guardTracklist) GetVersion(ctx context.Context) (int, error) {
	if err := t.g.check("core.tracklist.get_version"); err != nil {
		return 0, err
	}
	return t.inner().GetVersion(ctx)
}

func (t guardTracklist) SetPriority(ctx context.Context, tlids []int, priority int) error {
	if err := t.g.check("core.tracklist.set_priority"); err != nil {
		return err
	}
	return t.inner().SetPriority(ctx, tlids, priority)
}

func (t guardTracklist) GetPriorities(ctx context.Context) (map[int]int, error) {
	if err := t.g.check("core.tracklist.get_priorities"); err != nil {
		return nil, err
	}
	return t.inner().GetPriorities(ctx)
}

func (t guardTracklist) GetChanges(ctx context.Context, version int) ([]Change, error) {
	if err := t.g.check("core.tracklist.get_changes"); err != nil {
		return nil, err
	}
	return t.inner().GetChanges(ctx, version)
}

func (t guardTracklist) getFlag(ctx context.Context, method string, get func(context.Context) (bool, error)) (bool, error) {
	if err := t.g.check(method); err != nil {
		return false, err
	}
	return get(ctx)
}

func (t guardTracklist) setFlag(ctx context.Context, method string, value bool, set func(context.Context, bool) error) error {
	if err := t.g.check(method); err != nil {
		return err
	}
	return set(ctx, value)
}

func (t guardTracklist) GetConsume(ctx context.Context) (bool, error) {
	return t.getFlag(ctx, "core.tracklist.get_consume", t.inner().GetConsume)
}

func (t guardTracklist) SetConsume(ctx context.Context, value bool) error {
	return t.setFlag(ctx, "core.tracklist.set_consume", value, t.inner().SetConsume)
}

func (t guardTracklist) GetRandom(ctx context.Context) (bool, error) {
	return t.getFlag(ctx, "core.tracklist.get_random", t.inner().GetRandom)
}

func (t guardTracklist) SetRandom(ctx context.Context, value bool) error {
	return t.setFlag(ctx, "core.tracklist.set_random", value, t.inner().SetRandom)
}

func (t guardTracklist) GetRepeat(ctx context.Context) (bool, error) {
	return t.getFlag(ctx, "core.tracklist.get_repeat", t.inner().GetRepeat)
}

func (t guardTracklist) SetRepeat(ctx context.Context, value bool) error {
	return t.setFlag(ctx, "core.tracklist.set_repeat", value, t.inner().SetRepeat)
}

func (t guardTracklist) GetSingle(ctx context.Context) (bool, error) {
	return t.getFlag(ctx, "core.tracklist.get_single", t.inner().GetSingle)
}

func (t guardTracklist) SetSingle(ctx context.Context, value bool) error {
	return t.setFlag(ctx, "core.tracklist.set_single", value, t.inner().SetSingle)
}

func (t guardTracklist) tlid(ctx context.Context, method string, get func(context.Context) (*int, error)) (*int, error) {
	if err := t.g.check(method); err != nil {
		return nil, err
	}
	return get(ctx)
}

func (t guardTracklist) GetNextTlid(ctx context.Context) (*int, error) {
	return t.tlid(ctx, "core.tracklist.get_next_tlid", t.inner().GetNextTlid)
}

func (t guardTracklist) GetPreviousTlid(ctx context.Context) (*int, error) {
	return t.tlid(ctx, "core.tracklist.get_previous_tlid", t.inner().GetPreviousTlid)
}

func (t guardTracklist) GetEotTlid(ctx context.Context) (*int, error) {
	return t.tlid(ctx, "core.tracklist.get_eot_tlid", t.inner().GetEotTlid)
}

func (t guardTracklist) step(ctx context.Context, method string, tl *models.TlTrack,
	get func(context.Context, *models.TlTrack) (*models.TlTrack, error)) (*models.TlTrack, error) {
	if err := t.g.check(method); err != nil {
		return nil, err
	}
	return get(ctx, tl)
}

func (t guardTracklist) NextTrack(ctx context.Context, tl *models.TlTrack) (*models.TlTrack, error) {
	return t.step(ctx, "core.tracklist.next_track", tl, t.inner().NextTrack)
}

func (t guardTracklist) PreviousTrack(ctx context.Context, tl *models.TlTrack) (*models.TlTrack, error) {
	return t.step(ctx, "core.tracklist.previous_track", tl, t.inner().PreviousTrack)
}

func (t guardTracklist) EotTrack(ctx context.Context, tl *models.TlTrack) (*models.TlTrack, error) {
	return t.step(ctx, "core.tracklist.eot_track", tl, t.inner().EotTrack)
}
