package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"
)

// stopTimeout bounds how long all components together may take to stop.
const stopTimeout = 10 * time.Second

// Component is one long-lived part of the server: the mixer, the audio
// player, a backend, core or a frontend.
type Component interface {
	// Name identifies the component in logs.
	Name() string
	// Start makes the component ready, for example by opening its
	// listener, and returns; a component that needs a loop also
	// implements Runner.
	Start(ctx context.Context) error
	// Stop releases what Start took. It is called once, in reverse start
	// order, with a context that carries the stop deadline.
	Stop(ctx context.Context) error
}

// Runner is a Component with a background loop. Run returns when ctx is
// cancelled; an error from Run stops the whole server.
type Runner interface {
	Run(ctx context.Context) error
}

// serve starts comps in order, runs the Runners in one errgroup until ctx
// ends or one fails, then stops the started components in reverse order.
func serve(ctx context.Context, log *slog.Logger, comps []Component) error {
	var started []Component
	var startErr error
	for _, c := range comps {
		log.Debug("starting component", "name", c.Name())
		if err := c.Start(ctx); err != nil {
			startErr = fmt.Errorf("start %s: %w", c.Name(), err)
			break
		}
		started = append(started, c)
		log.Info("component started", "name", c.Name())
	}

	var runErr error
	if startErr == nil {
		g, gctx := errgroup.WithContext(ctx)
		for _, c := range started {
			if r, ok := c.(Runner); ok {
				g.Go(func() error {
					if err := r.Run(gctx); err != nil && !errors.Is(err, context.Canceled) {
						return fmt.Errorf("%s: %w", c.Name(), err)
					}
					return nil
				})
			}
		}
		g.Go(func() error {
			<-gctx.Done()
			return nil
		})
		runErr = g.Wait()
		log.Info("stopping", "reason", stopReason(ctx, runErr))
	}

	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
	defer cancel()
	var stopErrs []error
	for i := len(started) - 1; i >= 0; i-- {
		c := started[i]
		if err := c.Stop(stopCtx); err != nil {
			log.Error("component failed to stop", "name", c.Name(), "err", err)
			stopErrs = append(stopErrs, fmt.Errorf("stop %s: %w", c.Name(), err))
			continue
		}
		log.Info("component stopped", "name", c.Name())
	}
	return errors.Join(append([]error{startErr, runErr}, stopErrs...)...)
}

func stopReason(ctx context.Context, runErr error) string {
	if runErr != nil {
		return runErr.Error()
	}
	if ctx.Err() != nil {
		return "signal"
	}
	return "done"
}

// Funcs builds a Component from plain functions, for wiring a part whose
// own methods have other names. Nil functions do nothing.
type Funcs struct {
	ComponentName string
	StartFunc     func(ctx context.Context) error
	// RunFunc, when set, runs as the component's background loop.
	RunFunc  func(ctx context.Context) error
	StopFunc func(ctx context.Context) error
}

// Component returns f as a Component, which is also a Runner when RunFunc
// is set.
func (f Funcs) Component() Component {
	if f.RunFunc != nil {
		return funcsRunner{funcs: f}
	}
	return funcs{f}
}

type funcs struct{ f Funcs }

func (c funcs) Name() string { return c.f.ComponentName }

func (c funcs) Start(ctx context.Context) error {
	if c.f.StartFunc == nil {
		return nil
	}
	return c.f.StartFunc(ctx)
}

func (c funcs) Stop(ctx context.Context) error {
	if c.f.StopFunc == nil {
		return nil
	}
	return c.f.StopFunc(ctx)
}

type funcsRunner struct{ funcs Funcs }

func (c funcsRunner) Name() string                    { return funcs{c.funcs}.Name() }
func (c funcsRunner) Start(ctx context.Context) error { return funcs{c.funcs}.Start(ctx) }
func (c funcsRunner) Stop(ctx context.Context) error  { return funcs{c.funcs}.Stop(ctx) }
func (c funcsRunner) Run(ctx context.Context) error   { return c.funcs.RunFunc(ctx) }
