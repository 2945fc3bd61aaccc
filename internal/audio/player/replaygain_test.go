package player

import (
	"math"
	"testing"

	"github.com/tonearm/tonearm/internal/audio"
)

func TestReplayGainFactor(t *testing.T) {
	both := audio.ReplayGain{TrackGain: -6.0206, TrackPeak: 0.5, AlbumGain: -12.0412, AlbumPeak: 0.8, HasTrack: true, HasAlbum: true}
	loudPeak := audio.ReplayGain{TrackGain: 6.0206, TrackPeak: 0.9, HasTrack: true}
	noPeak := audio.ReplayGain{TrackGain: 6.0206, HasTrack: true}
	albumOnly := audio.ReplayGain{AlbumGain: -6.0206, HasAlbum: true}
	cases := []struct {
		name   string
		g      audio.ReplayGain
		mode   ReplayGainMode
		preamp float64
		want   float64
	}{
		{"off", both, ReplayGainOff, 0, 1},
		{"track", both, ReplayGainTrack, 0, 0.5},
		{"album", both, ReplayGainAlbum, 0, 0.25},
		{"preamp", both, ReplayGainTrack, 6.0206, 1},
		{"peak limits boost", loudPeak, ReplayGainTrack, 0, 1 / 0.9},
		{"boost without peak", noPeak, ReplayGainTrack, 0, 2},
		{"album falls back to track", loudPeak, ReplayGainAlbum, 0, 1 / 0.9},
		{"track falls back to album", albumOnly, ReplayGainTrack, 0, 0.5},
		{"no tags", audio.ReplayGain{}, ReplayGainAlbum, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ReplayGainFactor(c.g, c.mode, c.preamp)
			if math.Abs(got-c.want) > 1e-4 {
				t.Errorf("factor = %v, want %v", got, c.want)
			}
		})
	}
}

func TestParseReplayGainMode(t *testing.T) {
	for _, name := range []string{"off", "track", "album"} {
		m, err := ParseReplayGainMode(name)
		if err != nil {
			t.Fatalf("ParseReplayGainMode(%q): %v", name, err)
		}
		if m.String() != name {
			t.Errorf("mode %q round-trips as %q", name, m.String())
		}
	}
	if _, err := ParseReplayGainMode("loud"); err == nil {
		t.Error("ParseReplayGainMode(\"loud\") returned no error")
	}
}
