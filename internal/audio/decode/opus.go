package decode

import (
	"errors"
	"fmt"
	"io"
	"math"

	opusogg "github.com/kazzmir/opus-go/ogg"
	"github.com/kazzmir/opus-go/opus"

	"github.com/tonearm/tonearm/internal/audio"
)

// Opus decoding constants from RFC 7845: output is always at 48 kHz, a
// packet holds at most 120 ms, and a decoder needs 80 ms of pre-roll after
// a seek before its output converges.
const (
	opusRate         = 48000
	opusMaxFrameSize = 5760
	opusPreroll      = 3840
)

// opusCodec decodes Ogg Opus with kazzmir/opus-go. Its timeline counts 48 kHz
// samples from the first decoded sample, as granule positions do, so the
// pre-skip is left to the caller to trim.
type opusCodec struct {
	in      *input
	h       opusHead
	pr      *oggPacketReader
	dec     *opus.Decoder
	gain    float32
	pcm     []float32
	pending []float32
	// pos is the granule position just after the last decoded sample.
	pos int64
	// drop is how many decoded frames to discard after a seek.
	drop  int64
	pages []oggPageIndexEntry
	total int64
	eof   bool
}

// openOpus opens an Ogg Opus stream and returns the codec and its pre-skip.
func openOpus(in *input) (codec, int64, error) {
	c := &opusCodec{in: in, total: -1}
	c.pr = newOggPacketReader(in.r)
	if err := c.readHeaders(); err != nil {
		return nil, 0, err
	}
	dec, err := c.newDecoder()
	if err != nil {
		return nil, 0, err
	}
	c.dec = dec
	c.pcm = make([]float32, opusMaxFrameSize*c.h.channels)
	if c.h.outputGain != 0 {
		c.gain = float32(math.Pow(10, float64(c.h.outputGain)/(256*20)))
	}
	if in.seeker != nil {
		if err := c.index(); err != nil {
			return nil, 0, err
		}
	}
	return c, int64(c.h.preSkip), nil
}

// readHeaders reads OpusHead and OpusTags, leaving c.pr at the first audio
// packet.
func (c *opusCodec) readHeaders() error {
	p, err := c.pr.next()
	if err != nil {
		return fmt.Errorf("%w: Ogg Opus: %w", ErrCorrupt, err)
	}
	if c.h, err = parseOpusHead(p.data); err != nil {
		return err
	}
	p, err = c.pr.next()
	if err != nil {
		return fmt.Errorf("%w: Ogg Opus: %w", ErrCorrupt, err)
	}
	if len(p.data) < 8 || string(p.data[:8]) != "OpusTags" {
		return fmt.Errorf("%w: no OpusTags packet after OpusHead", ErrCorrupt)
	}
	return nil
}

func (c *opusCodec) newDecoder() (*opus.Decoder, error) {
	head := opusogg.OpusHead{
		Channels:             uint8(c.h.channels),
		PreSkip:              uint16(c.h.preSkip),
		ChannelMappingFamily: uint8(c.h.mappingFamily),
		StreamCount:          uint8(c.h.streams),
		CoupledStreamCount:   uint8(c.h.coupledStreams),
		ChannelMapping:       c.h.mapping,
	}
	dec, err := opus.NewDecoderFromHead(head)
	if err != nil {
		return nil, fmt.Errorf("%w: Opus decoder: %w", ErrCorrupt, err)
	}
	return dec, nil
}

// index records the file offset of every page and the stream's length, then
// moves the reader back to where it was.
func (c *opusCodec) index() error {
	resume, err := c.in.seeker.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	c.pages, err = indexOggPages(c.in.seeker)
	if err != nil {
		return err
	}
	for i := len(c.pages) - 1; i >= 0; i-- {
		if c.pages[i].granule >= 0 {
			c.total = c.pages[i].granule
			break
		}
	}
	_, err = c.in.seeker.Seek(resume, io.SeekStart)
	return err
}

func (c *opusCodec) encoding() audio.Encoding { return audio.Encoding{Codec: audio.CodecOpus} }

func (c *opusCodec) format() audio.Format {
	return audio.Format{SampleRate: opusRate, Channels: c.h.channels}
}

func (c *opusCodec) frames() int64 { return c.total }

func (c *opusCodec) read(p []float32) (int, error) {
	return readPending(p, &c.pending, &c.eof, c.decodePacket)
}

// decodePacket decodes the next packet into c.pending, cutting the last
// packet at the granule position of the final page.
func (c *opusCodec) decodePacket() error {
	pkt, err := c.pr.next()
	if err != nil {
		c.eof = true
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		return err
	}
	if pkt.bos {
		return c.startChain(pkt)
	}
	n, err := c.dec.DecodeF32(pkt.data, c.pcm, opusMaxFrameSize, false)
	if err != nil {
		c.eof = true
		return fmt.Errorf("%w: Opus packet: %w", ErrCorrupt, err)
	}

	start := c.pos
	c.pos += int64(n)
	if pkt.eos && pkt.granule >= start && pkt.granule < c.pos {
		n = int(pkt.granule - start)
		c.pos = pkt.granule
	}
	if pkt.eos && c.in.seeker != nil {
		// The length and seek index of a file cover its first stream only,
		// so a file ends there. A stream that cannot seek, such as Ogg
		// radio, goes on to the next chained stream.
		c.eof = true
	}

	out := c.pcm[:n*c.h.channels]
	if c.gain != 0 {
		for i := range out {
			out[i] *= c.gain
		}
	}
	if c.drop > 0 {
		d := min(c.drop, int64(n))
		out = out[d*int64(c.h.channels):]
		c.drop -= d
	}
	c.pending = out
	return nil
}

// startChain switches to the chained Opus stream whose OpusHead is pkt: a
// new decoder, the granule count from zero, and its own pre-skip dropped.
func (c *opusCodec) startChain(pkt oggPacket) error {
	h, err := parseOpusHead(pkt.data)
	if err != nil {
		return err
	}
	if h.channels != c.h.channels {
		c.eof = true
		return fmt.Errorf("%w: chained Opus stream changes from %d to %d channels",
			ErrCorrupt, c.h.channels, h.channels)
	}
	tags, err := c.pr.next()
	if err != nil || len(tags.data) < 8 || string(tags.data[:8]) != "OpusTags" {
		c.eof = true
		return fmt.Errorf("%w: no OpusTags packet after a chained OpusHead", ErrCorrupt)
	}
	c.h = h
	dec, err := c.newDecoder()
	if err != nil {
		return err
	}
	c.dec.Close()
	c.dec = dec
	c.gain = 0
	if h.outputGain != 0 {
		c.gain = float32(math.Pow(10, float64(h.outputGain)/(256*20)))
	}
	c.pos = 0
	c.drop += int64(h.preSkip)
	return nil
}

// seek restarts decoding at a page at least opusPreroll samples before
// frame, with a fresh decoder, and discards the samples up to frame.
func (c *opusCodec) seek(frame int64) error {
	if c.in.seeker == nil {
		return audio.ErrNotSeekable
	}
	offset, granule := c.restartPoint(frame - opusPreroll)
	if _, err := c.in.seeker.Seek(offset, io.SeekStart); err != nil {
		return fmt.Errorf("decode: Opus seek to frame %d: %w", frame, err)
	}
	c.pr.reset(c.in.seeker)
	if offset == 0 {
		if err := c.readHeaders(); err != nil {
			return err
		}
	}
	dec, err := c.newDecoder()
	if err != nil {
		return err
	}
	c.dec.Close()
	c.dec = dec
	c.pos = granule
	c.drop = max(frame-granule, 0)
	c.pending = nil
	c.eof = false
	return nil
}

// restartPoint returns the offset of the last page whose packets all start
// at or before granule want, with the granule position they start at. It
// returns the start of the file when no such page is known.
func (c *opusCodec) restartPoint(want int64) (offset, granule int64) {
	for i := len(c.pages) - 2; i >= 0; i-- {
		p := c.pages[i]
		if p.granule > 0 && p.granule <= want && !c.pages[i+1].continued {
			return c.pages[i+1].offset, p.granule
		}
	}
	return 0, 0
}

func (c *opusCodec) close() error {
	c.dec.Close()
	return c.in.close()
}
