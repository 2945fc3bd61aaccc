package decode

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// maxOggPacket bounds an assembled Ogg packet. An Opus packet is at most
// 48 frames of 1275 bytes (RFC 6716, section 3.2.5), so 256 KiB is ample.
const maxOggPacket = 256 << 10

// oggPacket is one packet with the page fields that apply to it.
type oggPacket struct {
	data []byte
	// granule is the page's granule position when the packet is the last
	// one completed on its page, and -1 otherwise.
	granule int64
	eos     bool
	// bos is set on the first packet of a logical stream.
	bos bool
}

// oggPacketReader assembles the packets of one logical stream at a time,
// skipping pages of streams multiplexed with it. When a stream has ended
// and a new one begins, as in chained files and Ogg radio streams, it moves
// on to the new one and marks its first packet.
type oggPacketReader struct {
	br      *bufio.Reader
	serial  uint32
	started bool
	// ended is set once the current stream's last page has been read.
	ended   bool
	pending []byte
	queue   []oggPacket
	header  [oggHeaderMin + 255]byte
	body    []byte
}

func newOggPacketReader(r io.Reader) *oggPacketReader {
	return &oggPacketReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// reset drops buffered data after the underlying reader moved to the start
// of a page that begins a packet.
func (o *oggPacketReader) reset(r io.Reader) {
	o.br.Reset(r)
	o.ended = false
	o.pending = o.pending[:0]
	o.queue = o.queue[:0]
}

// next returns the next packet. A stream that ends inside a packet ends with
// io.EOF, as if it had ended before it.
func (o *oggPacketReader) next() (oggPacket, error) {
	for len(o.queue) == 0 {
		if err := o.readPage(); err != nil {
			return oggPacket{}, err
		}
	}
	p := o.queue[0]
	o.queue = o.queue[1:]
	return p, nil
}

// readPage reads one page and queues the packets that end on it.
func (o *oggPacketReader) readPage() error {
	h := o.header[:oggHeaderMin]
	if _, err := io.ReadFull(o.br, h); err != nil {
		return eofOr(err)
	}
	if string(h[:4]) != "OggS" {
		return fmt.Errorf("%w: lost Ogg page sync", ErrCorrupt)
	}
	n := int(h[26])
	h = o.header[:oggHeaderMin+n]
	if _, err := io.ReadFull(o.br, h[oggHeaderMin:]); err != nil {
		return eofOr(err)
	}

	page, err := parseOggPageHeader(h)
	if err != nil {
		return err
	}
	if cap(o.body) < page.bodyLen {
		o.body = make([]byte, page.bodyLen)
	}
	body := o.body[:page.bodyLen]
	if _, err := io.ReadFull(o.br, body); err != nil {
		return eofOr(err)
	}

	if !o.started || o.ended && page.bos && page.serial != o.serial {
		o.serial, o.started, o.ended = page.serial, true, false
		o.pending = o.pending[:0]
	}
	if page.serial != o.serial {
		return nil
	}
	if page.eos {
		o.ended = true
	}
	if !page.continued {
		o.pending = o.pending[:0]
	}

	first := len(o.queue)
	off := 0
	for _, seg := range h[oggHeaderMin:] {
		if len(o.pending)+int(seg) > maxOggPacket {
			return fmt.Errorf("%w: Ogg packet longer than %d bytes", ErrCorrupt, maxOggPacket)
		}
		o.pending = append(o.pending, body[off:off+int(seg)]...)
		off += int(seg)
		if seg < 255 {
			data := append([]byte(nil), o.pending...)
			bos := page.bos && len(o.queue) == first
			o.queue = append(o.queue, oggPacket{data: data, granule: -1, bos: bos})
			o.pending = o.pending[:0]
		}
	}
	if len(o.queue) > first {
		last := &o.queue[len(o.queue)-1]
		last.granule = page.granule
		last.eos = page.eos
	}
	return nil
}

func eofOr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return io.EOF
	}
	return err
}

// oggPageIndexEntry locates one page of the stream.
type oggPageIndexEntry struct {
	offset    int64
	granule   int64
	continued bool
}

// maxOggPages bounds the page index of one file.
const maxOggPages = 1 << 22

// indexOggPages reads every page header of the first logical stream in rs
// from the start, skipping page bodies, and returns where each page starts.
func indexOggPages(rs io.ReadSeeker) ([]oggPageIndexEntry, error) {
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(rs, 4<<10)
	var pages []oggPageIndexEntry
	var serial uint32
	var hdr [oggHeaderMin + 255]byte
	offset := int64(0)
	for len(pages) < maxOggPages {
		if _, err := io.ReadFull(br, hdr[:oggHeaderMin]); err != nil {
			return pages, nil
		}
		n := int(hdr[26])
		if _, err := io.ReadFull(br, hdr[oggHeaderMin:oggHeaderMin+n]); err != nil {
			return pages, nil
		}
		p, err := parseOggPageHeader(hdr[:oggHeaderMin+n])
		if err != nil {
			return pages, err
		}
		if offset == 0 {
			serial = p.serial
		}
		if p.serial == serial {
			pages = append(pages, oggPageIndexEntry{offset: offset, granule: p.granule, continued: p.continued})
		}
		offset += int64(p.headerLen + p.bodyLen)
		if _, err := br.Discard(p.bodyLen); err != nil {
			return pages, nil
		}
	}
	return pages, fmt.Errorf("%w: more than %d Ogg pages", ErrCorrupt, maxOggPages)
}
