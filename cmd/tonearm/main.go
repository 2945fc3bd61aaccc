// Command tonearm is a music server that speaks the MPD protocol and
// Mopidy's JSON-RPC API. Run `tonearm --help` for its commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tonearm/tonearm/internal/app"
)

func main() {
	// sandbox hook: the lead adds sandbox.RunChildIfRequested() here

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], app.Options{})
	stop()
	os.Exit(code)
}
