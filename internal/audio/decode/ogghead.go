package decode

import (
	"encoding/binary"
	"fmt"
)

// opusHead is the Opus identification header of RFC 7845, section 5.1.
type opusHead struct {
	channels int
	// preSkip is the number of 48 kHz samples to drop at the start.
	preSkip int
	// outputGain is the gain to apply, in Q7.8 dB.
	outputGain     int16
	mappingFamily  int
	streams        int
	coupledStreams int
	mapping        []byte
}

// parseOpusHead parses an OpusHead packet.
func parseOpusHead(b []byte) (opusHead, error) {
	var h opusHead
	if len(b) < 19 || string(b[:8]) != "OpusHead" {
		return h, fmt.Errorf("%w: no OpusHead packet", ErrCorrupt)
	}
	if b[8]>>4 != 0 {
		// Only the major version 0 is defined; higher ones are incompatible.
		return h, fmt.Errorf("%w: OpusHead version %d", errUnsupportedCodec, b[8])
	}
	h.channels = int(b[9])
	h.preSkip = int(binary.LittleEndian.Uint16(b[10:12]))
	h.outputGain = int16(binary.LittleEndian.Uint16(b[16:18]))
	h.mappingFamily = int(b[18])
	if h.channels < 1 || h.channels > maxChannels {
		return h, fmt.Errorf("%w: Opus with %d channels", ErrCorrupt, h.channels)
	}
	switch h.mappingFamily {
	case 0:
		if h.channels > 2 {
			return h, fmt.Errorf("%w: Opus mapping family 0 with %d channels", ErrCorrupt, h.channels)
		}
		h.streams = 1
		h.coupledStreams = h.channels - 1
	default:
		if len(b) < 21+h.channels {
			return h, fmt.Errorf("%w: OpusHead channel mapping table cut short", ErrCorrupt)
		}
		h.streams = int(b[19])
		h.coupledStreams = int(b[20])
		h.mapping = append([]byte(nil), b[21:21+h.channels]...)
		if h.streams == 0 || h.coupledStreams > h.streams || h.streams+h.coupledStreams > 255 {
			return h, fmt.Errorf("%w: OpusHead with %d streams, %d coupled",
				ErrCorrupt, h.streams, h.coupledStreams)
		}
		for _, m := range h.mapping {
			if m != 255 && int(m) >= h.streams+h.coupledStreams {
				return h, fmt.Errorf("%w: OpusHead maps a channel to stream %d", ErrCorrupt, m)
			}
		}
	}
	return h, nil
}

// oggPage is the part of an Ogg page header that seeking needs.
type oggPage struct {
	// granule is the granule position after the last packet that ends on
	// the page, or -1 when no packet ends on it.
	granule   int64
	continued bool
	bos, eos  bool
	serial    uint32
	// headerLen and bodyLen are the sizes of the header with its segment
	// table and of the page body, in bytes.
	headerLen, bodyLen int
}

// oggHeaderMin is the size of an Ogg page header without its segment table.
const oggHeaderMin = 27

// parseOggPageHeader parses the Ogg page header at the start of b, which
// must hold the segment table too. It does not check the CRC.
func parseOggPageHeader(b []byte) (oggPage, error) {
	var p oggPage
	if len(b) < oggHeaderMin || string(b[:4]) != "OggS" {
		return p, fmt.Errorf("%w: no Ogg page signature", ErrCorrupt)
	}
	if b[4] != 0 {
		return p, fmt.Errorf("%w: Ogg stream structure version %d", ErrCorrupt, b[4])
	}
	p.continued = b[5]&1 != 0
	p.bos = b[5]&2 != 0
	p.eos = b[5]&4 != 0
	p.granule = int64(binary.LittleEndian.Uint64(b[6:14]))
	p.serial = binary.LittleEndian.Uint32(b[14:18])
	segments := int(b[26])
	p.headerLen = oggHeaderMin + segments
	if len(b) < p.headerLen {
		return p, fmt.Errorf("%w: Ogg segment table cut short", ErrCorrupt)
	}
	for _, s := range b[oggHeaderMin:p.headerLen] {
		p.bodyLen += int(s)
	}
	return p, nil
}
