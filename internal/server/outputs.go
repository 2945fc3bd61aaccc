package server

import (
	"context"
	"strings"

	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/audio/player"
	"github.com/tonearm/tonearm/internal/mpd"
)

// outputSwitcher lists the player's outputs to MPD clients, with their
// index as MPD's output id, and switches them on and off.
type outputSwitcher struct {
	outputs []output.Output
	player  *player.Player
}

// Outputs implements mpd.OutputSwitcher.
func (s outputSwitcher) Outputs(context.Context) ([]mpd.Output, error) {
	enabled := s.player.OutputsEnabled()
	out := make([]mpd.Output, len(s.outputs))
	for i, o := range s.outputs {
		out[i] = mpd.Output{ID: i, Name: o.Name(), Plugin: mpdPlugin(o.Name()), Enabled: enabled[i]}
	}
	return out, nil
}

// SetOutputEnabled implements mpd.OutputSwitcher.
func (s outputSwitcher) SetOutputEnabled(_ context.Context, id int, enabled bool) error {
	return s.player.SetOutputEnabled(id, enabled)
}

// mpdPlugin returns the name of the MPD 0.23 output plugin that does the
// work of the output named name: "httpd" for the HTTP stream, "fifo" and
// "snapcast" for the Snapcast feeds, and the output kind for the others.
func mpdPlugin(name string) string {
	switch {
	case strings.HasPrefix(name, string(output.KindSnapcastFIFO)):
		return "fifo"
	case strings.HasPrefix(name, string(output.KindSnapcastTCP)):
		return "snapcast"
	case name == string(output.KindHTTP):
		return "httpd"
	}
	kind, _, _ := strings.Cut(name, ":")
	return kind
}
