package player

import (
	"fmt"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/mixer"
)

// ReplayGainMode selects which ReplayGain value the player applies.
type ReplayGainMode int

const (
	// ReplayGainOff plays every track at its own level.
	ReplayGainOff ReplayGainMode = iota
	// ReplayGainTrack applies the track gain, or the album gain when the
	// track has none.
	ReplayGainTrack
	// ReplayGainAlbum applies the album gain, or the track gain when the
	// track has no album gain.
	ReplayGainAlbum
)

// ParseReplayGainMode returns the mode named "off", "track" or "album".
func ParseReplayGainMode(name string) (ReplayGainMode, error) {
	switch name {
	case "off", "":
		return ReplayGainOff, nil
	case "track":
		return ReplayGainTrack, nil
	case "album":
		return ReplayGainAlbum, nil
	}
	return 0, fmt.Errorf("player: invalid ReplayGain mode %q: use off, track or album", name)
}

// String returns the mode's name as ParseReplayGainMode accepts it.
func (m ReplayGainMode) String() string {
	switch m {
	case ReplayGainTrack:
		return "track"
	case ReplayGainAlbum:
		return "album"
	}
	return "off"
}

// ReplayGainFactor returns the linear factor for g in mode, with preamp dB
// added to the gain. When the tag has a peak, the factor is limited so that
// the peak times the factor stays at or below 1.0, as the ReplayGain 1.0
// specification's clipping prevention does. A track without the values the
// mode needs plays at factor 1.
func ReplayGainFactor(g audio.ReplayGain, mode ReplayGainMode, preamp float64) float64 {
	var gain, peak float64
	switch {
	case mode == ReplayGainOff:
		return 1
	case mode == ReplayGainAlbum && g.HasAlbum, mode == ReplayGainTrack && g.HasAlbum && !g.HasTrack:
		gain, peak = g.AlbumGain, g.AlbumPeak
	case g.HasTrack:
		gain, peak = g.TrackGain, g.TrackPeak
	default:
		return 1
	}
	factor := mixer.DecibelsToFactor(gain + preamp)
	if peak > 0 && factor*peak > 1 {
		factor = 1 / peak
	}
	return factor
}
