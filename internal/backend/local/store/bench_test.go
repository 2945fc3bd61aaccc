package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/backend/local/testlib/synthetic"
)

// BenchmarkFind times searches over 100,000 synthetic tracks. The fill
// takes about 30 s on 2 cores before the timed loops start.
func BenchmarkFind(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(b.TempDir(), "library.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := synthetic.Fill(ctx, st, 100000); err != nil {
		b.Fatal(err)
	}
	w := synthetic.Words
	cases := []struct {
		name string
		q    func(i int) store.Query
	}{
		{"any_word_and_number", func(i int) store.Query {
			return store.Query{Terms: []store.Term{{Field: store.FieldAny, Value: fmt.Sprintf("%s %d", w[i%len(w)], i%100000)}}}
		}},
		{"artist_and_title", func(i int) store.Query {
			return store.Query{Terms: []store.Term{{Field: store.FieldArtist, Value: fmt.Sprintf("artist %d", i%1000)}, {Field: store.FieldTitle, Value: w[i%len(w)]}}}
		}},
		{"exact_album", func(i int) store.Query {
			return store.Query{Terms: []store.Term{{Field: store.FieldAlbum, Value: fmt.Sprintf("album %d", i%10000)}}, Exact: true}
		}},
		{"broad_word", func(i int) store.Query {
			return store.Query{Terms: []store.Term{{Field: store.FieldAny, Value: w[i%len(w)]}}}
		}},
		{"broad_word_limit_100", func(i int) store.Query {
			return store.Query{Terms: []store.Term{{Field: store.FieldAny, Value: w[i%len(w)]}}, Limit: 100}
		}},
		{"broad_prefix_limit_100", func(i int) store.Query {
			return store.Query{Terms: []store.Term{{Field: store.FieldAny, Value: w[i%len(w)][:3]}}, Limit: 100}
		}},
		{"artist_and_title_limit_100", func(i int) store.Query {
			return store.Query{Terms: []store.Term{{Field: store.FieldArtist, Value: fmt.Sprintf("artist %d", i%1000)}, {Field: store.FieldTitle, Value: w[i%len(w)]}}, Limit: 100}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := st.Find(ctx, c.q(i*7919)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
