package mpd

import (
	"strings"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// parseFilter parses the filter arguments of a database or queue command.
func parseFilter(args []string, fold bool) (*protocol.Filter, error) {
	return protocol.ParseFilter(args, fold)
}

// filterBase returns the folder of the first "base" condition that every
// match of f must satisfy. MPD 0.23.12 checks that this folder exists and
// ignores a base below a NOT, which is no folder that matches are in.
func filterBase(f *protocol.Filter) (string, bool) {
	switch f.Kind {
	case protocol.KindBase:
		return f.Value, true
	case protocol.KindAnd:
		for _, c := range f.Children {
			if base, ok := filterBase(c); ok {
				return base, true
			}
		}
	}
	return "", false
}

// pathExists reports whether base is the root ("" or "/", as MPD 0.23.12
// looks both up), one of paths or a folder with one of paths below it.
// The library holds folders only as parts of song paths, so an empty
// folder is missing.
func pathExists(paths []string, base string) bool {
	if base == "" || base == "/" {
		return true
	}
	for _, p := range paths {
		if p == base || strings.HasPrefix(p, base+"/") {
			return true
		}
	}
	return false
}
