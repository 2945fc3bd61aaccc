package mpd

import (
	"math"
	"slices"
	"testing"

	"github.com/tonearm/tonearm/internal/models"
)

func trackURIs(tracks []models.Track) []string {
	var out []string
	for _, t := range tracks {
		out = append(out, t.URI)
	}
	return out
}

func TestSortTracksAsMPD(t *testing.T) {
	tracks := []models.Track{
		{URI: "a", TrackNo: 10, Name: "b", LastModified: 5_999},
		{URI: "b", TrackNo: 9, Name: "B", LastModified: 5_001},
		{URI: "c", Name: "a", LastModified: 4_000},
		{URI: "d", TrackNo: 9, Name: "b", LastModified: 6_000},
	}
	for _, tc := range []struct {
		tag     string
		descend bool
		want    []string
	}{
		// Numbers, not text: 9 before 10. No track counts as 0.
		{"Track", false, []string{"c", "b", "d", "a"}},
		// Descending keeps equal tracks in their order, as
		// std::stable_sort with swapped arguments does in MPD 0.23.12.
		{"Track", true, []string{"a", "b", "d", "c"}},
		// Bytes: "B" before "a" and "b".
		{"Title", false, []string{"b", "c", "a", "d"}},
		// Whole seconds: a and b share second 5 and keep their order.
		{"Last-Modified", false, []string{"c", "a", "b", "d"}},
		{"Last-Modified", true, []string{"d", "a", "b", "c"}},
	} {
		got := slices.Clone(tracks)
		sortTracks(got, tc.tag, tc.descend)
		if !slices.Equal(trackURIs(got), tc.want) {
			t.Errorf("sort %s descending=%v = %q, want %q", tc.tag, tc.descend, trackURIs(got), tc.want)
		}
	}
}

func TestLeadingIntAsStrtol(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"12", 12}, {" 7/12", 7}, {"+3", 3}, {"-4x", -4}, {"", 0}, {"x1", 0}, {"-", 0},
		{"99999999999999999999", math.MaxInt64}, {"-99999999999999999999", math.MinInt64},
	} {
		if got := leadingInt(tc.in); got != tc.want {
			t.Errorf("leadingInt(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
