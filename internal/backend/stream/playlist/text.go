package playlist

import (
	"sort"
	"strconv"
	"strings"
)

// ParsePLS parses a PLS playlist (Winamp's "[playlist]" INI format).
// Keys are case-insensitive; entries are ordered by their number.
func ParsePLS(data []byte) ([]Entry, error) {
	byIndex := make(map[int]*Entry)
	for _, line := range splitLines(decodeText(data)) {
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		field, index := splitIndex(key)
		if index < 1 || (field != "file" && field != "title") {
			continue
		}
		e := byIndex[index]
		if e == nil {
			if len(byIndex) >= MaxEntries {
				continue
			}
			e = &Entry{}
			byIndex[index] = e
		}
		switch field {
		case "file":
			if uri, ok := cleanURI(value); ok {
				e.URI = uri
			}
		case "title":
			e.Title = cleanTitle(value)
		}
	}

	indexes := make([]int, 0, len(byIndex))
	for i, e := range byIndex {
		if e.URI != "" {
			indexes = append(indexes, i)
		}
	}
	sort.Ints(indexes)
	entries := make([]Entry, 0, len(indexes))
	for _, i := range indexes {
		entries = append(entries, *byIndex[i])
	}
	return entries, nil
}

// splitIndex splits "file12" into "file" and 12. It returns index 0 when
// the key has no number or the number is out of range.
func splitIndex(key string) (string, int) {
	i := len(key)
	for i > 0 && key[i-1] >= '0' && key[i-1] <= '9' {
		i--
	}
	if i == len(key) || len(key)-i > 6 {
		return key, 0
	}
	n, err := strconv.Atoi(key[i:])
	if err != nil {
		return key, 0
	}
	return key[:i], n
}

// ParseM3U parses an M3U or M3U8 list of streams, with or without
// #EXTM3U and #EXTINF lines. An HLS playlist returns ErrHLS.
func ParseM3U(data []byte) ([]Entry, error) {
	var entries []Entry
	title := ""
	for _, line := range splitLines(decodeText(data)) {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "#EXT-X-"):
			return nil, ErrHLS
		case strings.HasPrefix(line, "#EXTINF:"):
			title = extinfTitle(line)
			continue
		case strings.HasPrefix(line, "#"):
			continue
		}
		uri, ok := cleanURI(line)
		if !ok {
			title = ""
			continue
		}
		if len(entries) < MaxEntries {
			entries = append(entries, Entry{URI: uri, Title: title})
		}
		title = ""
	}
	return entries, nil
}

// extinfTitle returns the title of an "#EXTINF:<seconds>[ attrs],<title>"
// line.
func extinfTitle(line string) string {
	_, title, ok := strings.Cut(strings.TrimPrefix(line, "#EXTINF:"), ",")
	if !ok {
		return ""
	}
	return cleanTitle(title)
}

// splitLines splits text at LF, CR LF or a lone CR.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.Split(text, "\n")
}
