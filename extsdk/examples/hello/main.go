// Command hello is an example Tonearm extension. It serves the URI scheme
// "hello:" with five generated tracks, each a short sine tone in WAV,
// and logs every event it receives.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/tonearm/tonearm/extsdk"
)

// trackCount is the number of generated tracks.
const trackCount = 5

// lengthMS is each track's length in milliseconds.
const lengthMS = 2000

type library struct{}

func track(i int) extsdk.Track {
	return extsdk.Track{
		URI:     fmt.Sprintf("hello:track/%d", i),
		Name:    fmt.Sprintf("Hello tone %d", i),
		Artists: []extsdk.Artist{{Name: "Hello Extension"}},
		Album:   &extsdk.Album{Name: "Generated Tones"},
		TrackNo: i,
		Length:  lengthMS,
	}
}

// index returns the track number in a "hello:track/<n>" URI.
func index(uri string) (int, bool) {
	rest, ok := strings.CutPrefix(uri, "hello:track/")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	return i, err == nil && i >= 1 && i <= trackCount
}

func (library) Browse(ctx context.Context, uri string) ([]extsdk.Ref, error) {
	if uri != "hello:" {
		return nil, nil
	}
	refs := make([]extsdk.Ref, 0, trackCount)
	for i := 1; i <= trackCount; i++ {
		t := track(i)
		refs = append(refs, extsdk.Ref{URI: t.URI, Name: t.Name, Type: extsdk.RefTrack})
	}
	return refs, nil
}

func (library) Lookup(ctx context.Context, uri string) ([]extsdk.Track, error) {
	if uri == "hello:" {
		var all []extsdk.Track
		for i := 1; i <= trackCount; i++ {
			all = append(all, track(i))
		}
		return all, nil
	}
	i, ok := index(uri)
	if !ok {
		return nil, extsdk.ErrNotFound
	}
	return []extsdk.Track{track(i)}, nil
}

func (library) Search(ctx context.Context, q extsdk.Query, uris []string, exact bool) (extsdk.SearchResult, error) {
	res := extsdk.SearchResult{URI: "hello:search"}
	for i := 1; i <= trackCount; i++ {
		t := track(i)
		if matches(t, q) {
			res.Tracks = append(res.Tracks, t)
		}
	}
	return res, nil
}

// matches reports whether every value of "any" or "track_name" occurs in
// the track's name, ignoring case.
func matches(t extsdk.Track, q extsdk.Query) bool {
	for field, values := range q {
		if field != "any" && field != "track_name" {
			return false
		}
		for _, v := range values {
			if !strings.Contains(strings.ToLower(t.Name), strings.ToLower(v)) {
				return false
			}
		}
	}
	return true
}

func (library) Open(ctx context.Context, uri string) (io.ReadCloser, string, error) {
	i, ok := index(uri)
	if !ok {
		return nil, "", extsdk.ErrNotFound
	}
	wav := extsdk.SineWAV(220*float64(i), lengthMS, 22050)
	return io.NopCloser(bytes.NewReader(wav)), "wav", nil
}

func main() {
	err := extsdk.Serve(context.Background(), extsdk.Options{
		Root:    &extsdk.Ref{URI: "hello:", Name: "Hello", Type: extsdk.RefDirectory},
		Backend: library{},
		OnStart: func(ctx context.Context, x *extsdk.Extension) {
			greeting := x.Settings["greeting"]
			if greeting == "" {
				greeting = "hello"
			}
			x.Log("info", fmt.Sprintf("%s: version %s started with scopes %v", greeting, x.Version, x.Scopes))
		},
		OnEvent: func(ctx context.Context, x *extsdk.Extension, e extsdk.Event) {
			x.Log("info", "event "+e.Name+": "+string(e.Payload))
			if e.Name == "track_playback_started" {
				_ = x.Publish(ctx, "greeted", map[string]string{"greeting": "hello"})
			}
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}
