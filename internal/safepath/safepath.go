// Package safepath checks paths that clients send and resolves them inside a
// root folder after symlinks, so that no URI, playlist entry or browse
// request reaches a file outside the music or playlist folders.
//
// Paths inside a root are slash-separated and relative. A path is rejected
// when it is absolute or empty where a file is expected, contains a NUL
// byte, a backslash or a ".." element, or still holds a percent-encoded
// dot, slash or backslash after decoding (double encoding). Text paths
// must be valid UTF-8; raw file names from the disk may be any bytes.
package safepath

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// ErrUnsafe is wrapped by every rejection of a client-given path.
var ErrUnsafe = errors.New("unsafe path")

// MaxLen is the longest relative path accepted, in bytes. Linux's PATH_MAX
// is 4096.
const MaxLen = 4096

// Clean checks a relative, slash-separated path and returns it cleaned:
// "" and "." both mean the root and return "". A leading "./" and repeated
// slashes are removed; anything listed in the package documentation is
// rejected with an error wrapping ErrUnsafe.
func Clean(rel string) (string, error) {
	if len(rel) > MaxLen {
		return "", fmt.Errorf("%w: path of %d bytes is longer than %d", ErrUnsafe, len(rel), MaxLen)
	}
	if strings.IndexByte(rel, 0) >= 0 {
		return "", fmt.Errorf("%w: path %q contains a NUL byte", ErrUnsafe, rel)
	}
	if strings.IndexByte(rel, '\\') >= 0 {
		return "", fmt.Errorf("%w: path %q contains a backslash", ErrUnsafe, rel)
	}
	if strings.HasPrefix(rel, "/") {
		return "", fmt.Errorf("%w: path %q is absolute; give it relative to the music folder", ErrUnsafe, rel)
	}
	if hasEncodedSeparator(rel) {
		return "", fmt.Errorf("%w: path %q contains an encoded dot, slash or backslash", ErrUnsafe, rel)
	}
	for _, elem := range strings.Split(rel, "/") {
		if elem == ".." {
			return "", fmt.Errorf("%w: path %q contains \"..\"", ErrUnsafe, rel)
		}
	}
	cleaned := path.Clean("/" + rel)[1:]
	return cleaned, nil
}

// CleanText is Clean for a path that arrived as text (a protocol argument
// or a URI), which must also be valid UTF-8.
func CleanText(rel string) (string, error) {
	if !utf8.ValidString(rel) {
		return "", fmt.Errorf("%w: path %q is not valid UTF-8", ErrUnsafe, rel)
	}
	return Clean(rel)
}

// Unescape decodes a percent-encoded relative path, as found in a
// local:track: or file: URI, and checks the result with Clean. The decoded
// path may hold any bytes, because file names on Linux may.
func Unescape(escaped string) (string, error) {
	if strings.IndexByte(escaped, 0) >= 0 {
		return "", fmt.Errorf("%w: URI path %q contains a NUL byte", ErrUnsafe, escaped)
	}
	rel, err := url.PathUnescape(escaped)
	if err != nil {
		return "", fmt.Errorf("%w: URI path %q: %w", ErrUnsafe, escaped, err)
	}
	return Clean(rel)
}

// Escape percent-encodes a relative path for a URI: every byte outside
// the unreserved set and "/" is encoded, so file names that are not valid
// UTF-8 survive the round trip through Unescape.
func Escape(rel string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(rel))
	for i := 0; i < len(rel); i++ {
		c := rel[i]
		if isUnreserved(c) || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~'
}

// hasEncodedSeparator reports whether s contains %2e, %2f or %5c in any
// case, which would become a traversal after one more decoding.
func hasEncodedSeparator(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		code := strings.ToLower(s[i+1 : i+3])
		if code == "2e" || code == "2f" || code == "5c" {
			return true
		}
	}
	return false
}

// Root is a folder that client paths are confined to. Its methods are safe
// for concurrent use.
type Root struct {
	dir  string // absolute path as configured
	real string // dir with every symlink resolved
	root *os.Root
}

// OpenRoot opens dir as a confinement root. dir must exist.
func OpenRoot(dir string) (*Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open root %q: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("open root %q: %w; check that the folder exists", dir, err)
	}
	r, err := os.OpenRoot(real)
	if err != nil {
		return nil, fmt.Errorf("open root %q: %w", dir, err)
	}
	return &Root{dir: abs, real: real, root: r}, nil
}

// Dir returns the root's absolute path with symlinks resolved.
func (r *Root) Dir() string { return r.real }

// OSRoot returns the os.Root that every open goes through.
func (r *Root) OSRoot() *os.Root { return r.root }

// Close releases the root's folder handle.
func (r *Root) Close() error { return r.root.Close() }

// Resolve checks rel with Clean, resolves every symlink on the way and
// returns the absolute path of the target, which is inside the root. A
// symlink that leads out of the root, or a target that does not exist, is
// an error.
func (r *Root) Resolve(rel string) (string, error) {
	cleaned, err := Clean(rel)
	if err != nil {
		return "", err
	}
	// os.Root.Stat follows the whole symlink chain and fails when a link is
	// absolute or leaves the root, so EvalSymlinks below only names a target
	// that is already known to be inside.
	if _, err := r.root.Stat(orDot(cleaned)); err != nil {
		return "", fmt.Errorf("resolve %q in %s: %w", cleaned, r.real, err)
	}
	real, err := filepath.EvalSymlinks(filepath.Join(r.real, filepath.FromSlash(cleaned)))
	if err != nil {
		return "", fmt.Errorf("resolve %q in %s: %w", cleaned, r.real, err)
	}
	if !Within(r.real, real) {
		return "", fmt.Errorf("%w: %q leads to %s, outside %s", ErrUnsafe, cleaned, real, r.real)
	}
	return real, nil
}

// Open checks rel with Clean and opens it for reading through os.Root.
func (r *Root) Open(rel string) (*os.File, error) {
	cleaned, err := Clean(rel)
	if err != nil {
		return nil, err
	}
	f, err := r.root.Open(orDot(cleaned))
	if err != nil {
		return nil, fmt.Errorf("open %q in %s: %w", cleaned, r.real, err)
	}
	return f, nil
}

// Stat checks rel with Clean and returns its file info, following
// symlinks that stay inside the root.
func (r *Root) Stat(rel string) (os.FileInfo, error) {
	cleaned, err := Clean(rel)
	if err != nil {
		return nil, err
	}
	fi, err := r.root.Stat(orDot(cleaned))
	if err != nil {
		return nil, fmt.Errorf("stat %q in %s: %w", cleaned, r.real, err)
	}
	return fi, nil
}

// Rel turns an absolute path into one relative to the root, or returns an
// error when it lies outside. Symlinks in abs are resolved first when the
// path exists.
func (r *Root) Rel(abs string) (string, error) {
	if strings.IndexByte(abs, 0) >= 0 {
		return "", fmt.Errorf("%w: path %q contains a NUL byte", ErrUnsafe, abs)
	}
	if !filepath.IsAbs(abs) {
		return "", fmt.Errorf("%w: path %q is not absolute", ErrUnsafe, abs)
	}
	candidate := filepath.Clean(abs)
	if !Within(r.dir, candidate) && !Within(r.real, candidate) {
		return "", fmt.Errorf("%w: %s is outside %s", ErrUnsafe, abs, r.real)
	}
	if Within(r.dir, candidate) && !Within(r.real, candidate) {
		candidate = filepath.Join(r.real, strings.TrimPrefix(candidate, r.dir))
	}
	rel, err := filepath.Rel(r.real, candidate)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrUnsafe, abs, err)
	}
	if rel == "." {
		rel = ""
	}
	rel = filepath.ToSlash(rel)
	if _, err := r.Resolve(rel); err != nil {
		return "", err
	}
	return rel, nil
}

// Within reports whether path equals dir or lies below it. Both must be
// clean absolute paths.
func Within(dir, path string) bool {
	if path == dir {
		return true
	}
	if dir == "/" {
		return strings.HasPrefix(path, "/")
	}
	return strings.HasPrefix(path, dir+string(filepath.Separator))
}

func orDot(rel string) string {
	if rel == "" {
		return "."
	}
	return rel
}
