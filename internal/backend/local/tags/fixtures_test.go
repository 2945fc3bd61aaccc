package tags

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

// TestNativeMatchesTagLibFixtures compares the Go parsers with TagLib on
// the shared fixtures, which add mono files, other sample rates (MPEG-2
// layer III at 22.05 kHz), longer files, every MusicBrainz id, performers,
// extra tags and covers to what TestNativeMatchesTagLib covers.
func TestNativeMatchesTagLibFixtures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cover := fixtures.CoverPNG(16, 16)
	full := func(latin1, bom bool) *fixtures.Tags {
		return &fixtures.Tags{
			Title: "Sine Déjà Vu", Album: "Test Tones", Comment: "made by sox",
			Track: "03/12", Disc: "1/2", Date: "2021-06-15",
			Artists: []string{"First Artist", "Second Artist"}, AlbumArtists: []string{"Album Artist"},
			Genres: []string{"Rock", "Jazz"}, Composers: []string{"Composer One"},
			Performers: []string{"Player One", "Player Two"},
			MBTrackID:  "11111111-1111-4111-8111-111111111111", MBAlbumID: "22222222-2222-4222-8222-222222222222",
			MBArtistID: "33333333-3333-4333-8333-333333333333", MBAlbumArtistID: "44444444-4444-4444-8444-444444444444",
			MBReleaseTrackID: "55555555-5555-4555-8555-555555555555",
			RGTrackGain:      "-6.50 dB", RGTrackPeak: "0.501187", RGAlbumGain: "-7.25 dB", RGAlbumPeak: "0.562341",
			Cover: cover, Latin1: latin1, BOM: bom, Extra: map[string]string{"MOOD": "calm"},
		}
	}

	var specs []fixtures.Spec
	for _, f := range fixtures.AllFormats {
		specs = append(specs,
			fixtures.Spec{Path: f + "-full", Format: f, Tags: full(false, true)},
			fixtures.Spec{Path: f + "-latin1", Format: f, Tags: full(true, false)},
			fixtures.Spec{Path: f + "-mono-22k", Format: f, SampleRate: 22050, Channels: 1, Seconds: 2.5, Tags: &fixtures.Tags{Title: "Mono"}},
			fixtures.Spec{Path: f + "-48k", Format: f, SampleRate: 48000, Seconds: 3.2},
		)
	}
	if err := fixtures.Generate(ctx, dir, specs); err != nil {
		t.Fatal(err)
	}

	r, err := NewReader(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })

	native := 0
	for _, s := range specs {
		t.Run(s.Path, func(t *testing.T) {
			path := filepath.Join(dir, s.Path)
			if _, ok := r.readNative(path); ok {
				native++
			} else {
				t.Logf("%s left to TagLib", s.Path)
			}
			got, err := r.Read(path)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			want, err := r.readTagLib(path)
			if err != nil {
				t.Fatalf("TagLib: %v", err)
			}
			// TagLib reports no codec or sample size.
			got.Codec, got.BitsPerSample = "", 0
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Go parser and TagLib differ:\n Go     %+v\n TagLib %+v", strip(got), strip(want))
			}
		})
	}
	t.Logf("%d of %d fixtures read by the Go parsers", native, len(specs))
}
