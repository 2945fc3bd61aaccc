package pulsetest

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
)

// Recording is recorded audio: interleaved float32 samples in [-1, 1].
type Recording struct {
	Format  audio.Format
	Samples []float32
	// Start maps the recording to wall time, for recordings made by a
	// Recorder (zero otherwise). It is the earliest, over parec's writes,
	// of a write's arrival time minus the length recorded up to its end. So
	// Start plus a frame's offset is never after that frame arrived. Start
	// runs late only by the delivery delay of the promptest write, so one
	// prompt write among many keeps it accurate on a busy machine.
	Start time.Time
}

// Gap is a run of silence inside a recording.
type Gap struct {
	Start  time.Duration // offset from the start of the recording
	Length time.Duration
}

// Frames returns the number of frames in the recording.
func (r *Recording) Frames() int {
	return len(r.Samples) / r.Format.Channels
}

// Duration returns the length of the recording.
func (r *Recording) Duration() time.Duration {
	return r.frameTime(r.Frames())
}

func (r *Recording) frameTime(frames int) time.Duration {
	return time.Duration(float64(frames) / float64(r.Format.SampleRate) * float64(time.Second))
}

// loud reports whether any channel of frame i exceeds threshold.
func (r *Recording) loud(i int, threshold float64) bool {
	c := r.Format.Channels
	for _, v := range r.Samples[i*c : (i+1)*c] {
		if math.Abs(float64(v)) > threshold {
			return true
		}
	}
	return false
}

// soundSpan returns the first frame and one past the last frame in which
// a sample exceeds threshold, or 0, 0 when none does.
func (r *Recording) soundSpan(threshold float64) (first, end int) {
	n := r.Frames()
	for first = 0; first < n && !r.loud(first, threshold); first++ {
	}
	if first == n {
		return 0, 0
	}
	for end = n; !r.loud(end-1, threshold); end-- {
	}
	return first, end
}

// TrimSilence returns the part of the recording from the first to the
// last frame with a sample above threshold (a fraction of full scale, such
// as 0.01 for -40 dBFS). The result shares the samples and is empty when
// every sample is at or below threshold.
func (r *Recording) TrimSilence(threshold float64) *Recording {
	first, end := r.soundSpan(threshold)
	c := r.Format.Channels
	return &Recording{Format: r.Format, Samples: r.Samples[first*c : end*c]}
}

// SoundDuration returns the time from the first to the last sample above
// threshold, silent gaps between them included.
func (r *Recording) SoundDuration(threshold float64) time.Duration {
	return r.TrimSilence(threshold).Duration()
}

// RMS returns the root mean square level of all samples, as a fraction of
// full scale: a full-scale sine has 0.707.
func (r *Recording) RMS() float64 {
	if len(r.Samples) == 0 {
		return 0
	}
	var sum float64
	for _, v := range r.Samples {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(r.Samples)))
}

// Peak returns the largest absolute sample value.
func (r *Recording) Peak() float64 {
	var peak float64
	for _, v := range r.Samples {
		peak = max(peak, math.Abs(float64(v)))
	}
	return peak
}

// Frequency returns the dominant frequency in Hz of the first channel,
// counted from rising zero crossings with linear interpolation between
// samples. It suits a single tone; noise or harmonics that cross zero
// more often raise the result. It returns 0 when there are fewer than two
// rising crossings.
func (r *Recording) Frequency() float64 {
	c := r.Format.Channels
	var first, last float64
	crossings := 0
	for i := 1; i < r.Frames(); i++ {
		prev, cur := float64(r.Samples[(i-1)*c]), float64(r.Samples[i*c])
		if prev >= 0 || cur < 0 {
			continue
		}
		at := float64(i-1) + -prev/(cur-prev)
		if crossings == 0 {
			first = at
		}
		last = at
		crossings++
	}
	if crossings < 2 {
		return 0
	}
	return float64(crossings-1) * float64(r.Format.SampleRate) / (last - first)
}

// Gaps returns every run of at least minLength in which no sample exceeds
// threshold, between the first and the last sample above threshold.
// Silence before and after the sound is not a gap.
func (r *Recording) Gaps(threshold float64, minLength time.Duration) []Gap {
	first, end := r.soundSpan(threshold)
	var gaps []Gap
	quietFrom := -1
	for i := first; i < end; i++ {
		if !r.loud(i, threshold) {
			if quietFrom < 0 {
				quietFrom = i
			}
			continue
		}
		if quietFrom >= 0 {
			if length := r.frameTime(i - quietFrom); length >= minLength {
				gaps = append(gaps, Gap{Start: r.frameTime(quietFrom), Length: length})
			}
			quietFrom = -1
		}
	}
	return gaps
}

// WriteWAV writes the recording to path as a 32-bit float WAV file, for
// listening to a failed test's output.
func (r *Recording) WriteWAV(path string) error {
	dataSize := 4 * len(r.Samples)
	header := struct {
		Riff           [4]byte
		Size           uint32
		Wave, Fmt      [4]byte
		FmtSize        uint32
		Tag, Channels  uint16
		Rate, ByteRate uint32
		Align, Bits    uint16
		Data           [4]byte
		DataSize       uint32
	}{
		Riff: [4]byte{'R', 'I', 'F', 'F'}, Size: uint32(36 + dataSize),
		Wave: [4]byte{'W', 'A', 'V', 'E'}, Fmt: [4]byte{'f', 'm', 't', ' '},
		FmtSize: 16, Tag: 3, Channels: uint16(r.Format.Channels),
		Rate:     uint32(r.Format.SampleRate),
		ByteRate: uint32(4 * r.Format.SampleRate * r.Format.Channels),
		Align:    uint16(4 * r.Format.Channels), Bits: 32,
		Data: [4]byte{'d', 'a', 't', 'a'}, DataSize: uint32(dataSize),
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write recording: %w", err)
	}
	defer f.Close()
	if err := binary.Write(f, binary.LittleEndian, header); err != nil {
		return fmt.Errorf("write recording %s: %w", path, err)
	}
	if err := binary.Write(f, binary.LittleEndian, r.Samples); err != nil {
		return fmt.Errorf("write recording %s: %w", path, err)
	}
	return f.Close()
}
