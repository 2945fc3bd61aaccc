package audiotest_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/audiotest"
)

// Example plays two sources gaplessly on a manual clock, replying to
// EventAboutToFinish as core does.
func Example() {
	p := audiotest.New(audiotest.Options{
		Manual:      true,
		TrackLength: func(uri string) time.Duration { return 10 * time.Second },
	})
	defer p.Close()
	src := func(uri string) audio.Source {
		return audio.Source{URI: uri, Open: func(context.Context, func(string)) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader("bytes")), nil
		}}
	}
	go func() {
		for ev := range p.Events() {
			if ev.Type == audio.EventAboutToFinish && ev.URI == "a" {
				next := src("b")
				p.SetNext(&next)
			}
		}
	}()
	p.Play(context.Background(), src("a"), 0)
	p.Finish() // a ends, b starts without a gap
	fmt.Println(p.Played(), p.Current(), p.Position())
	// Output: [a b] b 0s
}
