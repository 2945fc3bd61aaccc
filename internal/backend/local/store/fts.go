package store

import (
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
