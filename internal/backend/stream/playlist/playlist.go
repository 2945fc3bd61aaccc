// Package playlist parses the playlist formats that internet radio
// stations publish (PLS, M3U and M3U8 lists of streams, XSPF and ASX) and
// distinguishes them from audio by Content-Type and by the first bytes. The
// parsers are pure functions: the caller fetches the bytes, bounds their
// size and resolves the entries against the playlist's URL.
package playlist

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxEntries is the maximum number of entries a parser returns; later
// entries are dropped.
const MaxEntries = 1000

// MaxTitleLength is the maximum length of an entry title in bytes.
const MaxTitleLength = 1024

// ErrHLS is returned for an HLS playlist (one with #EXT-X- tags).
var ErrHLS = errors.New("HLS is not supported yet")

// ErrEmpty is returned for a playlist without entries.
var ErrEmpty = errors.New("playlist has no entries")

// Entry is one item of a playlist: a URI as written, possibly relative,
// and a title when the playlist gives one.
type Entry struct {
	URI   string
	Title string
}

// Kind is a playlist format, or audio.
type Kind int

// Kinds that Detect returns.
const (
	Unknown Kind = iota
	Audio
	PLS
	M3U
	XSPF
	ASX
)

func (k Kind) String() string {
	switch k {
	case Audio:
		return "audio"
	case PLS:
		return "pls"
	case M3U:
		return "m3u"
	case XSPF:
		return "xspf"
	case ASX:
		return "asx"
	default:
		return "unknown"
	}
}

// Parse parses data as a playlist of kind k.
func Parse(k Kind, data []byte) ([]Entry, error) {
	var entries []Entry
	var err error
	switch k {
	case PLS:
		entries, err = ParsePLS(data)
	case M3U:
		entries, err = ParseM3U(data)
	case XSPF:
		entries, err = ParseXSPF(data)
	case ASX:
		entries, err = ParseASX(data)
	default:
		return nil, fmt.Errorf("parse playlist: kind %s is not a playlist format", k)
	}
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("parse %s playlist: %w", k, ErrEmpty)
	}
	return entries, nil
}

// ResolveEntry resolves an entry's URI against the URL of the playlist
// that contains it and accepts only http and https results.
func ResolveEntry(base *url.URL, ref string) (*url.URL, error) {
	ref = strings.TrimSpace(ref)
	u, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("invalid playlist entry %q: %w", truncate(ref, 200), err)
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("playlist entry %q has scheme %q; only http and https streams are played",
			truncate(ref, 200), u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("playlist entry %q has no host", truncate(ref, 200))
	}
	return u, nil
}

// decodeText returns data as UTF-8 without a byte order mark. Bytes that
// are not valid UTF-8 are read as Latin-1 (ISO 8859-1), the usual
// encoding of older playlists.
func decodeText(data []byte) string {
	data = trimBOM(data)
	if utf8.Valid(data) {
		return string(data)
	}
	var b strings.Builder
	b.Grow(len(data) + len(data)/4)
	for _, c := range data {
		b.WriteRune(rune(c))
	}
	return b.String()
}

func trimBOM(data []byte) []byte {
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		return data[3:]
	}
	return data
}

// cleanTitle removes control characters and surrounding space from a
// title and bounds its length.
func cleanTitle(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	return truncate(strings.TrimSpace(s), MaxTitleLength)
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// cleanURI trims an entry's URI and rejects one holding control
// characters, which no valid URI contains.
func cleanURI(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", false
		}
	}
	return s, true
}
