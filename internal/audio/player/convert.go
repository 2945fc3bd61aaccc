package player

import (
	"errors"
	"io"

	"github.com/tonearm/tonearm/internal/audio"
)

// Resampler wraps a stream so that it reads at rate. The player falls back
// to linear interpolation when Options.Resample is nil.
type Resampler func(s audio.Stream, rate int) (audio.Stream, error)

// stereo converts a stream of any channel count to stereo at the same
// rate: mono is copied to both sides, and a stream of more channels keeps
// its first two, which are front left and right in WAV, FLAC, Vorbis and
// Opus channel orders.
type stereo struct {
	audio.Stream
	in  int
	buf []float32
}

func newStereo(s audio.Stream) audio.Stream {
	if s.Format().Channels == 2 {
		return s
	}
	return &stereo{Stream: s, in: s.Format().Channels}
}

func (s *stereo) Format() audio.Format {
	return audio.Format{SampleRate: s.Stream.Format().SampleRate, Channels: 2}
}

func (s *stereo) Read(p []float32) (int, error) {
	frames := len(p) / 2
	if cap(s.buf) < frames*s.in {
		s.buf = make([]float32, frames*s.in)
	}
	n, err := s.Stream.Read(s.buf[:frames*s.in])
	got := n / s.in
	for i := range got {
		if s.in == 1 {
			p[2*i], p[2*i+1] = s.buf[i], s.buf[i]
		} else {
			p[2*i], p[2*i+1] = s.buf[i*s.in], s.buf[i*s.in+1]
		}
	}
	return got * 2, err
}

// linearResampler converts a stereo stream's rate by linear interpolation.
//
// NOTE: linear interpolation aliases audibly above a few kHz; it is only
// the fallback for when no Resampler is given.
type linearResampler struct {
	src   audio.Stream
	rate  int
	step  float64 // input frames per output frame
	buf   []float32
	t     float64 // read position in buf, in frames
	valid int     // frames in buf
	err   error
}

func newLinearResampler(s audio.Stream, rate int) (audio.Stream, error) {
	return &linearResampler{src: s, rate: rate, step: float64(s.Format().SampleRate) / float64(rate), buf: make([]float32, 0, 4096*2)}, nil
}

func (r *linearResampler) Format() audio.Format { return audio.Format{SampleRate: r.rate, Channels: 2} }

func (r *linearResampler) Read(p []float32) (int, error) {
	n := 0
	for n+2 <= len(p) {
		i := int(r.t)
		if i+1 >= r.valid {
			if r.err != nil {
				break
			}
			r.refill()
			continue
		}
		f := float32(r.t - float64(i))
		p[n] = r.buf[2*i] + f*(r.buf[2*i+2]-r.buf[2*i])
		p[n+1] = r.buf[2*i+1] + f*(r.buf[2*i+3]-r.buf[2*i+1])
		n += 2
		r.t += r.step
	}
	if n == 0 && r.err != nil {
		return 0, r.err
	}
	return n, nil
}

// refill keeps the last frame (the left point of the next interpolation)
// and reads more input after it.
func (r *linearResampler) refill() {
	keep := max(int(r.t), 0)
	if keep > r.valid {
		keep = r.valid
	}
	copy(r.buf, r.buf[2*keep:2*r.valid])
	r.valid -= keep
	r.t -= float64(keep)
	room := r.buf[2*r.valid : cap(r.buf)]
	m, err := r.src.Read(room)
	r.buf = r.buf[:2*r.valid+m]
	r.valid += m / 2
	if err != nil {
		r.err = err
		if r.valid > 0 && !errors.Is(err, io.EOF) {
			return
		}
		// Pad one frame so the last input frame is reached.
		if r.valid > 0 {
			r.buf = append(r.buf, r.buf[2*r.valid-2], r.buf[2*r.valid-1])
			r.valid++
		}
	}
}

func (r *linearResampler) SeekFrame(frame int64) error {
	if err := r.src.SeekFrame(int64(float64(frame) * r.step)); err != nil {
		return err
	}
	r.buf, r.t, r.valid, r.err = r.buf[:0], 0, 0, nil
	return nil
}

func (r *linearResampler) Frames() int64 {
	n := r.src.Frames()
	if n < 0 {
		return -1
	}
	return int64(float64(n) / r.step)
}

func (r *linearResampler) Close() error { return r.src.Close() }
