package tags

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"time"
)

// nativeResult is the metadata a Go parser reads from one file, in the
// units that TagLib reports, so both paths fill Info the same way.
type nativeResult struct {
	tags       map[string][]string // upper-case Vorbis comment keys
	lengthMS   int64
	bitrate    int // kbit/s
	sampleRate int // Hz
	channels   int
	codec      string
	bits       int // bits per sample of a lossless codec, else 0
	// hasPicture is true when the file holds a picture, even one that is
	// not kept because it is larger than the cover limit.
	hasPicture bool
	cover      []byte
	coverMIME  string
}

// setLength stores the length in milliseconds and the bit rate of
// streamBytes over it, both rounded as TagLib 2.1 rounds them. TagLib keeps
// both in a C int, so a length or bit rate beyond that range returns
// errUnsupported.
func (res *nativeResult) setLength(lengthMS float64, streamBytes int64) error {
	if !(lengthMS > 0) || lengthMS >= math.MaxInt32 || streamBytes < 0 {
		return errUnsupported
	}
	bitrate := float64(streamBytes)*8/lengthMS + 0.5
	if bitrate >= math.MaxInt32 {
		return errUnsupported
	}
	res.lengthMS = int64(lengthMS + 0.5)
	res.bitrate = int(bitrate)
	return nil
}

// errUnsupported marks a file that a Go parser leaves to TagLib, such as
// a FLAC file with an ID3v1 tag or an Ogg stream that is neither Vorbis nor
// Opus.
var errUnsupported = errors.New("left to TagLib")

// readNative reads FLAC, Ogg Vorbis, Opus, MP3, WAV and M4A files with the
// Go parsers. It
// returns false for every other file and for any file those parsers
// reject, and the caller then reads it with TagLib, which decides whether
// the file is broken. A rejected file's Info holds at most its codec and
// sample size.
func (r *Reader) readNative(path string) (info Info, ok bool) {
	// The parsers check every length against their buffers, and the fuzz
	// targets look for panics. This keeps a missed case from stopping the
	// server: such a file goes to TagLib instead.
	defer func() {
		if p := recover(); p != nil {
			info, ok = Info{}, false
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return Info{}, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return Info{}, false
	}
	res, err := parseNative(f, fi.Size(), r.maxCover)
	if err != nil || (res.sampleRate == 0 && res.lengthMS == 0) {
		// A parser may have named the codec before it gave up.
		return Info{Codec: res.codec, BitsPerSample: res.bits}, false
	}
	info = fromTags(res.tags)
	info.Length = time.Duration(res.lengthMS) * time.Millisecond
	info.Bitrate = res.bitrate * 1000
	info.SampleRate = res.sampleRate
	info.Channels = res.channels
	info.Codec = res.codec
	info.BitsPerSample = res.bits
	if len(res.cover) > 0 && len(res.cover) <= r.maxCover {
		info.Cover = res.cover
		info.CoverMIME = CoverMIME(res.coverMIME, res.cover)
	}
	return info, true
}

// parseNative picks the parser by the file's first bytes, as TagLib does
// for files whose extension it does not know.
func parseNative(r io.ReaderAt, size int64, maxCover int) (nativeResult, error) {
	var magic [8]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nativeResult{}, err
	}
	switch {
	case string(magic[:4]) == "fLaC":
		return parseFLAC(r, size, maxCover)
	case string(magic[:4]) == "OggS":
		return parseOgg(r, size, maxCover)
	case string(magic[:4]) == "RIFF":
		return parseWAV(r, size, maxCover)
	case string(magic[4:8]) == "ftyp":
		return parseMP4(r, size, maxCover)
	case string(magic[:3]) == "ID3", magic[0] == 0xff && magic[1]&0xe6 == 0xe2:
		return parseMP3(r, size, maxCover)
	}
	return nativeResult{}, errUnsupported
}

// readAt reads n bytes at off into a new buffer, after checking that they
// lie inside a file of size bytes.
func readAt(r io.ReaderAt, off, n, size int64) ([]byte, error) {
	if off < 0 || n < 0 || off > size || n > size-off {
		return nil, io.ErrUnexpectedEOF
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, off); err != nil {
		return nil, err
	}
	return buf, nil
}

// byteReader walks a buffer and fails, instead of panicking, when a length
// field points past its end.
type byteReader struct {
	buf []byte
	err error
}

func (b *byteReader) bytes(n uint64) []byte {
	if b.err != nil {
		return nil
	}
	if n > uint64(len(b.buf)) {
		b.err = io.ErrUnexpectedEOF
		return nil
	}
	out := b.buf[:n]
	b.buf = b.buf[n:]
	return out
}

func (b *byteReader) uint32LE() uint32 {
	p := b.bytes(4)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(p)
}

func (b *byteReader) uint32BE() uint32 {
	p := b.bytes(4)
	if p == nil {
		return 0
	}
	return binary.BigEndian.Uint32(p)
}
