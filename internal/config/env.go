package config

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// maxUserDirsSize bounds the user-dirs.dirs file read for $XDG_MUSIC_DIR.
const maxUserDirsSize = 64 << 10

// environment provides the home folder and variables that path expansion
// reads. Its fields come from Options, so tests need neither the real home
// nor the real environment.
type environment struct {
	lookupEnv func(string) (string, bool)
	home      string
}

func (e environment) getenv(name string) string {
	v, _ := e.lookupEnv(name)
	return v
}

// xdgHome returns $VAR when it is an absolute path, else home/fallback, as
// the XDG Base Directory Specification defines.
func (e environment) xdgHome(name, fallback string) string {
	if v := e.getenv(name); filepath.IsAbs(v) {
		return v
	}
	return filepath.Join(e.home, fallback)
}

func (e environment) cacheDir() string  { return e.xdgHome("XDG_CACHE_HOME", ".cache") }
func (e environment) configDir() string { return e.xdgHome("XDG_CONFIG_HOME", ".config") }
func (e environment) dataDir() string   { return e.xdgHome("XDG_DATA_HOME", ".local/share") }

// musicDir returns $XDG_MUSIC_DIR from the environment, else from
// user-dirs.dirs in the config folder, else ~/Music.
func (e environment) musicDir() string {
	if v := e.getenv("XDG_MUSIC_DIR"); filepath.IsAbs(v) {
		return v
	}
	if v := e.userDir("XDG_MUSIC_DIR"); v != "" {
		return v
	}
	return filepath.Join(e.home, "Music")
}

// userDir reads NAME="$HOME/..." from user-dirs.dirs, as xdg-user-dirs
// writes it; a missing or malformed file gives "".
func (e environment) userDir(name string) string {
	f, err := os.Open(filepath.Join(e.configDir(), "user-dirs.dirs"))
	if err != nil {
		return ""
	}
	defer f.Close()
	data := make([]byte, maxUserDirsSize)
	n, _ := f.Read(data)
	sc := bufio.NewScanner(bytes.NewReader(data[:n]))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		value, ok := strings.CutPrefix(line, name+"=")
		if !ok {
			continue
		}
		value = strings.Trim(value, `"`)
		if rest, ok := strings.CutPrefix(value, "$HOME"); ok {
			value = e.home + rest
		}
		if filepath.IsAbs(value) {
			return filepath.Clean(value)
		}
	}
	return ""
}

// expandPath expands ~ and Mopidy's $XDG_*_DIR names, then makes the path
// absolute. An empty value stays empty.
func (e environment) expandPath(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	if strings.ContainsRune(raw, 0) {
		return "", fmt.Errorf("invalid path: contains a NUL byte")
	}
	p := raw
	for name, dir := range map[string]func() string{
		"$XDG_CACHE_DIR":  e.cacheDir,
		"$XDG_CONFIG_DIR": e.configDir,
		"$XDG_DATA_DIR":   e.dataDir,
		"$XDG_MUSIC_DIR":  e.musicDir,
	} {
		if strings.Contains(p, name) {
			p = strings.ReplaceAll(p, name, dir())
		}
	}
	if p == "~" {
		p = e.home
	} else if rest, ok := strings.CutPrefix(p, "~/"); ok {
		p = filepath.Join(e.home, rest)
	}
	if strings.HasPrefix(p, "~") {
		return "", fmt.Errorf("invalid path: ~user is not supported, write the full path")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("invalid path: %w", err)
	}
	return abs, nil
}
