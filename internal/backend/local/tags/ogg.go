package tags

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

const (
	// oggHeaderSize is the fixed part of an Ogg page header (RFC 3533).
	oggHeaderSize = 27
	// oggMaxPage is the largest Ogg page: the header, 255 lacing values
	// and 255 segments of 255 bytes.
	oggMaxPage = oggHeaderSize + 255 + 255*255
	// maxOggHeaderPages bounds the pages read to collect the header
	// packets.
	maxOggHeaderPages = 4096
	// opusSampleRate is the rate of Opus granule positions and the rate
	// TagLib reports for every Opus file.
	opusSampleRate = 48000
)

// oggPage is one parsed Ogg page with its body.
type oggPage struct {
	granule int64
	serial  uint32
	lacing  []byte
	body    []byte
}

// readOggPage reads the page at the reader's position.
func readOggPage(br *bufio.Reader) (oggPage, error) {
	var hdr [oggHeaderSize]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return oggPage{}, err
	}
	if string(hdr[:4]) != "OggS" || hdr[4] != 0 {
		return oggPage{}, errors.New("ogg: invalid page header")
	}
	p := oggPage{
		granule: int64(binary.LittleEndian.Uint64(hdr[6:14])),
		serial:  binary.LittleEndian.Uint32(hdr[14:18]),
		lacing:  make([]byte, hdr[26]),
	}
	if _, err := io.ReadFull(br, p.lacing); err != nil {
		return oggPage{}, err
	}
	n := 0
	for _, l := range p.lacing {
		n += int(l)
	}
	p.body = make([]byte, n)
	if _, err := io.ReadFull(br, p.body); err != nil {
		return oggPage{}, err
	}
	return p, nil
}

// oggHeaders is the start of an Ogg stream: the first page's granule
// position and the first header packets.
type oggHeaders struct {
	firstGranule int64
	serial       uint32
	packets      [][]byte
}

// readOggHeaders collects the first want(first packet) packets of the
// stream that starts the file, reading at most budget packet bytes.
func readOggHeaders(r io.ReaderAt, size int64, budget int, want func([]byte) int) (oggHeaders, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 32<<10)
	var h oggHeaders
	var cur []byte
	need := 1
	total := 0
	for page := 0; ; page++ {
		if page == maxOggHeaderPages {
			return oggHeaders{}, fmt.Errorf("ogg: header packets span more than %d pages", maxOggHeaderPages)
		}
		p, err := readOggPage(br)
		if err != nil {
			return oggHeaders{}, err
		}
		if page == 0 {
			h.firstGranule, h.serial = p.granule, p.serial
		} else if p.serial != h.serial {
			return oggHeaders{}, errUnsupported // multiplexed streams
		}
		body := p.body
		for _, l := range p.lacing {
			total += int(l)
			if total > budget {
				return oggHeaders{}, errUnsupported
			}
			cur = append(cur, body[:l]...)
			body = body[l:]
			if l == 255 {
				continue
			}
			h.packets = append(h.packets, cur)
			cur = nil
			if len(h.packets) == 1 {
				need = want(h.packets[0])
				if need == 0 {
					return oggHeaders{}, errUnsupported
				}
			}
			if len(h.packets) == need {
				return h, nil
			}
		}
	}
}

// lastOggGranule returns the granule position of the last page, found as
// TagLib 2.1 finds it: the last "OggS" in the file. Only the final
// oggMaxPage bytes are searched, because a valid last page starts there.
func lastOggGranule(r io.ReaderAt, size int64) (int64, error) {
	start := max(size-oggMaxPage, 0)
	tail, err := readAt(r, start, size-start, size)
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndex(tail, []byte("OggS"))
	if i < 0 || len(tail)-i < oggHeaderSize || tail[i+4] != 0 {
		return 0, errUnsupported
	}
	return int64(binary.LittleEndian.Uint64(tail[i+6 : i+14])), nil
}

// headerPacketCount returns how many header packets a codec has (Vorbis
// identification, comment and setup; Opus head and tags), or 0 for a
// codec left to TagLib.
func headerPacketCount(first []byte) int {
	switch {
	case bytes.HasPrefix(first, []byte("\x01vorbis")):
		return 3
	case bytes.HasPrefix(first, []byte("OpusHead")):
		return 2
	}
	return 0
}

// parseOgg reads an Ogg Vorbis or Opus file: the identification header,
// the comment header and the last granule position. Length and bit rate
// follow TagLib 2.1: the granule span over the sample rate, and the file
// size without the header packets over that length.
func parseOgg(r io.ReaderAt, size int64, maxCover int) (nativeResult, error) {
	budget := base64.StdEncoding.EncodedLen(maxCover+pictureOverhead) + pictureOverhead
	h, err := readOggHeaders(r, size, budget, headerPacketCount)
	if err != nil {
		return nativeResult{}, err
	}
	last, err := lastOggGranule(r, size)
	if err != nil {
		return nativeResult{}, err
	}
	var res nativeResult
	var preSkip int64
	var comment []byte
	var nominal uint32
	id := &byteReader{buf: h.packets[0]}
	if bytes.HasPrefix(h.packets[0], []byte("OpusHead")) {
		id.bytes(9) // magic and version
		ch := id.bytes(1)
		skip := id.bytes(2)
		if id.err != nil {
			return nativeResult{}, id.err
		}
		res.channels = int(ch[0])
		preSkip = int64(binary.LittleEndian.Uint16(skip))
		res.sampleRate = opusSampleRate
		res.codec = CodecOpus
		if !bytes.HasPrefix(h.packets[1], []byte("OpusTags")) {
			return nativeResult{}, errors.New("opus: second packet is not OpusTags")
		}
		comment = h.packets[1][8:]
	} else {
		id.bytes(7 + 4) // packet type, "vorbis" and version
		ch := id.bytes(1)
		rate := id.uint32LE()
		id.uint32LE() // maximum bit rate
		nominal = id.uint32LE()
		if id.err != nil {
			return nativeResult{}, id.err
		}
		res.channels = int(ch[0])
		res.sampleRate = int(rate)
		res.codec = CodecVorbis
		if !bytes.HasPrefix(h.packets[1], []byte("\x03vorbis")) {
			return nativeResult{}, errors.New("vorbis: second packet is not the comment header")
		}
		comment = h.packets[1][7:]
	}
	vc, err := parseVorbisComment(comment, maxCover)
	if err != nil {
		return nativeResult{}, err
	}
	res.tags, res.hasPicture, res.cover, res.coverMIME = vc.tags, vc.hasPicture, vc.cover, vc.coverMIME

	var frames int64
	if h.firstGranule >= 0 && last >= 0 {
		frames = last - h.firstGranule - preSkip
	}
	if res.sampleRate > 0 && frames > 0 {
		lengthMS := float64(frames) * 1000 / float64(res.sampleRate)
		overhead := int64(0)
		for _, p := range h.packets {
			overhead += int64(len(p))
		}
		if err := res.setLength(lengthMS, size-overhead); err != nil {
			return nativeResult{}, err
		}
	}
	if res.bitrate == 0 && nominal > 0 && nominal < math.MaxInt32 {
		res.bitrate = int(float64(nominal)/1000 + 0.5)
	}
	return res, nil
}
