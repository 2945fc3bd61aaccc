package scan

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/backend/local/tags"
	"github.com/tonearm/tonearm/internal/backend/local/testlib"
	"github.com/tonearm/tonearm/internal/safepath"
)

// newBenchScanner writes n generated tracks and returns a scanner over
// them.
func newBenchScanner(b *testing.B, n int) *Scanner {
	b.Helper()
	ctx := context.Background()
	base := b.TempDir()
	music := filepath.Join(base, "music")
	gen, err := testlib.NewGenerator(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	if err := gen.Library(ctx, music, n, 1); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(base, "library.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	root, err := safepath.OpenRoot(music)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { root.Close() })
	reader, err := tags.NewReader(tags.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { reader.Close() })
	s, err := New(Options{Root: root, Store: st, Reader: reader})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkForcedScan reads 200 files per iteration, every format in turn;
// ns/op divided by 200 is the cost of one file.
func BenchmarkForcedScan(b *testing.B) {
	s := newBenchScanner(b, 200)
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Scan(ctx, Request{Force: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnchangedRescan walks 200 unchanged files per iteration.
func BenchmarkUnchangedRescan(b *testing.B) {
	s := newBenchScanner(b, 200)
	ctx := context.Background()
	if _, err := s.Scan(ctx, Request{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		sum, err := s.Scan(ctx, Request{})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Added+sum.Updated != 0 {
			b.Fatalf("unchanged rescan read files: %+v", sum)
		}
	}
}
