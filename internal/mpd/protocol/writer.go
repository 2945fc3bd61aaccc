package protocol

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Writer builds one response in memory. Lines end with LF alone, as MPD
// writes them. When the response would grow past its limit the Writer stops
// appending and Overflowed reports true, so the caller can close the
// connection instead of sending a truncated list.
type Writer struct {
	buf      []byte
	max      int
	overflow bool
}

// NewWriter returns a Writer that holds at most max bytes.
func NewWriter(max int) *Writer { return &Writer{max: max} }

// Bytes returns the response built so far.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the response length in bytes.
func (w *Writer) Len() int { return len(w.buf) }

// Overflowed reports whether some output was dropped because of the limit.
func (w *Writer) Overflowed() bool { return w.overflow }

// Reset empties the Writer for the next response.
func (w *Writer) Reset() {
	w.buf = w.buf[:0]
	w.overflow = false
}

// Truncate cuts the response back to n bytes, which Len returned earlier.
func (w *Writer) Truncate(n int) {
	if n < len(w.buf) {
		w.buf = w.buf[:n]
	}
}

func (w *Writer) fits(n int) bool {
	if w.overflow || len(w.buf)+n > w.max {
		w.overflow = true
		return false
	}
	return true
}

// Pair writes "key: value". Control characters in key or value become
// spaces so a value can never start a new line, and bytes that are not
// UTF-8, such as those of a file name in another encoding, become U+FFFD,
// because the protocol is UTF-8 and clients fail to decode anything else.
func (w *Writer) Pair(key, value string) {
	value = validUTF8(value)
	if !w.fits(len(key) + len(value) + 3) {
		return
	}
	w.buf = appendClean(w.buf, key)
	w.buf = append(w.buf, ':', ' ')
	w.buf = appendClean(w.buf, value)
	w.buf = append(w.buf, '\n')
}

// PairInt writes "key: n".
func (w *Writer) PairInt(key string, n int64) {
	if !w.fits(len(key) + 24) {
		return
	}
	w.buf = appendClean(w.buf, key)
	w.buf = append(w.buf, ':', ' ')
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\n')
}

// PairFloat writes "key: value" with prec digits after the point.
func (w *Writer) PairFloat(key string, value float64, prec int) {
	if !w.fits(len(key) + 3 + 24 + prec) {
		return
	}
	w.buf = appendClean(w.buf, key)
	w.buf = append(w.buf, ':', ' ')
	w.buf = strconv.AppendFloat(w.buf, value, 'f', prec, 64)
	w.buf = append(w.buf, '\n')
}

// PairTime writes "key: t" in RFC 3339 form in UTC, as MPD writes
// Last-Modified.
func (w *Writer) PairTime(key string, t time.Time) {
	if !w.fits(len(key) + 3 + len(time.RFC3339) + 16) {
		return
	}
	w.buf = appendClean(w.buf, key)
	w.buf = append(w.buf, ':', ' ')
	w.buf = t.UTC().AppendFormat(w.buf, time.RFC3339)
	w.buf = append(w.buf, '\n')
}

// Binary writes "binary: N", the N bytes of data and an LF, the form of
// albumart and readpicture chunks.
func (w *Writer) Binary(data []byte) {
	w.PairInt("binary", int64(len(data)))
	if !w.fits(len(data) + 1) {
		return
	}
	w.buf = append(w.buf, data...)
	w.buf = append(w.buf, '\n')
}

// Line writes a line such as "list_OK". Control characters in s become
// spaces and bytes that are not UTF-8 become U+FFFD.
func (w *Writer) Line(s string) {
	s = validUTF8(s)
	if !w.fits(len(s) + 1) {
		return
	}
	w.buf = appendClean(w.buf, s)
	w.buf = append(w.buf, '\n')
}

// OK writes the final "OK" of a successful response. It ignores the limit,
// because the caller checks Overflowed before sending.
func (w *Writer) OK() { w.buf = append(w.buf, "OK\n"...) }

// Ack writes an ACK line for err, which failed as command number index of a
// command list.
func (w *Writer) Ack(err error, index int, command string) {
	e := AsError(err)
	w.buf = AppendAck(w.buf, e.Code, index, command, e.Message)
}

// validUTF8 returns s with each run of bytes that are not UTF-8 replaced
// by U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// appendClean appends s with every control character replaced by a space.
func appendClean(dst []byte, s string) []byte {
	if !hasControl(s) {
		return append(dst, s...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}

// Masks for testing the 8 bytes of a word at once.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasControl reports whether s holds a control character: a byte below
// 0x20 or 0x7f. It tests 8 bytes per step: a byte b sets its high bit in
// (x - 0x20 per byte) &^ x only when b < 0x20, and in (y - 1 per byte) &^ y,
// with y = x ^ 0x7f per byte, only when b == 0x7f. The borrows between
// bytes can mark a wrong byte, but only after a byte that really matches,
// so the test of the whole word is exact.
func hasControl(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		y := x ^ (0x7f * ones)
		if ((x-0x20*ones)&^x|(y-ones)&^y)&highs != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
