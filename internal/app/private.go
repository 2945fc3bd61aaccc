package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// maxCheckedEntries bounds the walk of a data folder at start.
const maxCheckedEntries = 100000

// errWalkLimit ends a walk that reached maxCheckedEntries.
var errWalkLimit = errors.New("walk limit reached")

// findExposed returns the first file or folder below dir (dir included)
// that group or others may access, or "" when there is none. Symlinks are
// not followed. The walk stops after maxCheckedEntries entries.
func findExposed(dir string) (string, os.FileMode, error) {
	var found string
	var mode os.FileMode
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n++; n > maxCheckedEntries {
			return errWalkLimit
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o077 != 0 {
			found, mode = path, info.Mode().Perm()
			return fs.SkipAll
		}
		return nil
	})
	if errors.Is(err, errWalkLimit) || errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	return found, mode, err
}

// checkPrivateTree returns an error naming the first entry below dir that
// other users may access, with the command that fixes it.
func checkPrivateTree(dir string) error {
	path, mode, err := findExposed(dir)
	if err != nil {
		return fmt.Errorf("check permissions of %s: %w", dir, err)
	}
	if path != "" {
		return fmt.Errorf("%s is accessible by group or others (mode %04o); run: chmod -R go-rwx %s",
			path, mode, dir)
	}
	return nil
}
