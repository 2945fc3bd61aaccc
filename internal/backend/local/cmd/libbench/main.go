// Command libbench measures the local library: it writes a tagged test
// library, scans it as `tonearm local scan` does and reports the time and
// peak resident memory, and times searches over synthetic rows.
// scripts/bench-library.sh runs it next to MPD.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/tonearm/tonearm/internal/backend/local"
	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/backend/local/testlib"
	"github.com/tonearm/tonearm/internal/backend/local/testlib/synthetic"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/safepath"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: libbench gen|scan|search [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(ctx, os.Args[2:])
	case "scan":
		err = scanCmd(ctx, os.Args[2:])
	case "search":
		err = searchCmd(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q; use gen, scan or search", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "libbench:", err)
		os.Exit(1)
	}
}

func gen(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	dir := fs.String("dir", "", "folder to write the library into")
	n := fs.Int("n", 10000, "number of tracks")
	seed := fs.Int64("seed", 1, "random seed for names")
	fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("set -dir")
	}
	work, err := os.MkdirTemp("", "libbench-templates-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	g, err := testlib.NewGenerator(ctx, work)
	if err != nil {
		return err
	}
	return g.Library(ctx, *dir, *n, *seed)
}

// peakRSSKiB returns the process's peak resident set size in KiB.
func peakRSSKiB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Maxrss
}

func scanCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("scan", flag.ExitOnError)
	music := fs.String("music", "", "music folder")
	data := fs.String("data", "", "data folder for library.db")
	force := fs.Bool("force", false, "read every file again")
	workers := fs.Int("workers", 0, "files read at once; 0 means one per CPU")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	fs.Parse(args)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	lib, err := local.Open(ctx, local.Config{MediaDir: *music, DataDir: *data, Workers: *workers, Logger: log,
		TempDir: filepath.Join(*data, "tmp")})
	if err != nil {
		return err
	}
	defer lib.Close()

	start := time.Now()
	sum, err := lib.Scan(ctx, *force)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"seconds": time.Since(start).Seconds(), "scanned": sum.Scanned, "added": sum.Added,
		"updated": sum.Updated, "removed": sum.Removed, "failed": sum.Failed, "peak_rss_kib": peakRSSKiB(),
	})
}

func searchCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("search", flag.ExitOnError)
	n := fs.Int("n", 100000, "synthetic tracks to insert")
	queries := fs.Int("queries", 200, "searches to time per selective kind; broad kinds run a tenth as many")
	data := fs.String("data", "", "data folder for the database")
	maxResults := fs.Int("max-results", local.DefaultMaxSearchResults, "most tracks one search returns, as [local] max_search_results")
	fs.Parse(args)
	if *data == "" {
		return fmt.Errorf("set -data")
	}
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(*data, "search.db")})
	if err != nil {
		return err
	}
	start := time.Now()
	if err := synthetic.Fill(ctx, st, *n); err != nil {
		return err
	}
	fill := time.Since(start)
	root, err := safepath.OpenRoot(*data)
	if err != nil {
		return err
	}
	defer root.Close()
	lib, err := local.New(local.Options{Root: root, Store: st, MaxSearchResults: *maxResults})
	if err != nil {
		return err
	}
	defer st.Close()

	kinds := map[string]func(i int) (models.Query, bool){
		"any_word_title_number": func(i int) (models.Query, bool) {
			return models.Query{"any": {fmt.Sprintf("%s %d", synthetic.Words[i%len(synthetic.Words)], i%100000)}}, false
		},
		"broad_any_word": func(i int) (models.Query, bool) {
			return models.Query{"any": {synthetic.Words[i%len(synthetic.Words)]}}, false
		},
		"artist_title": func(i int) (models.Query, bool) {
			return models.Query{"artist": {fmt.Sprintf("artist %d", i%1000)}, "track_name": {synthetic.Words[i%len(synthetic.Words)]}}, false
		},
		"broad_prefix": func(i int) (models.Query, bool) {
			return models.Query{"any": {synthetic.Words[i%len(synthetic.Words)][:3]}}, false
		},
		"exact_album": func(i int) (models.Query, bool) {
			return models.Query{"album": {fmt.Sprintf("Album %d", i%10000)}}, true
		},
	}

	out := map[string]any{"tracks": *n, "fill_seconds": fill.Seconds(), "max_results": *maxResults}
	for name, q := range kinds {
		var lat []time.Duration
		results := 0
		count := *queries
		if name == "broad_any_word" || name == "broad_prefix" {
			count = max(1, count/10)
		}
		for i := range count {
			query, exact := q(i * 7919)
			t0 := time.Now()
			res, err := lib.Search(ctx, query, nil, exact)
			if err != nil {
				return err
			}
			lat = append(lat, time.Since(t0))
			results += len(res.Tracks)
		}
		slices.Sort(lat)
		out[name+"_median_ms"] = float64(lat[len(lat)/2].Microseconds()) / 1000
		out[name+"_p95_ms"] = float64(lat[len(lat)*95/100].Microseconds()) / 1000
		out[name+"_mean_results"] = results / count
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
