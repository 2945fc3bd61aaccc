package netguard

import (
	"errors"
	"fmt"
	"io"
	"net/url"
)

// ErrTooLarge is wrapped by the error a LimitReader returns past its limit.
var ErrTooLarge = errors.New("response body too large")

// LimitReader returns a reader that reads from r and fails with an error
// wrapping ErrTooLarge once more than limit bytes arrive. Unlike
// io.LimitReader it reports a cut body as an error, not as a clean end.
func LimitReader(r io.Reader, limit int64) io.Reader {
	return &limitedReader{r: r, left: limit, limit: limit}
}

type limitedReader struct {
	r     io.Reader
	left  int64
	limit int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, l.limit)
	}
	// Read one byte past the limit, so a body of exactly limit bytes passes.
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n + int(l.left), fmt.Errorf("%w: more than %d bytes", ErrTooLarge, l.limit)
	}
	return n, err
}

// ReadAll reads r to its end and fails with an error wrapping ErrTooLarge
// when it holds more than limit bytes.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	return io.ReadAll(LimitReader(r, limit))
}

// Redact returns rawURL without its user information, query and fragment,
// for logs and error messages.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(invalid URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}
