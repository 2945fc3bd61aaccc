package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/hajimehoshi/go-mp3"

	"github.com/tonearm/tonearm/internal/audio"
)

// maxMP3Probe bounds how far past an ID3v2 tag the first frame header is
// looked for, and maxID3Skip how large a tag is skipped on a source that
// cannot seek.
const (
	maxMP3Probe = 8 << 10
	maxID3Skip  = 64 << 20
)

// mp3Codec decodes MPEG-1 and MPEG-2 Layer III with go-mp3, whose output is
// always 16-bit stereo.
type mp3Codec struct {
	in  *input
	d   *mp3.Decoder
	raw []byte
	// total is go-mp3's length in frames, or -1 when the source cannot seek.
	total int64
	// atEnd is set by a seek to the end, which go-mp3 cannot do itself.
	atEnd bool
	// samplesPerFrame is the length of one MP3 frame: 1152 or 576.
	samplesPerFrame int64
	// drop is how many decoded frames to discard after a seek.
	drop int64
	// channels is the file's channel count, from its first frame header.
	channels int
}

// mp3SeekPreroll is how many MP3 frames before the target a seek starts
// decoding. A frame's main data may start up to 511 bytes back in the bit
// reservoir, which is five frames at 32 kb/s, and the overlap-add and
// synthesis filterbank state need two more frames to match a linear decode.
const mp3SeekPreroll = 8

// mp3Trim is the gapless trim of an MP3 stream in go-mp3's output frames.
type mp3Trim struct {
	skip, length int64
}

// openMP3 opens the decoder and works out the gapless trim from the Xing
// and LAME headers.
func openMP3(in *input) (codec, mp3Trim, error) {
	trim := mp3Trim{length: -1}
	head, r, err := mp3Head(in)
	if err != nil {
		return nil, trim, err
	}
	var src io.Reader = r
	if in.seeker != nil {
		if err := in.rewind(); err != nil {
			return nil, trim, err
		}
		src = in.seeker
	}
	d, err := mp3.NewDecoder(src)
	if err != nil {
		return nil, trim, fmt.Errorf("%w: MP3: %w", ErrCorrupt, err)
	}

	c := &mp3Codec{in: in, d: d, total: -1, samplesPerFrame: 1152, channels: 2}
	if head[1]>>3&3 != 3 {
		c.samplesPerFrame = 576
	}
	if head[3]>>6 == 3 {
		// The channel mode of the first frame header is single channel.
		c.channels = 1
	}
	if l := d.Length(); l >= 0 {
		c.total = l / 4
	}

	if x, ok := parseXing(head); ok {
		// go-mp3 decodes the Xing frame itself as a frame of silence.
		trim.skip = int64(x.samplesPerFrame)
		if x.hasLAME {
			trim.skip += int64(x.delay + mp3DecoderDelay)
			if x.frames >= 0 {
				trim.length = x.frames*int64(x.samplesPerFrame) - int64(x.delay+x.padding)
			}
		}
	}
	if trim.length < 0 && c.total >= 0 {
		trim.length = c.total - trim.skip
	}
	if c.total >= 0 && trim.length > c.total-trim.skip {
		// A truncated file ends before the length in its header.
		trim.length = max(c.total-trim.skip, 0)
	}
	return c, trim, nil
}

// mp3Head returns the bytes from the first frame header on, up to
// maxMP3Probe of them, and a reader that reads the file from its first
// byte for a source that cannot seek.
func mp3Head(in *input) ([]byte, io.Reader, error) {
	var tag [10]byte
	n, err := io.ReadFull(in.r, tag[:])
	if err != nil && n == 0 {
		return nil, nil, fmt.Errorf("%w: MP3: %w", ErrCorrupt, err)
	}
	consumed := []byte(nil)
	size := id3v2Size(tag[:n])
	switch {
	case size == 0:
		consumed = append(consumed, tag[:n]...)
	case in.seeker != nil:
		if _, err := in.seeker.Seek(size, io.SeekStart); err != nil {
			return nil, nil, err
		}
	case size > maxID3Skip:
		return nil, nil, fmt.Errorf("%w: ID3v2 tag of %d bytes", ErrCorrupt, size)
	default:
		if _, err := io.CopyN(io.Discard, in.r, size-10); err != nil {
			return nil, nil, fmt.Errorf("%w: ID3v2 tag: %w", ErrCorrupt, err)
		}
	}

	probe := make([]byte, maxMP3Probe)
	m, err := io.ReadFull(in.r, probe)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, nil, err
	}
	buf := append(consumed, probe[:m]...)
	rest := io.MultiReader(bytes.NewReader(buf), in.r)

	for i := 0; i+4 <= len(buf); i++ {
		if buf[i] == 0xFF && sniffMPEGAudio(buf[i:]) == kindMP3 {
			return buf[i:], rest, nil
		}
	}
	return nil, rest, fmt.Errorf("%w: no MPEG Layer III frame header", ErrCorrupt)
}

func (c *mp3Codec) format() audio.Format {
	return audio.Format{SampleRate: c.d.SampleRate(), Channels: 2}
}

func (c *mp3Codec) frames() int64 { return c.total }

// encoding reports the file's channel count, because go-mp3 always
// delivers stereo.
func (c *mp3Codec) encoding() audio.Encoding {
	return audio.Encoding{Codec: audio.CodecMP3, Channels: c.channels}
}

func (c *mp3Codec) read(p []float32) (int, error) {
	if c.atEnd {
		return 0, io.EOF
	}
	for c.drop > 0 {
		chunk := p[:min(int64(len(p)), 2*c.drop)]
		n, err := c.decode(chunk)
		c.drop -= int64(n / 2)
		if err != nil || n == 0 {
			return 0, err
		}
	}
	return c.decode(p)
}

// decode reads whole stereo frames from go-mp3 into p.
func (c *mp3Codec) decode(p []float32) (int, error) {
	p = p[:len(p)-len(p)%2]
	if cap(c.raw) < 2*len(p) {
		c.raw = make([]byte, 2*len(p))
	}
	raw := c.raw[:2*len(p)]
	n, err := io.ReadFull(c.d, raw)
	n -= n % 4
	for i := 0; i < n/2; i++ {
		p[i] = float32(int16(binary.LittleEndian.Uint16(raw[2*i:]))) / (1 << 15)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		if n == 0 {
			return 0, io.EOF
		}
		return n / 2, nil
	}
	if err != nil {
		return n / 2, fmt.Errorf("%w: MP3 frame: %w", ErrCorrupt, err)
	}
	return n / 2, nil
}

// seek moves go-mp3 to frame. go-mp3 restarts decoding one MP3 frame early
// so that the bit reservoir is filled, so the samples after a seek match
// those of a linear decode except for rare streams whose reservoir reaches
// further back.
func (c *mp3Codec) seek(frame int64) error {
	if c.in.seeker == nil || c.total < 0 {
		return audio.ErrNotSeekable
	}
	c.drop = 0
	c.atEnd = frame >= c.total
	if c.atEnd {
		return nil
	}
	from := max(frame-mp3SeekPreroll*c.samplesPerFrame, 0)
	if _, err := c.d.Seek(from*4, io.SeekStart); err != nil {
		return fmt.Errorf("decode: MP3 seek to frame %d: %w", frame, err)
	}
	c.drop = frame - from
	return nil
}

func (c *mp3Codec) close() error { return c.in.close() }
