package decode

import (
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"

	"github.com/tonearm/tonearm/internal/audio"
)

// flacCodec decodes native FLAC with github.com/mewkiz/flac.
type flacCodec struct {
	in       *input
	s        *flac.Stream
	f        audio.Format
	scale    float32
	bits     int
	nsamples int64
	// pending holds decoded frames not yet returned, interleaved.
	pending  []float32
	frameBuf []float32
	eof      bool
}

func openFLAC(in *input) (codec, error) {
	var s *flac.Stream
	var err error
	if in.seeker != nil {
		s, err = flac.NewSeek(in.seeker)
	} else {
		s, err = flac.New(in.r)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: FLAC header: %w", ErrCorrupt, err)
	}
	info := s.Info
	ch := int(info.NChannels)
	if ch < 1 || ch > maxChannels {
		return nil, fmt.Errorf("%w: FLAC with %d channels", ErrCorrupt, ch)
	}
	rate := int(info.SampleRate)
	if rate < minSampleRate || rate > maxSampleRate {
		return nil, fmt.Errorf("%w: FLAC sample rate %d Hz", ErrCorrupt, rate)
	}
	if info.BitsPerSample < 4 || info.BitsPerSample > 32 {
		return nil, fmt.Errorf("%w: FLAC with %d bits per sample", ErrCorrupt, info.BitsPerSample)
	}
	c := &flacCodec{
		in:       in,
		s:        s,
		f:        audio.Format{SampleRate: rate, Channels: ch},
		scale:    1 / float32(uint64(1)<<(info.BitsPerSample-1)),
		bits:     int(info.BitsPerSample),
		nsamples: int64(info.NSamples),
	}
	if c.nsamples == 0 {
		c.nsamples = -1
	}
	// Some valid files, such as 32-bit FLAC from flac 1.4, have a
	// STREAMINFO that mewkiz/flac v1.0.14 accepts and frames that it
	// rejects. Decoding the first frame here lets Open fall back to
	// another decoder. A file without frames ends at the first read.
	if err := c.decodeFrame(); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return c, nil
}

func (c *flacCodec) format() audio.Format { return c.f }
func (c *flacCodec) frames() int64        { return c.nsamples }

func (c *flacCodec) encoding() audio.Encoding {
	return audio.Encoding{Codec: audio.CodecFLAC, Bits: c.bits}
}

func (c *flacCodec) read(p []float32) (int, error) {
	return readPending(p, &c.pending, &c.eof, c.decodeFrame)
}

// decodeFrame parses the next FLAC frame into c.pending.
func (c *flacCodec) decodeFrame() error {
	fr, err := c.s.ParseNext()
	if err != nil {
		c.eof = true
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return io.EOF
		}
		return fmt.Errorf("%w: FLAC frame: %w", ErrCorrupt, err)
	}
	return c.interleave(fr)
}

func (c *flacCodec) interleave(fr *frame.Frame) error {
	if len(fr.Subframes) != c.f.Channels {
		c.eof = true
		return fmt.Errorf("%w: FLAC frame with %d channels in a %d-channel stream",
			ErrCorrupt, len(fr.Subframes), c.f.Channels)
	}
	bs := int(fr.BlockSize)
	for _, sf := range fr.Subframes {
		if len(sf.Samples) < bs {
			c.eof = true
			return fmt.Errorf("%w: FLAC subframe shorter than its block", ErrCorrupt)
		}
	}
	need := bs * c.f.Channels
	if cap(c.frameBuf) < need {
		c.frameBuf = make([]float32, need)
	}
	buf := c.frameBuf[:need]
	for ch, sf := range fr.Subframes {
		for i := 0; i < bs; i++ {
			buf[i*c.f.Channels+ch] = float32(sf.Samples[i]) * c.scale
		}
	}
	c.pending = buf
	return nil
}

func (c *flacCodec) seek(target int64) error {
	if c.in.seeker == nil {
		return audio.ErrNotSeekable
	}
	c.pending = c.pending[:0]
	if c.nsamples >= 0 && target >= c.nsamples {
		c.eof = true
		return nil
	}
	c.eof = false
	// mewkiz/flac v1.0.14 computes the first sample of a short last frame
	// in a fixed-block-size stream as Num*BlockSize with the short size, so
	// its Seek fails inside that frame. Seeking one maximum block earlier
	// never lands in the last frame, and the frames after it are counted
	// here.
	from := max(target-int64(c.s.Info.BlockSizeMax), 0)
	start, err := c.s.Seek(uint64(from))
	if err != nil {
		return fmt.Errorf("decode: FLAC seek to frame %d: %w", target, err)
	}
	pos := int64(start)
	for {
		if err := c.decodeFrame(); err != nil {
			return fmt.Errorf("decode: FLAC seek to frame %d: %w", target, err)
		}
		n := int64(len(c.pending) / c.f.Channels)
		if pos+n > target {
			break
		}
		pos += n
	}
	drop := (target - pos) * int64(c.f.Channels)
	if drop < 0 {
		return fmt.Errorf("%w: FLAC seek landed at frame %d for %d", ErrCorrupt, pos, target)
	}
	c.pending = c.pending[drop:]
	return nil
}

func (c *flacCodec) close() error {
	return c.in.close()
}

// readPending copies decoded samples from *pending into p, calling decode
// to refill *pending until p is full or *eof is set. When decode fails
// after some samples were copied, those samples are returned and the error
// is left to the decoder, which sets *eof on failure.
func readPending(p []float32, pending *[]float32, eof *bool, decode func() error) (int, error) {
	n := 0
	for n < len(p) {
		if len(*pending) == 0 {
			if *eof {
				break
			}
			if err := decode(); err != nil {
				if n > 0 {
					return n, nil
				}
				return 0, err
			}
			continue
		}
		m := copy(p[n:], *pending)
		*pending = (*pending)[m:]
		n += m
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}
