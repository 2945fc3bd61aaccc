package decode

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/tonearm/tonearm/internal/audio"
)

// wavCodec decodes integer and float PCM from a RIFF WAVE file.
type wavCodec struct {
	in  *input
	h   wavHeader
	br  *bufio.Reader
	raw []byte
	// left is the number of data bytes still to read, or -1 when the data
	// runs to the end of the file.
	left int64
}

func openWAV(in *input) (codec, error) {
	br := bufio.NewReaderSize(in.r, 64<<10)
	h, err := parseWAVHeader(br)
	if err != nil {
		return nil, err
	}
	c := &wavCodec{in: in, h: h, br: br, left: h.dataSize}
	if h.dataSize < 0 && in.size > h.dataOffset {
		c.h.dataSize = in.size - h.dataOffset
		c.left = c.h.dataSize
	}
	return c, nil
}

func (c *wavCodec) format() audio.Format {
	return audio.Format{SampleRate: c.h.sampleRate, Channels: c.h.channels}
}

func (c *wavCodec) encoding() audio.Encoding {
	if c.h.float {
		return audio.Encoding{Codec: audio.CodecFloat, Bits: c.h.bits}
	}
	return audio.Encoding{Codec: audio.CodecPCM, Bits: c.h.bits}
}

func (c *wavCodec) frames() int64 {
	if c.h.dataSize < 0 {
		return -1
	}
	return c.h.dataSize / int64(c.h.blockAlign)
}

func (c *wavCodec) read(p []float32) (int, error) {
	frames := len(p) / c.h.channels
	nbytes := int64(frames * c.h.blockAlign)
	if c.left >= 0 && nbytes > c.left {
		nbytes = c.left - c.left%int64(c.h.blockAlign)
	}
	if nbytes == 0 {
		return 0, io.EOF
	}
	if int64(cap(c.raw)) < nbytes {
		c.raw = make([]byte, nbytes)
	}
	raw := c.raw[:nbytes]
	n, err := io.ReadFull(c.br, raw)
	n -= n % c.h.blockAlign
	if c.left >= 0 {
		c.left -= int64(n)
	}
	samples := c.convert(raw[:n], p)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		// A truncated file ends the stream early.
		c.left = 0
		err = nil
	}
	if err != nil {
		return samples, fmt.Errorf("decode: reading WAV data: %w", err)
	}
	return samples, nil
}

// convert turns raw little-endian samples into float32 in [-1, 1] and
// returns how many samples it wrote.
func (c *wavCodec) convert(raw []byte, p []float32) int {
	bytesPer := c.h.bits / 8
	n := len(raw) / bytesPer
	for i := 0; i < n; i++ {
		b := raw[i*bytesPer:]
		switch {
		case c.h.float && c.h.bits == 32:
			p[i] = math.Float32frombits(binary.LittleEndian.Uint32(b))
		case c.h.float:
			p[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b)))
		case c.h.bits == 8:
			p[i] = (float32(b[0]) - 128) / 128
		case c.h.bits == 16:
			p[i] = float32(int16(binary.LittleEndian.Uint16(b))) / (1 << 15)
		case c.h.bits == 24:
			v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
			p[i] = float32(v) / (1 << 23)
		default:
			p[i] = float32(int32(binary.LittleEndian.Uint32(b))) / (1 << 31)
		}
	}
	return n
}

func (c *wavCodec) seek(frame int64) error {
	if c.in.seeker == nil {
		return audio.ErrNotSeekable
	}
	off := frame * int64(c.h.blockAlign)
	if c.h.dataSize >= 0 && off > c.h.dataSize {
		return fmt.Errorf("decode: WAV seek to frame %d beyond the end", frame)
	}
	if _, err := c.in.seeker.Seek(c.h.dataOffset+off, io.SeekStart); err != nil {
		return fmt.Errorf("decode: WAV seek to frame %d: %w", frame, err)
	}
	c.br.Reset(c.in.r)
	if c.h.dataSize >= 0 {
		c.left = c.h.dataSize - off
	}
	return nil
}

func (c *wavCodec) close() error { return c.in.close() }
