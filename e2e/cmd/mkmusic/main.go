// Command mkmusic writes the small music library that the end-to-end tests
// of the HTTP side and the web interface play: one album of three tones
// with cover art, and a track whose title is markup.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkmusic DIR")
		os.Exit(2)
	}
	cover := fixtures.Cover(64, 64)
	album := func(n int, title string, freq float64) fixtures.Spec {
		return fixtures.Spec{
			Path:   fmt.Sprintf("Test Artist/Blue Album/%02d %s.flac", n, title),
			Format: fixtures.FormatFLAC, Seconds: 30, Frequency: freq,
			Tags: &fixtures.Tags{
				Title: title, Album: "Blue Album", Artists: []string{"Test Artist"},
				AlbumArtists: []string{"Test Artist"}, Track: fmt.Sprintf("%d/3", n),
				Date: "2019-05", Genres: []string{"Ambient"}, Cover: cover,
			},
		}
	}
	specs := []fixtures.Spec{
		album(1, "Morning", 440),
		album(2, "Noon", 550),
		album(3, "Evening", 660),
		{
			Path: "Markup/Markup.mp3", Format: fixtures.FormatMP3ID3v24, Seconds: 5, Frequency: 330,
			Tags: &fixtures.Tags{
				Title: "<img src=x onerror=alert(1)>", Album: "<b>Bold</b>",
				Artists: []string{"<script>alert(2)</script>"},
			},
		},
	}
	if err := fixtures.Generate(context.Background(), os.Args[1], specs); err != nil {
		fmt.Fprintln(os.Stderr, "mkmusic:", err)
		os.Exit(1)
	}
}
