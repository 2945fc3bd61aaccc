package mpd

import (
	"testing"

	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// TestNeedlesKeepEveryMatch checks that the text prefilter of the
// database commands never drops a song that the filter matches.
func TestNeedlesKeepEveryMatch(t *testing.T) {
	artist := models.Artist{Name: "SEÑOR Coconut", SortName: "Coconut, Señor"}
	tracks := []models.Track{
		{URI: "local:track:a/1.flac", Name: "Blue River", Artists: []models.Artist{artist}, TrackNo: 7,
			Album: &models.Album{Name: "Ça Va", Artists: []models.Artist{{Name: "Various ARTISTS"}}}, Genre: "Jazz", Date: "1999"},
		{URI: "local:track:b/2.flac", Name: "ΣΊΣΥΦΟΣ", Artists: []models.Artist{{Name: "Ωmega"}}, DiscNo: 2},
		{URI: "local:track:c/3.flac", Name: "plain"},
	}
	filters := []struct {
		args []string
		fold bool
	}{
		{[]string{"any", "señor"}, true},
		{[]string{"any", "ça"}, true},
		{[]string{"artist", "SEÑOR Coconut"}, false},
		{[]string{"albumartist", "various artists"}, true},
		{[]string{"albumartistsort", "Various ARTISTS"}, false},
		{[]string{"artistsort", "coconut, señor"}, true},
		{[]string{"title", "σίσυφ"}, true},
		{[]string{"track", "7"}, false},
		{[]string{"disc", "2"}, false},
		{[]string{"(title starts_with 'Blue')"}, false},
		{[]string{"((genre == 'Jazz') AND (date contains '99'))"}, false},
		{[]string{"(artist contains 'Ωme')"}, false},
	}
	for _, fc := range filters {
		f, err := protocol.ParseFilter(fc.args, fc.fold)
		if err != nil {
			t.Fatalf("filter %q: %v", fc.args, err)
		}
		needles := filterNeedles(f)
		if len(needles) == 0 {
			t.Errorf("filter %q has no needles", fc.args)
		}
		matched := 0
		for i := range tracks {
			if !f.Match(filterSong(&tracks[i])) {
				continue
			}
			matched++
			text, _ := tagText(&tracks[i], nil)
			if !containsAll(text, needles) {
				t.Errorf("filter %q matches %s, but its text %q lacks needles %q", fc.args, tracks[i].URI, text, needles)
			}
		}
		if matched == 0 {
			t.Errorf("filter %q matches no track, so the test checks nothing", fc.args)
		}
	}
}
