package mpd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/models"
)

func TestCompareSongs(t *testing.T) {
	o := newSongOrder()
	song := func(album string, disc, track int) *models.Track {
		tr := &models.Track{DiscNo: disc, TrackNo: track}
		if album != "" {
			tr.Album = &models.Album{Name: album}
		}
		return tr
	}
	for _, tc := range []struct {
		name         string
		a, b         *models.Track
		pathA, pathB string
		want         int
	}{
		{"no album first", song("", 0, 9), song("A", 0, 1), "x/z", "x/a", -1},
		{"album by collation", song("aardvark", 0, 9), song("Bee", 0, 1), "x/a", "x/b", -1},
		{"disc before track", song("A", 1, 9), song("A", 2, 1), "x/a", "x/b", -1},
		{"no disc first", song("A", 0, 9), song("A", 1, 1), "x/a", "x/b", -1},
		{"negative disc counts as none", song("A", -3, 2), song("A", 0, 1), "x/a", "x/b", 1},
		{"track", song("A", 1, 2), song("A", 1, 10), "x/b", "x/a", -1},
		{"file name by collation", song("A", 1, 1), song("A", 1, 1), "x/b", "x/C", -1},
		{"collation tie falls back to bytes", song("A", 1, 1), song("A", 1, 1), "x/b", "x/b", 0},
	} {
		if got := o.compareSongs(tc.a, tc.b, tc.pathA, tc.pathB); got != tc.want {
			t.Errorf("%s: compareSongs = %d, want %d", tc.name, got, tc.want)
		}
		if got := o.compareSongs(tc.b, tc.a, tc.pathB, tc.pathA); got != -tc.want {
			t.Errorf("%s: reversed compareSongs = %d, want %d", tc.name, got, -tc.want)
		}
	}
}

func TestSortNamesIsTotal(t *testing.T) {
	// "e\u0301" and "\u00e9" are canonically equal, so the collator ties
	// them and their bytes decide, whatever the input order.
	want := []string{"Alpha", "Alpha Two", "beta", "e\u0301", "\u00e9", "Zulu"}
	for range 20 {
		names := slices.Clone(want)
		rand.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		newSongOrder().sortNames(names)
		if !slices.Equal(names, want) {
			t.Fatalf("sortNames = %q, want %q", names, want)
		}
	}
}

func TestWalkOrderSongsBeforeFolders(t *testing.T) {
	paths := []string{"b/x.mp3", "a/sub/y.mp3", "a/z.mp3", "root.mp3", "a b/w.mp3"}
	tracks := make([]models.Track, len(paths))
	_, ordered := inWalkOrder(tracks, paths)
	want := []string{"root.mp3", "a/z.mp3", "a/sub/y.mp3", "a b/w.mp3", "b/x.mp3"}
	if !slices.Equal(ordered, want) {
		t.Errorf("walk order = %q, want %q", ordered, want)
	}
}

// BenchmarkWalkOrder orders 10,000 tracks in 1,000 album folders below 100
// artist folders, as the library fill does after each update.
func BenchmarkWalkOrder(b *testing.B) {
	const n = 10000
	tracks := make([]models.Track, n)
	paths := make([]string, n)
	for i := range n {
		artist, album, track := i/100, i/10, i%10+1
		tracks[i] = models.Track{TrackNo: track, Album: &models.Album{Name: fmt.Sprintf("Album %d", album)}}
		paths[i] = fmt.Sprintf("Artist %d/Album %d/%02d Song %d.flac", artist, album, track, i)
	}
	rand.Shuffle(n, func(i, j int) {
		tracks[i], tracks[j] = tracks[j], tracks[i]
		paths[i], paths[j] = paths[j], paths[i]
	})
	b.ReportAllocs()
	for b.Loop() {
		inWalkOrder(tracks, paths)
	}
}

// BenchmarkSortFlatFolder orders 12,000 untagged songs of one folder
// whose names share a prefix of 235 bytes, so only the file names decide,
// as lsinfo of such a folder does.
func BenchmarkSortFlatFolder(b *testing.B) {
	const n = 12000
	prefix := strings.Repeat("p", 235)
	tracks := make([]models.Track, n)
	songs := make([]treeSong, n)
	for i := range n {
		songs[i] = treeSong{track: &tracks[i], path: fmt.Sprintf("flat/%s %05d.mp3", prefix, (i*7919)%n)}
	}
	b.ReportAllocs()
	for b.Loop() {
		work := slices.Clone(songs)
		newSongOrder().sortSongs(work)
	}
}
