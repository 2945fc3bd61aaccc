package local

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/tonearm/tonearm/internal/audio"
)

// Resolve returns a source for a local:track: URI of an indexed track.
// Open goes through os.Root, so a symlink swapped in after the scan cannot
// lead outside the music folder.
func (l *Library) Resolve(ctx context.Context, uri string) (audio.Source, error) {
	rel, err := TrackPath(uri)
	if err != nil {
		return audio.Source{}, err
	}
	t, err := l.store.TrackByPath(ctx, rel)
	if err != nil {
		return audio.Source{}, notFound(err)
	}
	root := l.root
	return audio.Source{
		URI:    uri,
		Format: formatOf(rel),
		Gain:   t.Gain,
		Open: func(ctx context.Context, _ func(string)) (io.ReadCloser, error) {
			f, err := root.Open(rel)
			if err != nil {
				return nil, fmt.Errorf("open %s: %w", uri, err)
			}
			return f, nil
		},
	}, nil
}

// formatOf returns the decoder hint for a file name: its extension in
// lower case, with the aliases a decoder may not know mapped.
func formatOf(rel string) string {
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(rel)), ".")
	switch ext {
	case "oga":
		return "ogg"
	case "wave":
		return "wav"
	case "m4b", "mp4":
		return "m4a"
	}
	return ext
}
