package playlist

import (
	"bytes"
	"mime"
	"strings"
)

// SniffLength is the number of leading bytes Detect looks at.
const SniffLength = 1024

// Detect identifies what a response contains from its Content-Type and its first
// bytes (SniffLength are enough). A playlist type in the header wins; an
// audio type is trusted unless the body starts like a playlist, because
// some stations serve playlists as audio/mpeg; a generic or missing type
// falls back to the bytes.
func Detect(contentType string, head []byte) Kind {
	if len(head) > SniffLength {
		head = head[:SniffLength]
	}
	sniffed := Sniff(head)
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch mediaType {
	case "audio/x-scpls", "application/pls+xml", "audio/scpls":
		return PLS
	case "audio/x-mpegurl", "audio/mpegurl", "application/x-mpegurl",
		"application/vnd.apple.mpegurl", "audio/m3u", "audio/x-m3u":
		return M3U
	case "application/xspf+xml":
		return XSPF
	case "video/x-ms-asf", "video/x-ms-asx", "audio/x-ms-asx", "audio/x-ms-wax",
		"video/x-ms-wvx", "video/x-ms-wmx":
		if sniffed == ASX {
			return ASX
		}
		return Unknown
	}
	if sniffed != Unknown && sniffed != Audio {
		return sniffed
	}
	if strings.HasPrefix(mediaType, "audio/") || mediaType == "application/ogg" ||
		mediaType == "video/ogg" || mediaType == "application/aacp" {
		return Audio
	}
	return sniffed
}

// Sniff identifies what data contains from its first bytes alone.
func Sniff(head []byte) Kind {
	if len(head) > SniffLength {
		head = head[:SniffLength]
	}
	if isAudio(head) {
		return Audio
	}
	text := bytes.TrimLeft(trimBOM(head), " \t\r\n")
	lower := bytes.ToLower(text)
	switch {
	case bytes.HasPrefix(lower, []byte("[playlist]")):
		return PLS
	case bytes.HasPrefix(lower, []byte("#extm3u")):
		return M3U
	case bytes.Contains(lower, []byte("<asx")):
		return ASX
	case bytes.Contains(lower, []byte("<playlist")) && bytes.Contains(lower, []byte("xspf")):
		return XSPF
	case startsWithURIList(lower):
		return M3U
	}
	return Unknown
}

// isAudio reports whether head starts with the signature of a container or
// frame that radio stations send: ID3v2, Ogg, FLAC, RIFF/WAVE, MP4, or an
// MPEG audio or ADTS frame sync.
func isAudio(head []byte) bool {
	switch {
	case bytes.HasPrefix(head, []byte("ID3")),
		bytes.HasPrefix(head, []byte("OggS")),
		bytes.HasPrefix(head, []byte("fLaC")),
		bytes.HasPrefix(head, []byte("RIFF")):
		return true
	case len(head) >= 8 && bytes.Equal(head[4:8], []byte("ftyp")):
		return true
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0:
		return true
	}
	return false
}

// startsWithURIList reports whether the first line that is neither blank
// nor a comment is an http or https URL, the shape of a plain URI list.
func startsWithURIList(lower []byte) bool {
	for _, line := range bytes.Split(lower, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		return bytes.HasPrefix(line, []byte("http://")) || bytes.HasPrefix(line, []byte("https://"))
	}
	return false
}
