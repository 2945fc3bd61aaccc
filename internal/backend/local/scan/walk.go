package scan

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// file is an audio file found by the walk.
type file struct {
	rel   string // relative to the music folder
	abs   string // absolute path for the tag reader, inside the music folder
	size  int64
	mtime int64
}

// walkResult is everything a walk found.
type walkResult struct {
	files []file
	// incomplete lists folders that could not be read, so tracks below
	// them must not be removed as vanished.
	incomplete []string
	skipped    int
}

type walker struct {
	s       *Scanner
	visited map[[2]uint64]bool
	res     walkResult
}

// walk lists the audio files below the folder under, through os.Root.
//
// Symlink policy: with FollowSymlinks off, every symlink is skipped. With
// it on, a relative symlink whose whole chain stays inside the music folder
// is followed, to a file or a folder. os.Root rejects every absolute
// symlink and every one that leads out of the folder; those are logged and
// skipped. Each folder is visited once (by device and inode), which stops
// loops, and the walk goes at most MaxDepth folders deep.
func (s *Scanner) walk(ctx context.Context, under string) (walkResult, error) {
	w := &walker{s: s, visited: map[[2]uint64]bool{}}
	fi, err := s.root.Stat(under)
	if err != nil {
		return walkResult{}, fmt.Errorf("scan %q: %w; check that the music folder is mounted and readable", under, err)
	}
	if !fi.IsDir() {
		return walkResult{}, fmt.Errorf("scan %q: not a folder", under)
	}
	if err := w.dir(ctx, under, fi, false, 0); err != nil {
		return walkResult{}, err
	}
	return w.res, nil
}

func (w *walker) dir(ctx context.Context, rel string, fi fs.FileInfo, viaLink bool, depth int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	log := w.s.log
	if depth > w.s.maxDepth {
		log.Warn("folder skipped: deeper than the scan limit", "path", rel, "max_depth", w.s.maxDepth)
		w.res.incomplete = append(w.res.incomplete, rel)
		return nil
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		key := [2]uint64{uint64(st.Dev), st.Ino}
		if w.visited[key] {
			log.Warn("folder skipped: already scanned through another path (symlink loop?)", "path", rel)
			return nil
		}
		w.visited[key] = true
	}
	f, err := w.s.root.Open(rel)
	if err != nil {
		log.Warn("folder skipped: cannot open it", "path", rel, "err", err)
		w.res.incomplete = append(w.res.incomplete, rel)
		return nil
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		log.Warn("folder partly skipped: cannot list it", "path", rel, "err", err)
		w.res.incomplete = append(w.res.incomplete, rel)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range entries {
		child := path.Join(rel, e.Name())
		if err := w.entry(ctx, child, e, viaLink, depth); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) entry(ctx context.Context, rel string, e fs.DirEntry, viaLink bool, depth int) error {
	log := w.s.log
	if strings.HasPrefix(e.Name(), ".") {
		return nil
	}
	var fi fs.FileInfo
	var err error
	if e.Type()&fs.ModeSymlink != 0 {
		if !w.s.followSymlinks {
			log.Debug("symlink skipped: following symlinks is off", "path", rel)
			w.res.skipped++
			return nil
		}
		fi, err = w.s.root.Stat(rel)
		if err != nil {
			log.Warn("symlink skipped: it is absolute, broken or leads outside the music folder", "path", rel, "err", err)
			w.res.skipped++
			return nil
		}
		viaLink = true
	} else {
		fi, err = w.s.root.OSRoot().Lstat(rel)
		if err != nil {
			log.Warn("file skipped: cannot stat it", "path", rel, "err", err)
			w.res.incomplete = append(w.res.incomplete, rel)
			return nil
		}
	}
	switch {
	case fi.IsDir():
		return w.dir(ctx, rel, fi, viaLink, depth+1)
	case !fi.Mode().IsRegular():
		return nil
	case !w.s.wanted(rel):
		log.Debug("file skipped: not an audio extension or excluded", "path", rel)
		w.res.skipped++
		return nil
	}
	if len(w.res.files) >= w.s.maxFiles {
		log.Warn("file skipped: the library holds the maximum number of files", "path", rel, "max_files", w.s.maxFiles)
		w.res.skipped++
		return nil
	}
	abs := filepath.Join(w.s.root.Dir(), filepath.FromSlash(rel))
	if viaLink {
		abs, err = w.s.root.Resolve(rel)
		if err != nil {
			log.Warn("file skipped: its symlinks lead outside the music folder", "path", rel, "err", err)
			w.res.skipped++
			return nil
		}
	}
	w.res.files = append(w.res.files, file{rel: rel, abs: abs, size: fi.Size(), mtime: fi.ModTime().UnixNano()})
	return nil
}

// wanted reports whether a file name has an audio extension that is not
// excluded.
func (s *Scanner) wanted(rel string) bool {
	ext := strings.ToLower(path.Ext(rel))
	if ext == "" || s.excluded[ext] {
		return false
	}
	return s.extensions[ext]
}
