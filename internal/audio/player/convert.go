package player

import (
	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/resample"
)

// Resampler wraps a stereo stream so that it reads at rate.
type Resampler func(s audio.Stream, rate int) (audio.Stream, error)

// sincResampler is the default Resampler, the windowed-sinc filter of the
// resample package.
func sincResampler(s audio.Stream, rate int) (audio.Stream, error) {
	return resample.New(s, rate, 2)
}

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
