package m3u

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxItems is the maximum number of entries read from one playlist; later
// entries are dropped with a warning.
const MaxItems = 100_000

// item is one entry of a playlist file as written.
type item struct {
	location string
	title    string
	// lengthMS is the #EXTINF length in milliseconds, 0 when unknown.
	lengthMS int
}

// parseResult holds a parsed playlist and what had to be left out.
type parseResult struct {
	items   []item
	skipped int
	cut     bool
}

// parseItems parses an M3U or extended M3U file. A UTF-8 byte order mark
// makes the file UTF-8; otherwise a file that is not valid UTF-8 is read
// as Latin-1 when latin1 is set, and with U+FFFD for invalid bytes when
// not. Lines end at LF, CR LF or CR. Entries holding NUL or other control
// characters are skipped.
func parseItems(data []byte, latin1 bool) parseResult {
	text := decode(data, latin1)
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")

	var res parseResult
	var pending item
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "#EXTINF:"):
			pending = parseExtinf(line)
			continue
		case strings.HasPrefix(line, "#"):
			continue
		}
		if hasControl(line) {
			res.skipped++
			pending = item{}
			continue
		}
		if len(res.items) >= MaxItems {
			res.cut = true
			break
		}
		pending.location = line
		res.items = append(res.items, pending)
		pending = item{}
	}
	return res
}

func decode(data []byte, latin1 bool) string {
	if rest, ok := bytes.CutPrefix(data, []byte("\xEF\xBB\xBF")); ok {
		return strings.ToValidUTF8(string(rest), "\uFFFD")
	}
	if utf8.Valid(data) {
		return string(data)
	}
	if !latin1 {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(data) + len(data)/4)
	for _, c := range data {
		b.WriteRune(rune(c))
	}
	return b.String()
}

// parseExtinf parses "#EXTINF:<seconds>[ attributes],<title>".
func parseExtinf(line string) item {
	info, title, _ := strings.Cut(strings.TrimPrefix(line, "#EXTINF:"), ",")
	secs, _, _ := strings.Cut(strings.TrimSpace(info), " ")
	var it item
	if f, err := strconv.ParseFloat(secs, 64); err == nil && f > 0 && f < 1e7 {
		it.lengthMS = int(f * 1000)
	}
	it.title = cleanText(title)
	return it
}

// hasControl reports whether s holds a control character or a Unicode
// line or paragraph separator.
func hasControl(s string) bool {
	return strings.IndexFunc(s, isLineBreaking) >= 0
}

func isLineBreaking(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp)
}

// cleanText removes control characters and line separators from s and
// trims it, so a title cannot add lines to a saved file.
func cleanText(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if isLineBreaking(r) {
			return -1
		}
		return r
	}, s))
}

// dumpLine is one entry to write: its location and #EXTINF values.
type dumpLine struct {
	location string
	title    string
	lengthMS int
}

// dumpItems writes an extended M3U file, in Latin-1 when latin1 is set.
// A location that is empty, contains a control character, or contains
// characters that Latin-1 lacks (in Latin-1) is an error, because writing
// it would change the entry. A title loses such characters instead.
func dumpItems(lines []dumpLine, latin1 bool) ([]byte, error) {
	var b strings.Builder
	b.WriteString("#EXTM3U\n")
	for i, l := range lines {
		if l.location == "" {
			return nil, fmt.Errorf("track %d has no URI", i+1)
		}
		if hasControl(l.location) {
			return nil, fmt.Errorf("track %d URI %q contains a line break or control character", i+1, truncate(l.location, 100))
		}
		if !utf8.ValidString(l.location) {
			return nil, fmt.Errorf("track %d URI %q is not valid UTF-8", i+1, truncate(l.location, 100))
		}
		title := cleanText(l.title)
		if title != "" || l.lengthMS > 0 {
			secs := -1
			if l.lengthMS > 0 {
				secs = l.lengthMS / 1000
			}
			fmt.Fprintf(&b, "#EXTINF:%d,%s\n", secs, title)
		}
		location := l.location
		if strings.HasPrefix(location, "#") {
			// A relative path starting with "#" would read back as a comment.
			location = "./" + location
		}
		b.WriteString(location)
		b.WriteByte('\n')
	}
	if !latin1 {
		return []byte(b.String()), nil
	}
	return encodeLatin1(b.String())
}

// encodeLatin1 encodes text in Latin-1. Characters beyond U+00FF become
// "?" in #EXTINF lines and are an error in locations.
func encodeLatin1(text string) ([]byte, error) {
	out := make([]byte, 0, len(text))
	for _, line := range strings.SplitAfter(text, "\n") {
		isInfo := strings.HasPrefix(line, "#")
		for _, r := range line {
			switch {
			case r <= 0xFF:
				out = append(out, byte(r))
			case isInfo:
				out = append(out, '?')
			default:
				return nil, fmt.Errorf("entry %q has characters that Latin-1 cannot encode; save the playlist as .m3u8 (UTF-8)",
					truncate(strings.TrimSpace(line), 100))
			}
		}
	}
	return out, nil
}
