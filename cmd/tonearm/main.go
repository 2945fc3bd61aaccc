// Command tonearm is a music server that speaks the MPD protocol and
// Mopidy's JSON-RPC API. Run `tonearm --help` for its commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tonearm/tonearm/internal/app"
	"github.com/tonearm/tonearm/internal/sandbox"
	"github.com/tonearm/tonearm/internal/server"
)

func main() {
	// A sandboxed child (ffmpeg, an extension) re-executes this binary;
	// it must apply its restrictions before anything else runs.
	sandbox.RunChildIfRequested()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], app.Options{Wiring: server.Wiring()})
	stop()
	os.Exit(code)
}
