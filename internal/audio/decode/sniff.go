package decode

import (
	"bytes"
	"strings"
)

// kind is a container and codec recognised from a file's first bytes.
type kind int

const (
	kindUnknown kind = iota
	kindWAV
	kindFLAC
	kindMP3
	kindVorbis
	kindOpus
	// kindOther is a format that only the ffmpeg fallback decodes: MP4/M4A,
	// ADTS AAC, MPEG-2.5 or free-format MP3, Ogg FLAC, RF64, AIFF and others.
	kindOther
	// kindMP4 is an MP4 or M4A file, which goes to ffmpeg too.
	kindMP4
)

func (k kind) String() string {
	switch k {
	case kindWAV:
		return "wav"
	case kindFLAC:
		return "flac"
	case kindMP3:
		return "mp3"
	case kindVorbis:
		return "vorbis"
	case kindOpus:
		return "opus"
	case kindOther:
		return "other"
	case kindMP4:
		return "mp4"
	}
	return "unknown"
}

// sniffLen is how many bytes sniff looks at.
const sniffLen = 64

// sniff recognises a format from the first bytes of a file, after any ID3v2
// tag has been skipped. It never trusts a file name or MIME type.
func sniff(b []byte) kind {
	switch {
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return kindWAV
	case len(b) >= 4 && (string(b[0:4]) == "RF64" || string(b[0:4]) == "FORM"):
		return kindOther
	case len(b) >= 4 && string(b[0:4]) == "fLaC":
		return kindFLAC
	case len(b) >= 4 && string(b[0:4]) == "OggS":
		return sniffOgg(b)
	case len(b) >= 8 && string(b[4:8]) == "ftyp":
		return kindMP4
	case len(b) >= 4 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		return sniffMPEGAudio(b)
	}
	return kindUnknown
}

// sniffOgg looks at the first packet of the first Ogg page.
func sniffOgg(b []byte) kind {
	if len(b) < 27 {
		return kindUnknown
	}
	segments := int(b[26])
	body := 27 + segments
	if len(b) < body+8 {
		return kindUnknown
	}
	p := b[body:]
	switch {
	case bytes.HasPrefix(p, []byte("\x01vorbis")):
		return kindVorbis
	case bytes.HasPrefix(p, []byte("OpusHead")):
		return kindOpus
	}
	return kindOther
}

// sniffMPEGAudio separates a frame header that go-mp3 decodes (MPEG-1 or
// MPEG-2 Layer III at a listed bitrate) from other MPEG audio.
func sniffMPEGAudio(b []byte) kind {
	version := b[1] >> 3 & 3
	layer := b[1] >> 1 & 3
	bitrate := b[2] >> 4
	rate := b[2] >> 2 & 3
	if version == 1 || layer == 0 && version != 0 || bitrate == 15 || rate == 3 {
		// Reserved values, or ADTS AAC, whose header shares the sync word
		// and has layer 0.
		return kindOther
	}
	if layer == 1 && (version == 3 || version == 2) && bitrate != 0 {
		return kindMP3
	}
	return kindOther
}

// id3v2Size returns the length of an ID3v2 tag at the start of b, including
// its header and footer, or 0 when b does not start with one.
func id3v2Size(b []byte) int64 {
	if len(b) < 10 || string(b[0:3]) != "ID3" {
		return 0
	}
	if b[6]|b[7]|b[8]|b[9] >= 0x80 {
		return 0
	}
	size := int64(b[6])<<21 | int64(b[7])<<14 | int64(b[8])<<7 | int64(b[9])
	size += 10
	if b[5]&0x10 != 0 {
		size += 10
	}
	return size
}

// kindFromHint maps a Source.Format hint to the decoder to try when the
// bytes are not recognised.
func kindFromHint(hint string) kind {
	h := strings.ToLower(strings.TrimSpace(hint))
	switch h {
	case "mp3", "audio/mpeg", "audio/mp3":
		return kindMP3
	case "flac", "audio/flac", "audio/x-flac":
		return kindFLAC
	case "wav", "audio/wav", "audio/x-wav", "audio/wave":
		return kindWAV
	case "ogg", "oga", "audio/ogg", "audio/vorbis":
		return kindVorbis
	case "opus", "audio/opus":
		return kindOpus
	case "m4a", "mp4", "m4b", "audio/mp4", "audio/x-m4a":
		return kindMP4
	}
	return kindUnknown
}
