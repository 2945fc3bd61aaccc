package mpd

import (
	"bytes"
	"cmp"
	"path"
	"slices"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/tonearm/tonearm/internal/models"
)

// songOrder orders songs and folders as MPD 0.23.12 keeps them in its
// database. The songs of a folder come before its sub-folders, and songs
// are ordered by album, disc, track and file name. Names are compared by
// the Unicode root collation, which MPD takes from ICU (ucol_open("")),
// and names that collate equal by their bytes, so the order never depends
// on the input's order. A songOrder is not safe for concurrent use.
type songOrder struct {
	col *collate.Collator
	buf collate.Buffer
}

func newSongOrder() *songOrder {
	return &songOrder{col: collate.New(language.Und)}
}

// compareNames compares two file or folder names.
func (o *songOrder) compareNames(a, b string) int {
	if a == b {
		return 0
	}
	if c := o.col.CompareString(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// sortNames sorts folder names, computing each name's collation key once.
func (o *songOrder) sortNames(names []string) {
	if len(names) < 2 {
		return
	}
	keys := make(map[string][]byte, len(names))
	for _, n := range names {
		keys[n] = slices.Clone(o.col.KeyFromString(&o.buf, n))
		o.buf.Reset()
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := bytes.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
}

// compareSongs compares two songs of one folder, named by their paths, as
// MPD 0.23.12's song_cmp does: by album (a song without one first), disc
// and track number (a missing or non-positive number first), then file
// name.
func (o *songOrder) compareSongs(a, b *models.Track, pathA, pathB string) int {
	albumA, albumB := albumName(a), albumName(b)
	switch {
	case albumA == albumB:
	case albumA == "":
		return -1
	case albumB == "":
		return 1
	default:
		if c := o.compareNames(albumA, albumB); c != 0 {
			return c
		}
	}
	if c := compareNumbers(a.DiscNo, b.DiscNo); c != 0 {
		return c
	}
	if c := compareNumbers(a.TrackNo, b.TrackNo); c != 0 {
		return c
	}
	return o.compareNames(path.Base(pathA), path.Base(pathB))
}

func albumName(t *models.Track) string {
	if t.Album == nil {
		return ""
	}
	return t.Album.Name
}

// compareNumbers compares disc or track numbers, a number of 0 or less
// meaning none.
func compareNumbers(a, b int) int {
	switch {
	case a <= 0 && b <= 0:
		return 0
	case a <= 0:
		return -1
	case b <= 0:
		return 1
	}
	return cmp.Compare(a, b)
}

// walkOrder returns the indexes of tracks, whose paths are paths, in the
// order of MPD 0.23.12's database walk from the root.
func walkOrder(tracks []models.Track, paths []string) []int {
	order := make([]int, 0, len(tracks))
	buildTree(tracks, paths, "").walk(func(string) {}, func(s treeSong) {
		order = append(order, s.index)
	})
	return order
}
