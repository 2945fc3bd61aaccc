package mpd

import (
	"errors"
	"log/slog"
	"strings"
	"sync"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
	"github.com/tonearm/tonearm/internal/safepath"
)

// URI prefixes of the local backend. MPD clients see the path after the
// prefix, relative to the music folder.
const (
	localTrackPrefix = "local:track:"
	localDirPrefix   = "local:directory:"
	// localDirRoot is the local backend's top folder. Its plain root,
	// "local:directory", lists browse categories (artists, albums, ...)
	// as Mopidy-Local 3 does, so MPD's folder view starts one level down.
	localDirRoot = localDirPrefix
)

// streamSchemes are the URL schemes a client may add directly.
var streamSchemes = []string{"http://", "https://"}

// uriToPath maps a core URI to what MPD clients see: the path relative to
// the music folder for local tracks, the URI itself for anything else.
func uriToPath(uri string) string {
	if rest, ok := strings.CutPrefix(uri, localTrackPrefix); ok {
		if p, err := safepath.Unescape(rest); err == nil {
			return p
		}
	}
	return uri
}

// maxCachedPaths bounds the URI-to-path cache; it is emptied when full.
const maxCachedPaths = 200000

// pathCache remembers uriToPath results, because database listings decode
// every library URI on each call.
type pathCache struct {
	mu    sync.Mutex
	paths map[string]string
}

func (pc *pathCache) get(uri string) string {
	pc.mu.Lock()
	p, ok := pc.paths[uri]
	pc.mu.Unlock()
	if ok {
		return p
	}
	p = uriToPath(uri)
	pc.mu.Lock()
	if pc.paths == nil || len(pc.paths) >= maxCachedPaths {
		pc.paths = make(map[string]string)
	}
	pc.paths[uri] = p
	pc.mu.Unlock()
	return p
}

// pathToURI maps a song path or URL from a client to a core URI. It rejects
// ".." elements, absolute paths, NUL bytes and, from TCP clients, file://
// URIs, and returns errNoSuchPath for a path that is not in cleaned form. A Unix socket client may give a file:// URI, which the core still
// confines to the music folders.
func (c *conn) pathToURI(p string) (string, error) {
	if strings.Contains(p, "://") {
		lower := strings.ToLower(p)
		for _, scheme := range streamSchemes {
			if strings.HasPrefix(lower, scheme) {
				if strings.ContainsAny(p, "\x00\r\n") {
					return "", protocol.Errorf(protocol.AckArg, "Malformed URI")
				}
				return p, nil
			}
		}
		if strings.HasPrefix(lower, "file://") {
			if !c.local {
				c.logDenial(denialFileURIOverTCP, slog.LevelWarn, "MPD client rejected: file:// URI from a TCP client")
				return "", protocol.Errorf(protocol.AckPermission, "Access denied")
			}
			return p, nil
		}
		return "", protocol.Errorf(protocol.AckNoExist, "Unsupported URI scheme")
	}
	if backendURI(p) {
		return p, nil
	}
	clean, err := c.dbPath(p)
	if err != nil {
		return "", err
	}
	return localTrackPrefix + safepath.Escape(clean), nil
}

// backendURI reports whether p is a URI of a backend other than the local
// library, such as an extension's "hello:track/1", which MPD clients get
// in listings and send back unchanged, as Mopidy-MPD 3.3 accepts them.
// Core routes such a URI by its scheme, so it never reaches the file
// system.
// NOTE: a local folder whose name looks like a scheme ("abc:x/y.mp3") is
// taken for a URI; such names are rare, and lsinfo shows them as folders.
func backendURI(p string) bool {
	scheme, rest, ok := strings.Cut(p, ":")
	if !ok || rest == "" || len(scheme) < 2 || len(scheme) > 32 || strings.ContainsAny(p, "\x00\r\n") {
		return false
	}
	switch scheme {
	case "local", "file", "m3u":
		return false
	}
	for i, r := range scheme {
		letter := r >= 'a' && r <= 'z'
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return true
}

// cleanPath checks a path relative to the music folder. An absolute path
// is rejected with "Access denied", as MPD 0.23.12 rejects it from TCP
// clients. Tonearm rejects it from Unix socket clients too, which may use a
// file:// URI instead.
func (c *conn) cleanPath(p string) (string, error) {
	if strings.HasPrefix(p, "/") {
		c.log.Warn("MPD client sent an absolute path")
		return "", protocol.Errorf(protocol.AckPermission, "Access denied")
	}
	clean, err := safepath.CleanText(p)
	if err != nil {
		c.logDenial(denialUnsafePath, slog.LevelWarn, "MPD client sent an unsafe path", "err", err)
		return "", protocol.Errorf(protocol.AckNoExist, "Bad path")
	}
	return clean, nil
}

// errNoSuchPath is returned for a database path that is not in its
// cleaned form, such as "A/", "A//X", "./A" or ".". MPD 0.23.12 looks a
// database path up as written, so such a path names no song or folder.
var errNoSuchPath = errors.New("path names no song or folder")

// dbPath checks a song or folder path for a database lookup with
// cleanPath and returns errNoSuchPath when cleaning would change it.
func (c *conn) dbPath(p string) (string, error) {
	clean, err := c.cleanPath(p)
	if err != nil {
		return "", err
	}
	if clean != p {
		return "", errNoSuchPath
	}
	return clean, nil
}

// dirPathArg is dbPath for a folder argument of lsinfo, listall,
// listallinfo, add and playlistadd, which take "/" for the root as MPD
// 0.23.12 does.
func (c *conn) dirPathArg(p string) (string, error) {
	if p == "/" {
		return "", nil
	}
	return c.dbPath(p)
}

// dirURI returns the core URI of a music folder path.
func dirURI(clean string) string {
	if clean == "" {
		return localDirRoot
	}
	return localDirPrefix + safepath.Escape(clean)
}

// dirPath maps a folder URI back to its path, or returns false.
func dirPath(uri string) (string, bool) {
	if uri == localDirRoot || uri == "local:directory" {
		return "", true
	}
	rest, ok := strings.CutPrefix(uri, localDirPrefix)
	if !ok {
		return "", false
	}
	p, err := safepath.Unescape(rest)
	return p, err == nil
}
