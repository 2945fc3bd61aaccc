package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WAV format tags from the RIFF WAVE specification (mmreg.h).
const (
	wavFormatPCM        = 0x0001
	wavFormatFloat      = 0x0003
	wavFormatExtensible = 0xFFFE
)

// Bounds on a WAV header: a file with more chunks before its data, or a
// bigger fmt chunk, is rejected as hostile.
const (
	maxWAVChunks   = 256
	maxWAVFmtBytes = 1024
	maxWAVSkip     = 16 << 20
)

// wavHeader is the part of a RIFF WAVE header that decoding needs.
type wavHeader struct {
	float      bool
	channels   int
	sampleRate int
	bits       int
	blockAlign int
	// dataOffset is the byte offset of the first sample from the start of
	// the file.
	dataOffset int64
	// dataSize is the data chunk's size in bytes, or -1 when the size
	// field is a placeholder (0 or 0xFFFFFFFF, as streaming writers leave it).
	dataSize int64
}

// parseWAVHeader reads a RIFF WAVE header from r up to the first byte of
// the data chunk.
func parseWAVHeader(r io.Reader) (wavHeader, error) {
	var h wavHeader
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return h, fmt.Errorf("%w: WAV header: %w", ErrCorrupt, err)
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return h, fmt.Errorf("%w: no RIFF WAVE signature", ErrCorrupt)
	}
	offset := int64(12)
	haveFmt := false
	for i := 0; i < maxWAVChunks; i++ {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return h, fmt.Errorf("%w: WAV chunk header at byte %d: %w", ErrCorrupt, offset, err)
		}
		offset += 8
		id := string(ch[0:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "fmt ":
			if size < 16 || size > maxWAVFmtBytes {
				return h, fmt.Errorf("%w: WAV fmt chunk of %d bytes", ErrCorrupt, size)
			}
			body := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, body); err != nil {
				return h, fmt.Errorf("%w: WAV fmt chunk: %w", ErrCorrupt, err)
			}
			offset += int64(len(body))
			if err := h.parseFmt(body[:size]); err != nil {
				return h, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return h, fmt.Errorf("%w: WAV data chunk before fmt chunk", ErrCorrupt)
			}
			h.dataOffset = offset
			h.dataSize = size
			if size == 0 || size == 0xFFFFFFFF {
				h.dataSize = -1
			}
			return h, nil
		default:
			skip := size + size%2
			if skip > maxWAVSkip {
				return h, fmt.Errorf("%w: WAV %q chunk of %d bytes before the data", ErrCorrupt, id, size)
			}
			if _, err := io.CopyN(io.Discard, r, skip); err != nil {
				return h, fmt.Errorf("%w: WAV %q chunk: %w", ErrCorrupt, id, err)
			}
			offset += skip
		}
	}
	return h, fmt.Errorf("%w: no WAV data chunk in the first %d chunks", ErrCorrupt, maxWAVChunks)
}

// parseFmt fills h from the body of a fmt chunk.
func (h *wavHeader) parseFmt(b []byte) error {
	tag := binary.LittleEndian.Uint16(b[0:2])
	h.channels = int(binary.LittleEndian.Uint16(b[2:4]))
	h.sampleRate = int(binary.LittleEndian.Uint32(b[4:8]))
	h.blockAlign = int(binary.LittleEndian.Uint16(b[12:14]))
	h.bits = int(binary.LittleEndian.Uint16(b[14:16]))
	if tag == wavFormatExtensible {
		if len(b) < 40 {
			return fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes", ErrCorrupt, len(b))
		}
		// The sub-format GUID starts with the format tag it stands for.
		tag = binary.LittleEndian.Uint16(b[24:26])
	}
	switch tag {
	case wavFormatPCM:
		if h.bits != 8 && h.bits != 16 && h.bits != 24 && h.bits != 32 {
			return fmt.Errorf("%w: WAV PCM with %d bits per sample", ErrCorrupt, h.bits)
		}
	case wavFormatFloat:
		h.float = true
		if h.bits != 32 && h.bits != 64 {
			return fmt.Errorf("%w: WAV float with %d bits per sample", ErrCorrupt, h.bits)
		}
	default:
		return fmt.Errorf("%w: WAV format tag %#04x", errUnsupportedCodec, tag)
	}
	if h.channels < 1 || h.channels > maxChannels {
		return fmt.Errorf("%w: WAV with %d channels", ErrCorrupt, h.channels)
	}
	if h.sampleRate < minSampleRate || h.sampleRate > maxSampleRate {
		return fmt.Errorf("%w: WAV sample rate %d Hz", ErrCorrupt, h.sampleRate)
	}
	if h.blockAlign != h.channels*h.bits/8 {
		return fmt.Errorf("%w: WAV block align %d for %d channels of %d bits",
			ErrCorrupt, h.blockAlign, h.channels, h.bits)
	}
	return nil
}

// errUnsupportedCodec marks data that is valid but needs the ffmpeg
// fallback.
var errUnsupportedCodec = errors.New("decode: codec not supported by the built-in decoders")
