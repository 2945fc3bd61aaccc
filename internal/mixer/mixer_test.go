package mixer

import (
	"math"
	"testing"
)

func TestCurveGain(t *testing.T) {
	cases := []struct {
		curve  Curve
		volume int
		mute   bool
		want   float64
	}{
		{CurveLinear, 100, false, 1},
		{CurveLinear, 50, false, 0.5},
		{CurveLinear, 0, false, 0},
		{CurveLinear, 150, false, 1},
		{CurveLinear, -5, false, 0},
		{CurveLinear, 80, true, 0},
		{CurveCubic, 100, false, 1},
		{CurveCubic, 50, false, 0.125},
		{CurveCubic, 10, false, 0.001},
		{CurveCubic, 100, true, 0},
	}
	for _, c := range cases {
		got := c.curve.Gain(c.volume, c.mute)
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%v.Gain(%d, %v) = %v, want %v", c.curve, c.volume, c.mute, got, c.want)
		}
	}
}

func TestParseCurve(t *testing.T) {
	for _, name := range []string{"cubic", "linear"} {
		c, err := ParseCurve(name)
		if err != nil {
			t.Fatalf("ParseCurve(%q): %v", name, err)
		}
		if c.String() != name {
			t.Errorf("ParseCurve(%q).String() = %q", name, c.String())
		}
	}
	if _, err := ParseCurve("log"); err == nil {
		t.Error("ParseCurve(\"log\") returned no error")
	}
}

func TestMixerState(t *testing.T) {
	m := New(CurveLinear, 70)
	m.SetVolume(120)
	m.SetMute(true)
	v, mute := m.Volume()
	if v != 100 {
		t.Errorf("volume = %d, want 100 after clamping", v)
	}
	if !mute {
		t.Error("mute = false after SetMute(true)")
	}
	if m.Gain() != 0 {
		t.Errorf("muted gain = %v, want 0", m.Gain())
	}
}

// TestRampStepBound checks that a full-scale volume change on a full-scale
// signal moves no sample by more than one ramp step.
func TestRampStepBound(t *testing.T) {
	const rate, channels = 48000, 2
	r := NewRamp(1, rate)
	maxStep := 1.0/float64(int(RampTime*rate)) + 1e-6

	buf := make([]float32, 4800*channels)
	prev := 1.0
	for _, target := range []float64{0, 1, 0.25, 0.9} {
		for i := range buf {
			buf[i] = 1
		}
		r.SetTarget(target)
		r.Apply(buf, channels)
		for i := 0; i < len(buf); i += channels {
			step := math.Abs(float64(buf[i]) - prev)
			if step > maxStep {
				t.Fatalf("target %v: frame %d jumps by %v, max %v", target, i/channels, step, maxStep)
			}
			prev = float64(buf[i])
		}
		if math.Abs(r.Current()-target) > 1e-9 {
			t.Errorf("gain after 100 ms = %v, want %v", r.Current(), target)
		}
	}
}

func TestRampCompletesInRampTime(t *testing.T) {
	r := NewRamp(0, 48000)
	r.SetTarget(1)
	buf := make([]float32, 480*2)
	r.Apply(buf, 2)
	if r.Current() != 1 {
		t.Errorf("gain after %v s = %v, want 1", RampTime, r.Current())
	}
}

func TestDecibelsToFactor(t *testing.T) {
	if got := DecibelsToFactor(-6.0206); math.Abs(got-0.5) > 1e-4 {
		t.Errorf("DecibelsToFactor(-6.02) = %v, want 0.5", got)
	}
	if got := DecibelsToFactor(0); got != 1 {
		t.Errorf("DecibelsToFactor(0) = %v, want 1", got)
	}
}

func BenchmarkRampApply(b *testing.B) {
	r := NewRamp(0.5, 48000)
	buf := make([]float32, 1024*2)
	b.SetBytes(int64(len(buf) * 4))
	for b.Loop() {
		r.Apply(buf, 2)
	}
}
