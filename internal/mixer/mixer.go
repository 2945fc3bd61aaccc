// Package mixer holds the software mixer: the volume (0 to 100) and mute
// state, the curve that turns them into a linear gain factor, and a ramp that
// moves the applied gain to a new value over a few milliseconds so that a
// volume change makes no audible click ("zipper noise").
package mixer

import (
	"fmt"
	"math"
	"sync"
)

// Curve maps a volume of 0 to 100 to a linear gain factor of 0.0 to 1.0.
type Curve int

const (
	// CurveCubic is gain = (volume/100)³. PulseAudio maps its software
	// volume to amplitude the same way, so 50 sounds like 50 in pavucontrol:
	// 50 is -18 dB, 25 is -36 dB, 10 is -60 dB. It is the default because a
	// linear curve puts nearly all of the audible range in the top third of
	// the slider.
	CurveCubic Curve = iota
	// CurveLinear is gain = volume/100, the curve of Mopidy 3.4's software
	// mixer (a GStreamer volume element), for users who want its exact
	// levels: 50 is -6 dB, 10 is -20 dB.
	CurveLinear
)

// ParseCurve returns the curve named "cubic" or "linear".
func ParseCurve(name string) (Curve, error) {
	switch name {
	case "cubic", "":
		return CurveCubic, nil
	case "linear":
		return CurveLinear, nil
	}
	return 0, fmt.Errorf("mixer: invalid volume curve %q: use cubic or linear", name)
}

// String returns the curve's name as ParseCurve accepts it.
func (c Curve) String() string {
	if c == CurveLinear {
		return "linear"
	}
	return "cubic"
}

// Gain returns the linear gain factor for volume (clamped to 0..100) and
// mute. A muted mixer has gain 0 whatever the volume.
func (c Curve) Gain(volume int, mute bool) float64 {
	if mute {
		return 0
	}
	v := float64(min(max(volume, 0), 100)) / 100
	if c == CurveLinear {
		return v
	}
	return v * v * v
}

// Mixer is the volume and mute state of the software mixer. It is safe for
// concurrent use.
type Mixer struct {
	curve Curve

	mu     sync.Mutex
	volume int
	mute   bool
}

// New returns a mixer with the given curve and starting volume.
func New(curve Curve, volume int) *Mixer {
	return &Mixer{curve: curve, volume: min(max(volume, 0), 100)}
}

// SetVolume sets the volume, clamped to 0..100.
func (m *Mixer) SetVolume(volume int) {
	m.mu.Lock()
	m.volume = min(max(volume, 0), 100)
	m.mu.Unlock()
}

// SetMute sets the mute state.
func (m *Mixer) SetMute(mute bool) {
	m.mu.Lock()
	m.mute = mute
	m.mu.Unlock()
}

// Volume returns the volume (0 to 100) and mute state.
func (m *Mixer) Volume() (volume int, mute bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.volume, m.mute
}

// Gain returns the linear gain factor for the current volume and mute state.
func (m *Mixer) Gain() float64 {
	volume, mute := m.Volume()
	return m.curve.Gain(volume, mute)
}

// Ramp applies a gain factor to interleaved samples and moves from the
// current factor to a new target in a straight line over a fixed number of
// frames, so that no two neighbouring samples differ in gain by more than
// 1/frames. The zero value is not usable: call NewRamp.
type Ramp struct {
	current float64
	target  float64
	step    float64
	left    int // frames until current reaches target
	frames  int
}

// RampTime is the time a gain change takes to complete.
const RampTime = 0.010

// NewRamp returns a ramp that starts at gain and completes every change
// within RampTime seconds at sampleRate.
func NewRamp(gain float64, sampleRate int) *Ramp {
	frames := max(int(RampTime*float64(sampleRate)), 1)
	return &Ramp{current: gain, target: gain, frames: frames}
}

// SetTarget starts a ramp from the current gain to target.
func (r *Ramp) SetTarget(target float64) {
	if target == r.target {
		return
	}
	r.target = target
	r.step = (target - r.current) / float64(r.frames)
	r.left = r.frames
}

// Jump sets the gain to target at once, with no ramp. The player uses it
// when no sound is playing, such as before the first frame of a track.
func (r *Ramp) Jump(target float64) {
	r.current, r.target, r.step, r.left = target, target, 0, 0
}

// Current returns the gain applied to the next frame.
func (r *Ramp) Current() float64 { return r.current }

// Apply multiplies the interleaved samples by the gain, frame by frame.
func (r *Ramp) Apply(samples []float32, channels int) {
	if r.current == r.target {
		r.applyConstant(samples)
		return
	}
	for i := 0; i+channels <= len(samples); i += channels {
		if r.left > 0 {
			r.left--
			r.current += r.step
			if r.left == 0 {
				r.current = r.target
			}
		}
		g := float32(r.current)
		for c := range channels {
			samples[i+c] *= g
		}
	}
}

func (r *Ramp) applyConstant(samples []float32) {
	if r.current == 1 {
		return
	}
	g := float32(r.current)
	for i := range samples {
		samples[i] *= g
	}
}

// DecibelsToFactor returns the linear amplitude factor for a gain in dB.
func DecibelsToFactor(db float64) float64 {
	return math.Pow(10, db/20)
}
