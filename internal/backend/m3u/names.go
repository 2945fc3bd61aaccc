package m3u

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// URIPrefix starts every playlist URI of this backend.
const URIPrefix = "m3u:"

// MaxNameLength is the maximum length of a playlist name in bytes, which
// leaves room for the extension within the 255-byte file name limit of
// common Linux file systems.
const MaxNameLength = 200

// ErrInvalidName is wrapped by the errors for playlist names and URIs
// that this backend rejects.
var ErrInvalidName = errors.New("invalid playlist name")

// ErrExists is wrapped by the error for a name already in use.
var ErrExists = errors.New("playlist already exists")

// validateName checks a playlist name, which becomes a file name in the
// playlists folder.
func validateName(name string) error {
	reject := func(reason string) error {
		return fmt.Errorf("%w %q: %s; choose another name", ErrInvalidName, name, reason)
	}
	switch {
	case name == "":
		return reject("it is empty")
	case len(name) > MaxNameLength:
		return reject(fmt.Sprintf("it is longer than %d bytes", MaxNameLength))
	case !utf8.ValidString(name):
		return reject("it is not valid UTF-8")
	case strings.ContainsAny(name, `/\`):
		return reject(`it contains "/" or "\"`)
	case strings.HasPrefix(name, "."):
		return reject(`it starts with "." (hidden files and ".." are not playlists)`)
	case strings.TrimSpace(name) != name:
		return reject("it starts or ends with white space")
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) {
			return reject("it contains a NUL, line break or other control character")
		}
	}
	return nil
}

// isPlaylistExt reports whether ext (with the dot) is a playlist file
// extension this backend reads.
func isPlaylistExt(ext string) bool {
	return ext == ".m3u" || ext == ".m3u8"
}

// splitFileName returns the name and extension of a playlist file name,
// or an error when it is not a valid playlist file name.
func splitFileName(file string) (name, ext string, err error) {
	ext = filepath.Ext(file)
	if !isPlaylistExt(ext) {
		return "", "", fmt.Errorf("%w %q: the file must end in .m3u or .m3u8", ErrInvalidName, file)
	}
	name = strings.TrimSuffix(file, ext)
	if err := validateName(name); err != nil {
		return "", "", err
	}
	return name, ext, nil
}

// fileFromURI returns the file name in the playlists folder that uri
// names. The URI shape is Mopidy 3.4's: "m3u:" and the percent-encoded
// file name.
func fileFromURI(uri string) (string, error) {
	rest, ok := strings.CutPrefix(uri, URIPrefix)
	if !ok {
		return "", fmt.Errorf("%w: URI %q does not start with %q", ErrInvalidName, truncate(uri, 100), URIPrefix)
	}
	file, err := url.PathUnescape(rest)
	if err != nil {
		return "", fmt.Errorf("%w: URI %q has an invalid percent-encoding: %w", ErrInvalidName, truncate(uri, 100), err)
	}
	if _, _, err := splitFileName(file); err != nil {
		return "", err
	}
	return file, nil
}

// uriFromFile returns the URI of a playlist file. It percent-encodes every
// byte except letters, digits and "-._~", as Python's urllib.parse.quote
// does in Mopidy 3.4 (which also keeps "/", never found in our names).
func uriFromFile(file string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.WriteString(URIPrefix)
	for i := 0; i < len(file); i++ {
		c := file[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// truncate cuts s to at most n bytes for error messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
