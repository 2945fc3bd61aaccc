// Package resample converts an audio.Stream to another sample rate with a
// windowed-sinc filter, and to another channel count.
//
// The filter is a Kaiser-windowed sinc with 32 zero crossings on each side,
// cut off at 90 % of the lower Nyquist frequency. Its values come from a
// table of 512 phases per zero crossing with linear interpolation between
// phases, so any pair of rates works without a table per ratio.
package resample

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/tonearm/tonearm/internal/audio"
)

// Filter parameters.
const (
	zeroCrossings = 32
	phases        = 512
	cutoff        = 0.9
	kaiserBeta    = 8.6
)

// Bounds on the formats New accepts.
const (
	minRate     = 1000
	maxRate     = 768000
	maxChannels = 8
)

// chunkFrames is how many input frames the stream reads at a time.
const chunkFrames = 4096

// New returns a stream of in converted to rate Hz and channels channels.
// It returns in itself when nothing needs converting. Channels are mapped
// as follows: mono is copied to every output channel, several channels
// are averaged into mono, and otherwise output channel i takes input
// channel i, or silence when the input has fewer.
//
// The returned stream seeks when in does, and closing it closes in.
func New(in audio.Stream, rate, channels int) (audio.Stream, error) {
	f := in.Format()
	if rate < minRate || rate > maxRate {
		return nil, fmt.Errorf("resample: output rate %d Hz outside %d to %d", rate, minRate, maxRate)
	}
	if channels < 1 || channels > maxChannels {
		return nil, fmt.Errorf("resample: %d output channels: use 1 to %d", channels, maxChannels)
	}
	if f.SampleRate < minRate || f.SampleRate > maxRate || f.Channels < 1 || f.Channels > maxChannels {
		return nil, fmt.Errorf("resample: unsupported input format %+v", f)
	}
	if f.SampleRate == rate && f.Channels == channels {
		return in, nil
	}
	s := &stream{
		in:       in,
		inF:      f,
		outF:     audio.Format{SampleRate: rate, Channels: channels},
		step:     int64(f.SampleRate) / int64(rate),
		stepFrac: int64(f.SampleRate) % int64(rate),
	}
	s.scale = math.Min(1, float64(rate)/float64(f.SampleRate)) * cutoff
	s.table = kernelTable()
	s.half = int(math.Ceil(zeroCrossings / s.scale))
	s.weights = make([]float32, 2*s.half)
	s.precompute()
	s.reset(0, 0)
	return s, nil
}

// maxCachedPhases bounds the weight cache. Output frames fall on at most
// outRate/gcd(inRate, outRate) distinct phases between input frames, and
// when there are no more phases than this, each phase's weights are
// computed once.
const maxCachedPhases = 2048

// precompute fills the weight cache when the rate ratio has few phases.
func (s *stream) precompute() {
	g := gcd(int64(s.inF.SampleRate), int64(s.outF.SampleRate))
	n := int64(s.outF.SampleRate) / g
	if n > maxCachedPhases {
		return
	}
	s.phaseDiv = g
	taps := len(s.weights)
	s.cache = make([]float32, int(n)*taps)
	for i := int64(0); i < n; i++ {
		s.computeWeights(i*g, s.cache[int(i)*taps:int(i+1)*taps])
	}
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// computeWeights fills w with the normalised filter weights for an output
// frame frac/outRate input frames after an input frame.
func (s *stream) computeWeights(frac int64, w []float32) {
	f := float64(frac) / float64(s.outF.SampleRate)
	var sum float64
	for k := range w {
		t := math.Abs(float64(k-s.half+1)-f) * s.scale
		v := float32(0)
		if t < zeroCrossings {
			x := t * phases
			j := int(x)
			a := float32(x - float64(j))
			v = s.table[j] + a*(s.table[j+1]-s.table[j])
		}
		w[k] = v
		sum += float64(v)
	}
	// Normalise the gain at DC, which the truncated kernel misses slightly.
	norm := float32(1 / sum)
	for k := range w {
		w[k] *= norm
	}
}

// kernelTable samples sinc(u)·kaiser(u/zeroCrossings) for u from 0 to
// zeroCrossings at phases points per unit, with one extra zero entry so
// interpolation never reads past the end.
func kernelTable() []float32 {
	n := zeroCrossings*phases + 2
	t := make([]float32, n)
	i0beta := besselI0(kaiserBeta)
	for j := 0; j < n-1; j++ {
		u := float64(j) / phases
		if u > zeroCrossings {
			break
		}
		r := u / zeroCrossings
		w := besselI0(kaiserBeta*math.Sqrt(1-r*r)) / i0beta
		t[j] = float32(sinc(u) * w)
	}
	return t
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the zeroth-order modified Bessel function of the first kind,
// summed as a power series.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / 2) / float64(k)
		sum += term * term
		if term*term < sum*1e-17 {
			break
		}
	}
	return sum
}

// stream resamples in. Output frame n sits at input time n·inRate/outRate,
// tracked exactly as pos + frac/outRate.
type stream struct {
	in         audio.Stream
	inF, outF  audio.Format
	scale      float64
	table      []float32
	half       int
	weights    []float32
	step       int64
	stepFrac   int64
	pos        int64
	frac       int64
	buf        []float32
	bufStart   int64
	inEOF      bool
	inFrames   int64
	outPos     int64
	err        error
	readBuffer []float32
	mixed      []float32
	// cache holds the weights of every phase, phaseDiv apart in frac, or
	// is nil when there are too many phases to cache.
	cache    []float32
	phaseDiv int64
}

// reset empties the history so that the next output frame is at input
// frame pos plus frac/outRate, and records that input reading resumes at
// the frame the filter needs first.
func (s *stream) reset(pos, frac int64) {
	s.pos, s.frac = pos, frac
	s.bufStart = pos - int64(s.half) + 1
	s.buf = s.buf[:0]
	s.inEOF = false
	s.inFrames = -1
	if s.bufStart < 0 {
		// Silence before the first input frame.
		s.buf = append(s.buf, make([]float32, int(-s.bufStart)*s.inF.Channels)...)
	}
}

// Format returns the output rate and channel count.
func (s *stream) Format() audio.Format { return s.outF }

// Frames returns the output length: the number of output frames whose
// time falls before the end of the input, or -1 when the input length is
// unknown.
func (s *stream) Frames() int64 {
	n := s.in.Frames()
	if n < 0 {
		return -1
	}
	return s.outFramesFor(n)
}

// outFramesFor returns ceil(n·outRate/inRate).
func (s *stream) outFramesFor(n int64) int64 {
	in, out := int64(s.inF.SampleRate), int64(s.outF.SampleRate)
	return (n*out + in - 1) / in
}

// Read fills p with whole output frames.
func (s *stream) Read(p []float32) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	och := s.outF.Channels
	want := len(p) / och
	n := 0
	for n < want {
		if err := s.fill(); err != nil {
			s.err = err
			if n > 0 {
				return n * och, nil
			}
			return 0, err
		}
		if s.inEOF && s.pos >= s.inFrames {
			break
		}
		s.frame(p[n*och : (n+1)*och])
		n++
		s.advance()
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n * och, nil
}

// fill reads input until the buffer holds the frames the next output frame
// needs, or the input ended.
func (s *stream) fill() error {
	ich := s.inF.Channels
	need := s.pos + int64(s.half) + 1 - s.bufStart
	// Drop history that no later output frame needs.
	if drop := s.pos - int64(s.half) + 1 - s.bufStart; drop > chunkFrames {
		s.buf = append(s.buf[:0], s.buf[drop*int64(ich):]...)
		s.bufStart += drop
		need -= drop
	}
	for int64(len(s.buf)/ich) < need && !s.inEOF {
		if s.readBuffer == nil {
			s.readBuffer = make([]float32, chunkFrames*ich)
		}
		m, err := s.in.Read(s.readBuffer)
		s.buf = append(s.buf, s.readBuffer[:m-m%ich]...)
		if errors.Is(err, io.EOF) {
			s.inEOF = true
			s.inFrames = s.bufStart + int64(len(s.buf)/ich)
			break
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// frame computes one output frame at the current position into out.
func (s *stream) frame(out []float32) {
	ich := s.inF.Channels
	weights := s.weights
	if s.cache != nil {
		taps := len(s.weights)
		i := int(s.frac / s.phaseDiv)
		weights = s.cache[i*taps : (i+1)*taps]
	} else {
		s.computeWeights(s.frac, weights)
	}
	if cap(s.mixed) < ich {
		s.mixed = make([]float32, ich)
	}
	mixed := s.mixed[:ich]
	clear(mixed)
	first := int(s.pos - int64(s.half) + 1 - s.bufStart)
	lo, hi := max(0, -first), min(len(weights), len(s.buf)/ich-first)
	switch ich {
	case 1:
		x := s.buf[first+lo : first+hi]
		var m float32
		for k, v := range x {
			m += weights[lo+k] * v
		}
		mixed[0] = m
	case 2:
		x := s.buf[2*(first+lo) : 2*(first+hi)]
		var l, r float32
		for k, w := range weights[lo:hi] {
			l += w * x[2*k]
			r += w * x[2*k+1]
		}
		mixed[0], mixed[1] = l, r
	default:
		for k := lo; k < hi; k++ {
			frame := s.buf[(first+k)*ich : (first+k+1)*ich]
			for c, v := range frame {
				mixed[c] += weights[k] * v
			}
		}
	}
	mapChannels(out, mixed)
}

// mapChannels writes the input frame in to the output frame out.
func mapChannels(out, in []float32) {
	switch {
	case len(in) == len(out):
		copy(out, in)
	case len(in) == 1:
		for c := range out {
			out[c] = in[0]
		}
	case len(out) == 1:
		var sum float32
		for _, v := range in {
			sum += v
		}
		out[0] = sum / float32(len(in))
	default:
		for c := range out {
			out[c] = 0
			if c < len(in) {
				out[c] = in[c]
			}
		}
	}
}

// advance moves to the next output frame's input time.
func (s *stream) advance() {
	s.outPos++
	s.pos += s.step
	s.frac += s.stepFrac
	if s.frac >= int64(s.outF.SampleRate) {
		s.frac -= int64(s.outF.SampleRate)
		s.pos++
	}
}

// SeekFrame moves to output frame frame.
func (s *stream) SeekFrame(frame int64) error {
	if frame < 0 {
		return fmt.Errorf("resample: seek to negative frame %d", frame)
	}
	in, out := int64(s.inF.SampleRate), int64(s.outF.SampleRate)
	// frame·in can overflow int64 only beyond 10^13 frames, far past any
	// real stream at maxRate.
	pos, frac := frame*in/out, frame*in%out
	start := max(pos-int64(s.half)+1, 0)
	if err := s.in.SeekFrame(start); err != nil {
		return err
	}
	s.reset(pos, frac)
	s.outPos = frame
	s.err = nil
	return nil
}

// Close closes the input stream.
func (s *stream) Close() error { return s.in.Close() }
