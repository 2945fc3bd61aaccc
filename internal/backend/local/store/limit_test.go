package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/backend/local/tags"
)

// numbered returns n tracks whose paths sort in the reverse of their
// order in the slice, all titled "river" and by "Artist 1".
func numbered(n int) []Track {
	out := make([]Track, n)
	for i := range out {
		out[i] = Track{Path: fmt.Sprintf("A/%03d river.flac", n-i), Info: tags.Info{
			Title: fmt.Sprintf("river %d", i), Album: "Album 1", Artists: []string{"Artist 1"}, Date: "1999",
		}}
	}
	return out
}

func TestFindLimitKeepsFirstStored(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	put(t, s, numbered(10)...)
	cases := []struct {
		name string
		q    Query
	}{
		{"match", Query{Terms: []Term{{FieldTitle, "river"}}, Limit: 3}},
		{"match under folder", Query{Terms: []Term{{FieldAny, "riv"}}, Under: "A", Limit: 3}},
		{"exact", Query{Terms: []Term{{FieldArtist, "artist 1"}}, Exact: true, Limit: 3}},
		{"date", Query{Terms: []Term{{FieldDate, "199"}}, Limit: 3}},
	}
	// The first three stored tracks have the three last paths.
	want := []string{"A/008 river.flac", "A/009 river.flac", "A/010 river.flac"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Find(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(paths(got), want) {
				t.Errorf("Find = %q, want %q", paths(got), want)
			}
		})
	}
}

// TestFindPlanNeedsNoSort checks that SQLite can stop Find after the limit:
// a plan that sorts reads every match first.
func TestFindPlanNeedsNoSort(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	put(t, s, sample()...)
	queries := []Query{
		{Terms: []Term{{FieldAny, "river"}}},
		{Terms: []Term{{FieldArtist, "artist 42"}, {FieldTitle, "river"}, {FieldDate, "19"}}, Under: "Artist 42"},
		{Terms: []Term{{FieldAlbum, "album 42"}}, Exact: true},
		{Terms: []Term{{FieldAlbum, "album 42"}, {FieldTrackNo, "3"}}, Exact: true},
		{Terms: []Term{{FieldDate, "1999"}}},
	}
	for _, q := range queries {
		f, err := buildFilter(q)
		if err != nil {
			t.Fatal(err)
		}
		query, args := findStatement(f, 100)
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.Join(plan, "\n"), "TEMP B-TREE") {
			t.Errorf("plan of %+v sorts:\n%s", q, strings.Join(plan, "\n"))
		}
	}
}
