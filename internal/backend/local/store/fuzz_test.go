package store

import (
	"context"
	"strings"
	"testing"
)

// FuzzMatchExpr checks that no search text makes FTS5 fail to parse the
// query or reach beyond the column it was aimed at.
func FuzzMatchExpr(f *testing.F) {
	for _, seed := range []string{
		`hello`, `"`, `""`, `a" OR "b`, `title:x`, `{title artist}: x`, `NEAR(a b)`, `a*`, `^a`,
		`-x`, `a AND`, `(`, `)`, `+`, "\x00", `caf\u00e9`, `'; DROP TABLE tracks; --`, "日本語",
	} {
		f.Add(seed)
	}
	s := openTest(f)
	put(f, s, sample()...)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, text string) {
		for _, col := range []string{"", "title", "artist"} {
			expr := MatchExpr(col, text)
			if expr == "" {
				continue
			}
			rows, err := s.r.QueryContext(ctx, "SELECT rowid FROM tracks_fts WHERE tracks_fts MATCH ?", expr)
			if err != nil {
				t.Fatalf("MatchExpr(%q, %q) = %q: %v", col, text, expr, err)
			}
			for rows.Next() {
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("MatchExpr(%q, %q) = %q: %v", col, text, expr, err)
			}
			rows.Close()
		}
		if _, err := s.Find(ctx, Query{Terms: []Term{{FieldAny, text}, {FieldArtist, text}, {FieldDate, text}, {FieldPath, text}}}); err != nil && !strings.Contains(err.Error(), "at most") {
			t.Fatalf("Find(%q): %v", text, err)
		}
		if _, err := s.Find(ctx, Query{Terms: []Term{{FieldAny, text}, {FieldGenre, text}}, Exact: true}); err != nil && !strings.Contains(err.Error(), "at most") {
			t.Fatalf("exact Find(%q): %v", text, err)
		}
	})
}
