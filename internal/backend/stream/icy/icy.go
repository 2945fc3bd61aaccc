// Package icy reads the in-band metadata of SHOUTcast and Icecast streams
// (the ICY protocol): when a client sends "Icy-MetaData: 1", the server
// puts a metadata block after every icy-metaint bytes of audio. Reader
// removes these blocks from the audio and reports each StreamTitle.
package icy

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxMetaInt is the largest icy-metaint accepted. Servers use 8192 or
// 16000; a larger value is more likely an error than a real interval.
const MaxMetaInt = 1 << 20

// MaxTitleLength is the maximum length of a reported title in bytes.
const MaxTitleLength = 1024

// A metadata block's length byte counts units of 16 bytes, so a block is
// at most 255*16 = 4080 bytes long.
const maxBlockSize = 255 * 16

// Reader passes on the audio bytes of an ICY stream and removes the
// metadata blocks from them.
type Reader struct {
	r       io.Reader
	metaint int
	left    int
	onTitle func(string)
	block   [maxBlockSize]byte
}

// NewReader returns a Reader for a stream whose response carried
// icy-metaint: metaint. onTitle, when not nil, is called from Read with
// each non-empty StreamTitle, also when it repeats the last one. A metaint
// of zero means the stream has no metadata and r is passed on as is.
func NewReader(r io.Reader, metaint int, onTitle func(title string)) (*Reader, error) {
	if metaint < 0 || metaint > MaxMetaInt {
		return nil, fmt.Errorf("invalid icy-metaint %d: must be between 0 and %d", metaint, MaxMetaInt)
	}
	return &Reader{r: r, metaint: metaint, left: metaint, onTitle: onTitle}, nil
}

// Read reads audio bytes into p, reading and parsing a metadata block
// first when one is due.
func (r *Reader) Read(p []byte) (int, error) {
	if r.metaint == 0 {
		return r.r.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if r.left == 0 {
		if err := r.readBlock(); err != nil {
			return 0, err
		}
		r.left = r.metaint
	}
	if len(p) > r.left {
		p = p[:r.left]
	}
	n, err := r.r.Read(p)
	r.left -= n
	return n, err
}

func (r *Reader) readBlock() error {
	var length [1]byte
	if _, err := io.ReadFull(r.r, length[:]); err != nil {
		return err
	}
	size := int(length[0]) * 16
	if size == 0 {
		return nil
	}
	block := r.block[:size]
	if _, err := io.ReadFull(r.r, block); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("read ICY metadata block of %d bytes: %w", size, err)
	}
	if title, ok := ParseTitle(block); ok && title != "" && r.onTitle != nil {
		r.onTitle(title)
	}
	return nil
}

// ParseTitle returns the StreamTitle of a metadata block such as
// "StreamTitle='Artist - Song';StreamUrl=”;", decoded by DecodeText. It
// returns false when the block has no StreamTitle. A title may contain
// quotes: it ends at the first "';" or else at the last quote.
func ParseTitle(block []byte) (string, bool) {
	block = bytes.TrimRight(block, "\x00")
	const key = "StreamTitle='"
	start := bytes.Index(block, []byte(key))
	if start < 0 {
		return "", false
	}
	value := block[start+len(key):]
	if end := bytes.Index(value, []byte("';")); end >= 0 {
		value = value[:end]
	} else if end := bytes.LastIndexByte(value, '\''); end >= 0 {
		value = value[:end]
	}
	return DecodeText(value), true
}

// DecodeText turns metadata bytes into clean UTF-8: bytes that are not
// valid UTF-8 are read as Latin-1 (ISO 8859-1), which many stations send;
// control characters are removed, space is trimmed and the result is cut
// to MaxTitleLength bytes.
func DecodeText(b []byte) string {
	var s string
	if utf8.Valid(b) {
		s = string(b)
	} else {
		var sb strings.Builder
		sb.Grow(len(b) * 2)
		for _, c := range b {
			sb.WriteRune(rune(c))
		}
		s = sb.String()
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > MaxTitleLength {
		n := MaxTitleLength
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	return s
}
