package tags

import (
	"encoding/binary"
	"errors"
	"io"
)

// mpegHeader is a parsed MPEG audio frame header.
type mpegHeader struct {
	version         int // 1, 2, or 25 for MPEG 2.5
	sampleRate      int // Hz
	bitrate         int // kbit/s
	channels        int
	samplesPerFrame int
	mono            bool
}

// parseMPEGHeader reads a layer III frame header; other layers and free
// bit rate return an error.
func parseMPEGHeader(b []byte) (mpegHeader, error) {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return mpegHeader{}, errors.New("mpeg: no frame sync")
	}
	var h mpegHeader
	switch (b[1] >> 3) & 3 {
	case 3:
		h.version = 1
	case 2:
		h.version = 2
	case 0:
		h.version = 25
	default:
		return mpegHeader{}, errors.New("mpeg: reserved version")
	}
	if (b[1]>>1)&3 != 1 {
		return mpegHeader{}, errUnsupported // not layer III
	}
	rateIndex := int(b[2] >> 4)
	srIndex := int(b[2]>>2) & 3
	if rateIndex == 0 || rateIndex == 15 || srIndex == 3 {
		return mpegHeader{}, errUnsupported
	}
	v1Rates := [...]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}
	v2Rates := [...]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}
	sampleRates := [...]int{44100, 48000, 32000}
	if h.version == 1 {
		h.bitrate = v1Rates[rateIndex]
		h.sampleRate = sampleRates[srIndex]
		h.samplesPerFrame = 1152
	} else {
		h.bitrate = v2Rates[rateIndex]
		h.sampleRate = sampleRates[srIndex] / 2
		if h.version == 25 {
			h.sampleRate /= 2
		}
		h.samplesPerFrame = 576
	}
	h.mono = b[3]>>6 == 3
	h.channels = 2
	if h.mono {
		h.channels = 1
	}
	return h, nil
}

// xingOffset returns where the Xing or Info header starts in a layer III
// frame: after the 4-byte header and the side information.
func (h mpegHeader) xingOffset() int {
	switch {
	case h.version == 1 && !h.mono:
		return 4 + 32
	case h.version == 1 || !h.mono:
		return 4 + 17
	}
	return 4 + 9
}

// parseMP3 reads an MP3 file: the ID3v2 tag at the start and the first
// frame with its Xing or Info header, which LAME writes for CBR and VBR
// files. Files without that header, with a VBRI header, or with an ID3v1
// or APE tag at the end are left to TagLib. Length and bit rate follow
// TagLib 2.1: frames times samples per frame over the sample rate, and the
// header's byte count over that length.
func parseMP3(r io.ReaderAt, size int64, maxCover int) (nativeResult, error) {
	var res nativeResult
	audio := int64(0)
	head, err := readAt(r, 0, id3HeaderSize, size)
	if err != nil {
		return nativeResult{}, err
	}
	res.tags = map[string][]string{}
	if string(head[:3]) == "ID3" {
		h, err := parseID3Header(head)
		if err != nil {
			return nativeResult{}, err
		}
		if h.size > maxTagBytes(maxCover) {
			return nativeResult{}, errUnsupported
		}
		body, err := readAt(r, id3HeaderSize, h.size, size)
		if err != nil {
			return nativeResult{}, err
		}
		tag, err := parseID3v2(h, body, maxCover)
		if err != nil {
			return nativeResult{}, err
		}
		res.tags, res.hasPicture, res.cover, res.coverMIME = tag.tags, tag.hasPicture, tag.cover, tag.coverMIME
		audio = h.total()
	}
	frame, err := readAt(r, audio, min(size-audio, 2048), size)
	if err != nil {
		return nativeResult{}, err
	}
	h, err := parseMPEGHeader(frame)
	if err != nil {
		return nativeResult{}, err
	}
	// From here a rejected file still names its codec, for Reader.Read
	// to add to what TagLib reads.
	known := nativeResult{codec: CodecMP3}
	if err := checkTrailingTags(r, size); err != nil {
		return known, err
	}
	off := h.xingOffset()
	if len(frame) < off+16 {
		return known, errUnsupported
	}
	magic := string(frame[off : off+4])
	if magic != "Xing" && magic != "Info" {
		return known, errUnsupported // CBR without Info, or VBRI
	}
	flags := binary.BigEndian.Uint32(frame[off+4:])
	if flags&3 != 3 {
		return known, errUnsupported // no frame or byte count
	}
	frames := binary.BigEndian.Uint32(frame[off+8:])
	streamBytes := binary.BigEndian.Uint32(frame[off+12:])
	res.sampleRate = h.sampleRate
	res.channels = h.channels
	res.codec = CodecMP3
	if frames > 0 {
		lengthMS := float64(h.samplesPerFrame) * 1000 / float64(h.sampleRate) * float64(frames)
		if err := res.setLength(lengthMS, int64(streamBytes)); err != nil {
			return nativeResult{}, err
		}
	}
	return res, nil
}

// checkTrailingTags returns errUnsupported when the file ends with an
// ID3v1 or APE tag, whose fields TagLib merges into the tags.
func checkTrailingTags(r io.ReaderAt, size int64) error {
	if size < 128 {
		return nil
	}
	tail, err := readAt(r, size-128, 128, size)
	if err != nil {
		return err
	}
	if string(tail[:3]) == "TAG" || string(tail[96:104]) == "APETAGEX" {
		return errUnsupported
	}
	return nil
}
