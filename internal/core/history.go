package core

import (
	"context"
	"slices"
	"strings"

	"github.com/tonearm/tonearm/internal/models"
)

type historyController struct{ c *Core }

func (h historyController) GetHistory(ctx context.Context) ([]HistoryEntry, error) {
	return read(h.c, func() []HistoryEntry { return nonNil(slices.Clone(h.c.history)) })
}

func (h historyController) GetLength(ctx context.Context) (int, error) {
	return read(h.c, func() int { return len(h.c.history) })
}

// addHistory puts a started track first in the history, keeping at most
// MaxHistory entries. c.mu is held.
func (c *Core) addHistory(t *models.Track) {
	if t == nil {
		return
	}
	e := HistoryEntry{Timestamp: c.opts.Now().UnixMilli(), Ref: historyRef(*t)}
	c.history = slices.Insert(c.history, 0, e)
	if len(c.history) > MaxHistory {
		c.history = c.history[:MaxHistory]
	}
}

// historyRef names a track "Artist1, Artist2 - Title", as Mopidy 3.4's
// history does; either part is left out when empty.
func historyRef(t models.Track) models.Ref {
	var parts []string
	if len(t.Artists) > 0 {
		names := make([]string, len(t.Artists))
		for i, a := range t.Artists {
			names[i] = a.Name
		}
		parts = append(parts, strings.Join(names, ", "))
	}
	if t.Name != "" {
		parts = append(parts, t.Name)
	}
	return models.Ref{URI: t.URI, Name: strings.Join(parts, " - "), Type: models.RefTrack}
}
