package decode

import (
	"errors"
	"fmt"
	"io"

	"github.com/jfreymuth/oggvorbis"

	"github.com/tonearm/tonearm/internal/audio"
)

// vorbisCodec decodes Ogg Vorbis with jfreymuth/oggvorbis, which already
// starts at granule 0 and ends at the last page's granule position.
//
// NOTE: oggvorbis v1.0.5 puts no bound on the size of a packet spread over
// continued pages, so a hostile file can make it allocate up to the file's
// size. Live streams go to ffmpeg instead.
type vorbisCodec struct {
	in *input
	r  *oggvorbis.Reader
	f  audio.Format
}

func openVorbis(in *input) (codec, error) {
	src := in.r
	if in.seeker != nil {
		src = in.seeker
	}
	r, err := oggvorbis.NewReader(src)
	if err != nil {
		return nil, fmt.Errorf("%w: Ogg Vorbis: %w", ErrCorrupt, err)
	}
	f := audio.Format{SampleRate: r.SampleRate(), Channels: r.Channels()}
	if f.Channels < 1 || f.Channels > maxChannels {
		return nil, fmt.Errorf("%w: Vorbis with %d channels", ErrCorrupt, f.Channels)
	}
	if f.SampleRate < minSampleRate || f.SampleRate > maxSampleRate {
		return nil, fmt.Errorf("%w: Vorbis sample rate %d Hz", ErrCorrupt, f.SampleRate)
	}
	return &vorbisCodec{in: in, r: r, f: f}, nil
}

func (c *vorbisCodec) format() audio.Format { return c.f }

func (c *vorbisCodec) encoding() audio.Encoding { return audio.Encoding{Codec: audio.CodecVorbis} }

func (c *vorbisCodec) frames() int64 {
	if c.in.seeker == nil || c.r.Length() <= 0 {
		return -1
	}
	return c.r.Length()
}

func (c *vorbisCodec) read(p []float32) (int, error) {
	p = p[:len(p)-len(p)%c.f.Channels]
	n, err := c.r.Read(p)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if n > 0 {
			return n, nil
		}
		return 0, io.EOF
	}
	if err != nil {
		return n, fmt.Errorf("%w: Vorbis packet: %w", ErrCorrupt, err)
	}
	return n, nil
}

func (c *vorbisCodec) seek(frame int64) error {
	if c.in.seeker == nil {
		return audio.ErrNotSeekable
	}
	if err := c.r.SetPosition(frame); err != nil {
		return fmt.Errorf("decode: Vorbis seek to frame %d: %w", frame, err)
	}
	return nil
}

func (c *vorbisCodec) close() error { return c.in.close() }
