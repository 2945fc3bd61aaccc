// Package scan fills the library database from the music folder: it walks
// the folder through os.Root, reads the tags of new and changed files in
// parallel, and removes tracks whose files are gone.
package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/backend/local/tags"
	"github.com/tonearm/tonearm/internal/safepath"
)

// DefaultExtensions are the file extensions scanned when Options.Extensions
// is empty.
func DefaultExtensions() []string {
	return []string{".mp3", ".flac", ".ogg", ".oga", ".opus", ".wav", ".wave", ".m4a", ".m4b", ".mp4", ".aac", ".aif", ".aiff", ".wv", ".ape", ".mpc", ".wma"}
}

// Defaults for the bounds in Options.
const (
	DefaultMaxDepth = 64
	DefaultMaxFiles = 2_000_000
	batchSize       = 256
	progressEvery   = 5 * time.Second
)

// ErrBusy is returned when a scan is asked for while another one runs.
var ErrBusy = errors.New("a library scan is already running")

// Options configures a Scanner.
type Options struct {
	Root   *safepath.Root
	Store  *store.Store
	Reader *tags.Reader
	// Workers is how many files are read at once; 0 means runtime.NumCPU().
	Workers int
	// FollowSymlinks follows relative symlinks that stay inside the music
	// folder ([local] scan_follow_symlinks).
	FollowSymlinks bool
	// Extensions lists the extensions to scan, with the dot; empty means
	// DefaultExtensions.
	Extensions []string
	// ExcludedExtensions lists extensions never scanned, with the dot
	// ([local] excluded_file_extensions).
	ExcludedExtensions []string
	// MaxDepth bounds folder nesting; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxFiles bounds the files one scan indexes; 0 means DefaultMaxFiles.
	MaxFiles int
	// Progress receives a progress bar when it is a terminal. Otherwise
	// progress goes to Logger every few seconds.
	Progress io.Writer
	Logger   *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Scanner runs scans. Only one scan runs at a time.
type Scanner struct {
	root           *safepath.Root
	store          *store.Store
	reader         *tags.Reader
	workers        int
	followSymlinks bool
	extensions     map[string]bool
	excluded       map[string]bool
	maxDepth       int
	maxFiles       int
	progress       io.Writer
	log            *slog.Logger
	now            func() time.Time
	running        chan struct{}
}

// New checks opts and returns a Scanner.
func New(opts Options) (*Scanner, error) {
	if opts.Root == nil || opts.Store == nil || opts.Reader == nil {
		return nil, errors.New("new scanner: Root, Store and Reader are required")
	}
	s := &Scanner{
		root:           opts.Root,
		store:          opts.Store,
		reader:         opts.Reader,
		workers:        opts.Workers,
		followSymlinks: opts.FollowSymlinks,
		extensions:     extSet(opts.Extensions),
		excluded:       extSet(opts.ExcludedExtensions),
		maxDepth:       opts.MaxDepth,
		maxFiles:       opts.MaxFiles,
		progress:       opts.Progress,
		log:            opts.Logger,
		now:            opts.Now,
		running:        make(chan struct{}, 1),
	}
	if len(s.extensions) == 0 {
		s.extensions = extSet(DefaultExtensions())
	}
	if s.workers <= 0 {
		s.workers = runtime.NumCPU()
	}
	if s.maxDepth <= 0 {
		s.maxDepth = DefaultMaxDepth
	}
	if s.maxFiles <= 0 {
		s.maxFiles = DefaultMaxFiles
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

func extSet(exts []string) map[string]bool {
	set := make(map[string]bool, len(exts))
	for _, e := range exts {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if !strings.HasPrefix(e, ".") {
			e = "." + e
		}
		set[e] = true
	}
	return set
}

// Summary counts what a scan did.
type Summary struct {
	Scanned  int // audio files found
	Added    int
	Updated  int
	Removed  int
	Failed   int // files whose tags could not be read, not indexed
	Skipped  int // symlinks and files that are not audio or are excluded
	Duration time.Duration
}

// Request selects what a scan covers.
type Request struct {
	// Force reads every file again, even when its size and modification
	// time are unchanged.
	Force bool
	// Under limits the scan to a folder relative to the music folder; ""
	// scans everything.
	Under string
}

// Running reports whether a scan is in progress.
func (s *Scanner) Running() bool { return len(s.running) > 0 }

// Scan brings the database in line with the music folder and logs one
// summary line. It returns ErrBusy when another scan is running.
func (s *Scanner) Scan(ctx context.Context, req Request) (Summary, error) {
	select {
	case s.running <- struct{}{}:
		defer func() { <-s.running }()
	default:
		return Summary{}, ErrBusy
	}
	under, err := safepath.Clean(req.Under)
	if err != nil {
		return Summary{}, fmt.Errorf("scan %q: %w", req.Under, err)
	}
	start := time.Now()
	s.log.Info("library scan started", "music_dir", s.root.Dir(), "under", under, "force", req.Force, "workers", s.workers)

	stamps, err := s.store.Stamps(ctx)
	if err != nil {
		return Summary{}, err
	}
	found, err := s.walk(ctx, under)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Scanned: len(found.files), Skipped: found.skipped}

	var todo []file
	seen := make(map[string]bool, len(found.files))
	for _, f := range found.files {
		seen[f.rel] = true
		old, ok := stamps[f.rel]
		if ok && !req.Force && !old.Stale && old.Size == f.size && old.MTime == f.mtime {
			continue
		}
		todo = append(todo, f)
	}
	var gone []string
	for p := range stamps {
		if !seen[p] && within(under, p) && !belowAny(found.incomplete, p) {
			gone = append(gone, p)
		}
	}

	if err := s.index(ctx, todo, stamps, gone, &sum); err != nil {
		return sum, err
	}
	sum.Duration = time.Since(start)
	s.log.Info("library scan finished", "scanned", sum.Scanned, "added", sum.Added, "updated", sum.Updated,
		"removed", sum.Removed, "failed", sum.Failed, "skipped", sum.Skipped,
		"seconds", fmt.Sprintf("%.2f", sum.Duration.Seconds()))
	return sum, nil
}

type result struct {
	track store.Track
	err   error
}

// index reads the files in todo with the worker pool and writes them, and
// the removals in gone, in batches.
func (s *Scanner) index(ctx context.Context, todo []file, stamps map[string]store.Stamp, gone []string, sum *Summary) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan file)
	results := make(chan result, s.workers*2)
	var wg sync.WaitGroup
	for range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				select {
				case results <- s.read(f):
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, f := range todo {
			select {
			case jobs <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	prog := s.newProgress(len(todo))
	defer prog.finish()
	w := &batchWriter{s: s, ctx: ctx}
	defer w.abort()
	for r := range results {
		prog.add()
		if r.err != nil {
			// NOTE: a failed file gets no row, so every scan reads it again.
			sum.Failed++
			s.log.Warn("file not indexed: cannot read its tags", "path", r.track.Path, "err", r.err)
			continue
		}
		if _, ok := stamps[r.track.Path]; ok {
			sum.Updated++
		} else {
			sum.Added++
		}
		if err := w.put(&r.track); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("library scan: %w", err)
	}
	for _, p := range gone {
		if err := w.remove(p); err != nil {
			return err
		}
		sum.Removed++
		s.log.Debug("track removed: file is gone", "path", p)
	}
	if err := w.commit(); err != nil {
		return err
	}
	if sum.Updated == 0 && sum.Removed == 0 {
		return nil // nothing can have become unused
	}
	return s.store.Prune(ctx)
}

// read reads one file's tags; a file without a title is named after its
// file name.
func (s *Scanner) read(f file) result {
	info, err := s.reader.Read(f.abs)
	now := s.now().UnixMilli()
	t := store.Track{Path: f.rel, Size: f.size, MTime: f.mtime, AddedMS: now, ModifiedMS: now, Info: info}
	if err != nil {
		return result{track: t, err: err}
	}
	if t.Title == "" {
		base := path.Base(f.rel)
		t.Title = tags.Clean(strings.TrimSuffix(base, path.Ext(base)))
	}
	return result{track: t}
}

// batchWriter groups writes into transactions of batchSize changes.
type batchWriter struct {
	s     *Scanner
	ctx   context.Context
	batch *store.Batch
	n     int
}

func (w *batchWriter) open() error {
	if w.batch != nil {
		return nil
	}
	b, err := w.s.store.Begin(w.ctx)
	if err != nil {
		return err
	}
	w.batch = b
	return nil
}

func (w *batchWriter) put(t *store.Track) error {
	if err := w.open(); err != nil {
		return err
	}
	if err := w.batch.Put(t); err != nil {
		return err
	}
	return w.step()
}

func (w *batchWriter) remove(p string) error {
	if err := w.open(); err != nil {
		return err
	}
	if err := w.batch.Delete(p); err != nil {
		return err
	}
	return w.step()
}

func (w *batchWriter) step() error {
	w.n++
	if w.n < batchSize {
		return nil
	}
	return w.commit()
}

func (w *batchWriter) commit() error {
	if w.batch == nil {
		return nil
	}
	err := w.batch.Commit()
	w.batch, w.n = nil, 0
	return err
}

func (w *batchWriter) abort() {
	if w.batch != nil {
		w.batch.Rollback()
		w.batch = nil
	}
}

// progress shows a bar on a terminal and log lines elsewhere.
type progress struct {
	bar   *progressbar.ProgressBar
	log   *slog.Logger
	total int
	done  int
	last  time.Time
}

func (s *Scanner) newProgress(total int) *progress {
	p := &progress{log: s.log, total: total, last: time.Now()}
	if f, ok := s.progress.(*os.File); ok && total > 0 && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription("scanning"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish())
	}
	return p
}

func (p *progress) add() {
	p.done++
	if p.bar != nil {
		p.bar.Add(1)
		return
	}
	if time.Since(p.last) >= progressEvery {
		p.last = time.Now()
		p.log.Info("library scan progress", "read", p.done, "of", p.total)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

func within(dir, p string) bool {
	return dir == "" || p == dir || strings.HasPrefix(p, dir+"/")
}

func belowAny(dirs []string, p string) bool {
	for _, d := range dirs {
		if within(d, p) {
			return true
		}
	}
	return false
}
