package tags

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// maxRIFFChunks bounds the chunks read from one WAV file.
const maxRIFFChunks = 1024

// WAV format codes of the fmt chunk.
const (
	wavFormatPCM        = 1
	wavFormatFloat      = 3
	wavFormatExtensible = 0xfffe
)

// parseWAV reads a PCM WAV file: the "fmt " chunk, the size of the "data"
// chunk and an ID3v2 tag in an "id3 " or "ID3 " chunk. Files with a LIST
// INFO chunk (which TagLib merges with the ID3v2 tag), compressed audio or
// a data chunk that runs past the end of the file are left to TagLib.
// Length and bit rate follow TagLib 2.1: the sample frames in the data
// chunk over the sample rate, and the data size over that length.
func parseWAV(r io.ReaderAt, size int64, maxCover int) (nativeResult, error) {
	head, err := readAt(r, 0, 12, size)
	if err != nil {
		return nativeResult{}, err
	}
	if string(head[8:12]) != "WAVE" {
		return nativeResult{}, errUnsupported
	}
	res := nativeResult{tags: map[string][]string{}}
	var bitsPerSample int
	var dataSize int64 = -1
	sawFmt, sawTag := false, false
	pos := int64(12)
	for i := 0; pos+8 <= size; i++ {
		if i == maxRIFFChunks {
			return nativeResult{}, fmt.Errorf("wav: more than %d chunks", maxRIFFChunks)
		}
		hdr, err := readAt(r, pos, 8, size)
		if err != nil {
			return nativeResult{}, err
		}
		id := string(hdr[:4])
		n := int64(binary.LittleEndian.Uint32(hdr[4:]))
		pos += 8
		if n > size-pos {
			return nativeResult{}, errUnsupported
		}
		switch id {
		case "fmt ":
			if sawFmt || n < 16 {
				return nativeResult{}, errUnsupported
			}
			sawFmt = true
			chunk, err := readAt(r, pos, min(n, 26), size)
			if err != nil {
				return nativeResult{}, err
			}
			format := binary.LittleEndian.Uint16(chunk[0:])
			// WAVE_FORMAT_EXTENSIBLE, which sox writes for more than 16
			// bits, names the coding in the first two bytes of its
			// SubFormat GUID at offset 24.
			if format == wavFormatExtensible && len(chunk) >= 26 {
				format = binary.LittleEndian.Uint16(chunk[24:])
			}
			if format == wavFormatFloat {
				return nativeResult{codec: CodecFloat}, errUnsupported // left to TagLib
			}
			if format != wavFormatPCM {
				return nativeResult{}, errUnsupported // not integer PCM
			}
			res.channels = int(binary.LittleEndian.Uint16(chunk[2:]))
			res.sampleRate = int(binary.LittleEndian.Uint32(chunk[4:]))
			bitsPerSample = int(binary.LittleEndian.Uint16(chunk[14:]))
		case "data":
			if dataSize >= 0 {
				return nativeResult{}, errUnsupported
			}
			dataSize = n
		case "id3 ", "ID3 ":
			if sawTag {
				return nativeResult{}, errUnsupported
			}
			sawTag = true
			if n > maxTagBytes(maxCover)+id3HeaderSize {
				return nativeResult{}, errUnsupported
			}
			chunk, err := readAt(r, pos, n, size)
			if err != nil {
				return nativeResult{}, err
			}
			h, err := parseID3Header(chunk)
			if err != nil {
				return nativeResult{}, err
			}
			if h.size > int64(len(chunk))-id3HeaderSize {
				return nativeResult{}, errors.New("wav: ID3v2 tag runs past its chunk")
			}
			tag, err := parseID3v2(h, chunk[id3HeaderSize:id3HeaderSize+h.size], maxCover)
			if err != nil {
				return nativeResult{}, err
			}
			res.tags, res.hasPicture, res.cover, res.coverMIME = tag.tags, tag.hasPicture, tag.cover, tag.coverMIME
		case "LIST":
			return nativeResult{}, errUnsupported
		}
		pos += n + n&1 // chunks are padded to an even size
	}
	if !sawFmt || dataSize < 0 || res.channels == 0 || bitsPerSample == 0 || bitsPerSample%8 != 0 {
		return nativeResult{}, errUnsupported
	}
	res.codec, res.bits = CodecPCM, bitsPerSample
	frames := dataSize / int64(res.channels*bitsPerSample/8)
	if frames > 0 && res.sampleRate > 0 {
		lengthMS := float64(frames) * 1000 / float64(res.sampleRate)
		if err := res.setLength(lengthMS, dataSize); err != nil {
			return nativeResult{}, err
		}
	}
	return res, nil
}
