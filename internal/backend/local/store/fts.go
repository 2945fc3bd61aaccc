package store

import (
	"fmt"
	"strings"
	"unicode"
)

// maxMatchTokens bounds the words of one search value.
const maxMatchTokens = 32

// MatchExpr turns user text into an FTS5 query that can only match words.
// The text is split into runs of letters, digits and marks, as the
// unicode61 tokenizer splits it. Each run becomes a quoted prefix phrase
// ("word"*), and the phrases are joined with AND. A non-empty column limits
// the expression to that column of tracks_fts; it is chosen by this
// package, never taken from user text. MatchExpr returns "" when the text
// contains no word.
func MatchExpr(column, text string) string {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && !unicode.Is(unicode.Co, r)
	})
	if len(words) == 0 {
		return ""
	}
	if len(words) > maxMatchTokens {
		words = words[:maxMatchTokens]
	}
	var b strings.Builder
	if column != "" {
		b.WriteString(column)
		b.WriteString(" : (")
	}
	for i, w := range words {
		if i > 0 {
			b.WriteString(" AND ")
		}
		// The words hold no quote, but doubling keeps the phrase closed
		// even if the split rule above changes.
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(w, `"`, `""`))
		b.WriteString(`"*`)
	}
	if column != "" {
		b.WriteByte(')')
	}
	return b.String()
}

// reindexBatch is the number of tracks reindexTracks reads at a time.
const reindexBatch = 1000

// reindexTracks fills an empty tracks_fts from the tracks table, as Put
// would have filled it.
func reindexTracks(b *Batch) error {
	var last int64
	for {
		rows, err := b.tx.QueryContext(b.ctx, "SELECT "+baseTrackColumns+" FROM tracks t WHERE t.id > ? ORDER BY t.id LIMIT ?",
			last, reindexBatch)
		if err != nil {
			return fmt.Errorf("rebuild the search index: %w", err)
		}
		var tracks []Track
		for rows.Next() {
			t, err := scanColumns(rows, false)
			if err != nil {
				rows.Close()
				return fmt.Errorf("rebuild the search index: %w", err)
			}
			tracks = append(tracks, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("rebuild the search index: %w", err)
		}
		for i := range tracks {
			if err := b.index(&tracks[i]); err != nil {
				return err
			}
		}
		if len(tracks) < reindexBatch {
			return nil
		}
		last = tracks[len(tracks)-1].ID
	}
}
