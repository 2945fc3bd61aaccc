package decode

import (
	"errors"
	"fmt"
	"io"

	"github.com/tonearm/tonearm/internal/audio"
)

// ErrCorrupt is wrapped by errors from a decoder that met invalid data,
// including a panic inside a third-party decoder.
var ErrCorrupt = errors.New("decode: corrupt or unsupported audio data")

// codec is one format's decoder on its own timeline, before gapless
// trimming. read and seek work in whole frames of interleaved float32.
type codec interface {
	format() audio.Format
	read(p []float32) (int, error)
	// seek moves to frame, counted on the codec's own timeline, exactly.
	seek(frame int64) error
	// frames returns the codec's length in frames, or -1 when unknown.
	frames() int64
	close() error
}

// trimmedStream is an audio.Stream over a codec that drops skip frames at
// the start and ends after length frames when length is not negative.
type trimmedStream struct {
	c       codec
	f       audio.Format
	skip    int64
	length  int64
	pos     int64
	skipped bool
	err     error
	closed  bool
}

func newTrimmedStream(c codec, skip, length int64) *trimmedStream {
	return &trimmedStream{c: c, f: c.format(), skip: skip, length: length}
}

// Format returns the sample rate and channel count of the decoded audio.
func (s *trimmedStream) Format() audio.Format { return s.f }

// encoder is implemented by codecs that know their source's encoding.
// The ffmpeg fallback does not, because ffmpeg converts the sample rate.
type encoder interface {
	encoding() audio.Encoding
}

// Encoding returns the codec of the source and its bits per sample, or
// the zero Encoding when the codec does not report them.
func (s *trimmedStream) Encoding() audio.Encoding {
	if e, ok := s.c.(encoder); ok {
		return e.encoding()
	}
	return audio.Encoding{}
}

// Frames returns the length in frames after trimming, or -1 when unknown.
func (s *trimmedStream) Frames() int64 { return s.length }

// Read fills p with whole frames and returns io.EOF at the end.
func (s *trimmedStream) Read(p []float32) (int, error) {
	if s.closed {
		return 0, errors.New("decode: read from a closed stream")
	}
	if s.err != nil {
		return 0, s.err
	}
	if !s.skipped {
		if err := s.discard(s.skip); err != nil {
			return 0, s.fail(err)
		}
		s.skipped = true
	}
	ch := int64(s.f.Channels)
	want := int64(len(p)) / ch
	if s.length >= 0 && s.pos+want > s.length {
		want = s.length - s.pos
	}
	if want <= 0 {
		return 0, io.EOF
	}
	n, err := safeRead(s.c, p[:want*ch])
	n -= n % int(ch)
	s.pos += int64(n) / ch
	if err != nil && !errors.Is(err, io.EOF) {
		return n, s.fail(err)
	}
	if n == 0 && err != nil {
		return 0, io.EOF
	}
	return n, nil
}

// discard reads and drops n frames from the codec.
func (s *trimmedStream) discard(n int64) error {
	buf := make([]float32, 4096*s.f.Channels)
	for n > 0 {
		chunk := buf
		if int64(len(chunk)/s.f.Channels) > n {
			chunk = buf[:n*int64(s.f.Channels)]
		}
		got, err := safeRead(s.c, chunk)
		n -= int64(got / s.f.Channels)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return nil
}

func (s *trimmedStream) fail(err error) error {
	s.err = err
	return err
}

// SeekFrame moves to frame, counted after trimming.
func (s *trimmedStream) SeekFrame(frame int64) error {
	if s.closed {
		return errors.New("decode: seek on a closed stream")
	}
	if frame < 0 || (s.length >= 0 && frame > s.length) {
		return fmt.Errorf("decode: seek to frame %d outside 0..%d", frame, s.length)
	}
	if err := safeSeek(s.c, frame+s.skip); err != nil {
		return err
	}
	s.skipped = true
	s.pos = frame
	s.err = nil
	return nil
}

// Close releases the codec. It is safe to call more than once.
func (s *trimmedStream) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return s.c.close()
}

// safeRead calls c.read and turns a panic in third-party decoder code into
// an error wrapping ErrCorrupt.
func safeRead(c codec, p []float32) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("%w: decoder panic: %v", ErrCorrupt, r)
		}
	}()
	return c.read(p)
}

func safeSeek(c codec, frame int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: decoder panic while seeking: %v", ErrCorrupt, r)
		}
	}()
	return c.seek(frame)
}
