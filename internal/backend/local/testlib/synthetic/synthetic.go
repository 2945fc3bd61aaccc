// Package synthetic fills a library database with made-up tracks for
// search benchmarks.
package synthetic

import (
	"context"
	"fmt"
	"time"

	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/backend/local/tags"
)

// Words are the title words of synthetic tracks.
var Words = []string{"river", "light", "night", "stone", "glass", "echo", "winter", "cafe", "senor", "blue", "fire", "ocean"}

// Fill inserts n synthetic tracks straight into the database, spread
// over n/100 artists and n/10 albums, for search benchmarks that need more
// rows than files can be generated.
func Fill(ctx context.Context, st *store.Store, n int) error {
	const batch = 5000
	for start := 0; start < n; start += batch {
		b, err := st.Begin(ctx)
		if err != nil {
			return err
		}
		for i := start; i < min(start+batch, n); i++ {
			title := fmt.Sprintf("%s %s %d", Words[i%len(Words)], Words[(i/7)%len(Words)], i)
			t := store.Track{
				Path: fmt.Sprintf("Artist %d/Album %d/%02d %s.flac", i/100, i/10, i%10+1, title),
				Info: tags.Info{
					Title:   title,
					Album:   fmt.Sprintf("Album %d", i/10),
					Artists: []string{fmt.Sprintf("Artist %d", i/100)},
					Genres:  []string{[]string{"Rock", "Jazz", "Folk", "Ambient"}[i%4]},
					TrackNo: i%10 + 1, Date: fmt.Sprintf("%d", 1960+i%60), Length: 200 * time.Second,
				},
			}
			if err := b.Put(&t); err != nil {
				b.Rollback()
				return err
			}
		}
		if err := b.Commit(); err != nil {
			return err
		}
	}
	return nil
}
