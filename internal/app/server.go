package app

import (
	"context"
	"fmt"

	"github.com/tonearm/tonearm/internal/fsutil"
	"github.com/tonearm/tonearm/internal/secrets"
)

// prepareDirs creates the data and cache folders with mode 0700 and
// rejects them when other users may read anything inside, as ssh does.
func (r *runner) prepareDirs() error {
	for _, dir := range []string{r.cfg.Core.DataDir, r.cfg.Core.CacheDir} {
		if err := fsutil.MkdirPrivate(dir); err != nil {
			return err
		}
		if err := checkPrivateTree(dir); err != nil {
			return err
		}
	}
	return nil
}

// env returns what the wiring functions build from.
func (r *runner) env() (Env, error) {
	store, err := secrets.Open(secrets.Options{Dir: r.cfg.Core.ConfigDir,
		Logger: r.log.With("component", "secrets")})
	if err != nil {
		return Env{}, err
	}
	return Env{Config: r.cfg, Logger: r.log, Secrets: store}, nil
}

// runServer runs until ctx is cancelled.
func (r *runner) runServer(ctx context.Context) error {
	if err := r.prepareDirs(); err != nil {
		return err
	}
	env, err := r.env()
	if err != nil {
		return err
	}
	r.log.Info("starting tonearm", "version", Version, "config_files", r.cfg.Files,
		"data_dir", r.cfg.Core.DataDir)
	defer r.tuneGC()()
	comps, err := r.opts.Wiring.Components(ctx, env)
	if err != nil {
		return fmt.Errorf("build components: %w", err)
	}
	if err := serve(ctx, r.log.With("component", "app"), comps); err != nil {
		return err
	}
	r.log.Info("tonearm stopped")
	return nil
}

func (r *runner) openScanner(ctx context.Context) (LibraryScanner, error) {
	if err := r.prepareDirs(); err != nil {
		return nil, err
	}
	env, err := r.env()
	if err != nil {
		return nil, err
	}
	return r.opts.Wiring.NewScanner(ctx, env)
}

func (r *runner) runLocalScan(ctx context.Context) error {
	sc, err := r.openScanner(ctx)
	if err != nil {
		return err
	}
	defer sc.Close()
	sum, err := sc.Scan(ctx, r.inv.force)
	if err != nil {
		return fmt.Errorf("scan %s: %w", r.cfg.Local.MediaDir, err)
	}
	fmt.Fprintf(r.opts.Stdout, "scanned %d files in %s: %d added, %d updated, %d removed, "+
		"%d failed, %d skipped\n", sum.Scanned, sum.Duration.Round(1e6), sum.Added, sum.Updated,
		sum.Removed, sum.Failed, sum.Skipped)
	return nil
}

func (r *runner) runLocalClear(ctx context.Context) error {
	sc, err := r.openScanner(ctx)
	if err != nil {
		return err
	}
	defer sc.Close()
	if err := sc.Clear(ctx); err != nil {
		return fmt.Errorf("clear the library: %w", err)
	}
	fmt.Fprintln(r.opts.Stdout, "library cleared")
	return nil
}

// tuneGC keeps the heap goal at defaultHeapFloor or more while the server
// runs, unless the environment sets GOGC, which the Go runtime then
// applies as usual. It returns the function that ends the floor.
func (r *runner) tuneGC() (stop func()) {
	if value, ok := r.opts.LookupEnv("GOGC"); ok {
		r.log.Info("garbage collector tuned by the environment", "component", "app", "GOGC", value)
		return func() {}
	}
	r.log.Debug("garbage collector heap floor set", "component", "app", "floor_mib", defaultHeapFloor>>20)
	return startHeapFloor(defaultHeapFloor)
}
