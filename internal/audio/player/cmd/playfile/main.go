// Command playfile plays audio files back to back through the gapless
// player, for trying outputs by hand and for scripts/bench-playback.sh.
//
//	playfile [-output SPEC] [-listen ADDR] [-volume N] [-replaygain MODE] FILE...
//
// With an http output, -listen serves the stream at /stream, /stream.opus
// and /stream.flac on ADDR.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/audio/player"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "playfile:", err)
		os.Exit(1)
	}
}

func run() error {
	outSpec := flag.String("output", "auto", "outputs, as the [audio] output setting writes them")
	listen := flag.String("listen", "127.0.0.1:0", "address for the HTTP stream when an http output is listed")
	volume := flag.Int("volume", 100, "software volume, 0 to 100")
	rgMode := flag.String("replaygain", "off", "ReplayGain mode: off, track or album")
	verbose := flag.Bool("v", false, "log at debug level")
	flag.Parse()
	if flag.NArg() == 0 {
		return errors.New("no files given: playfile [flags] FILE...")
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	specs, err := output.Parse(*outSpec)
	if err != nil {
		return err
	}
	mode, err := player.ParseReplayGainMode(*rgMode)
	if err != nil {
		return err
	}
	set, err := output.Build(specs, output.Options{Logger: log})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if set.HTTP != nil {
		if err := serve(ctx, *listen, set.HTTP); err != nil {
			return err
		}
	}
	p, err := player.New(player.Options{Outputs: set.Outputs, ReplayGain: mode, Volume: volume, Logger: log})
	if err != nil {
		return err
	}
	defer p.Close()
	return playAll(ctx, p, flag.Args())
}

// serve starts the HTTP stream on addr and prints its URL.
func serve(ctx context.Context, addr string, stream http.Handler) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: stream, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	context.AfterFunc(ctx, func() { _ = srv.Close() })
	fmt.Printf("stream at http://%s/stream.opus and /stream.flac\n", l.Addr())
	return nil
}

func source(path string) audio.Source {
	return audio.Source{
		URI:    "file://" + path,
		Format: strings.TrimPrefix(filepath.Ext(path), "."),
		Open: func(context.Context, func(string)) (io.ReadCloser, error) {
			return os.Open(path)
		},
	}
}

// playAll plays paths gaplessly and returns at the end of the last one.
func playAll(ctx context.Context, p *player.Player, paths []string) error {
	if err := p.Play(ctx, source(paths[0]), 0); err != nil {
		return err
	}
	rest := paths[1:]
	started := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-p.Events():
			switch ev.Type {
			case audio.EventStarted:
				started = true
			case audio.EventAboutToFinish:
				if len(rest) == 0 {
					p.SetNext(nil)
					continue
				}
				next := source(rest[0])
				rest = rest[1:]
				p.SetNext(&next)
			case audio.EventError:
				fmt.Fprintf(os.Stderr, "playfile: %s: %v\n", ev.URI, ev.Err)
				if started {
					continue
				}
				// Play itself failed, so no event follows: go on by hand.
				if len(rest) == 0 {
					return errors.New("no file could be played")
				}
				if err := p.Play(ctx, source(rest[0]), 0); err != nil {
					return err
				}
				rest = rest[1:]
			case audio.EventEndOfStream:
				return nil
			}
		}
	}
}
