// Package decode turns the bytes of an audio file into an audio.Stream of
// interleaved float32 frames. It recognises the format from magic bytes and
// decodes MP3, FLAC, Ogg Vorbis, Ogg Opus and WAV with memory-safe Go
// decoders, trimming encoder delay and padding so that every stream has the
// length of the PCM that was encoded. A native FLAC file that the Go
// decoder rejects, such as 32-bit FLAC, goes to a sandboxed flac child
// process first. Anything else (M4A with AAC or ALAC, MPEG-2.5 MP3,
// free-format MP3, Ogg FLAC, AIFF), and FLAC that flac cannot decode, goes
// to a sandboxed ffmpeg child process that reads the bytes on stdin.
//
// The fallbacks start their programs through sandbox.Command, which
// re-executes the current binary, so every program and test binary that
// decodes such formats must call sandbox.RunChildIfRequested first thing in
// main or TestMain.
package decode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/tonearm/tonearm/internal/audio"
)

// Bounds on stream parameters that every decoder enforces.
const (
	maxChannels   = 8
	minSampleRate = 1000
	maxSampleRate = 768000
)

// Options configures Open. The zero value decodes with the built-in
// decoders and falls back to ffmpeg from PATH under the default sandbox.
type Options struct {
	// FFmpeg configures the fallback decoder.
	FFmpeg FFmpegOptions
	// FLAC configures the fallback for native FLAC that the built-in
	// decoder rejects, tried before ffmpeg.
	FLAC FLACOptions
	// OnTitle, when not nil, is called each time a live source announces a
	// new stream title.
	OnTitle func(title string)
	// Logger receives decoder choices and fallback errors. Nil means
	// slog.Default().
	Logger *slog.Logger
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.Default()
	}
	return o.Logger
}

// input is an opened source with what the decoders need to know about it.
type input struct {
	// r reads the file from its first byte.
	r io.Reader
	// seeker is r as an io.ReadSeeker, or nil when the source cannot seek.
	seeker io.ReadSeeker
	// size is the file size in bytes, or -1 when unknown.
	size int64
	rc   io.ReadCloser
}

func (in *input) close() error { return in.rc.Close() }

// rewind moves a seekable input back to its first byte.
func (in *input) rewind() error {
	if in.seeker == nil {
		return audio.ErrNotSeekable
	}
	_, err := in.seeker.Seek(0, io.SeekStart)
	return err
}

// Open opens src and returns a stream of its decoded audio. The format is
// recognised from the bytes, and src.Format is used only when they are not
// recognised. The stream seeks when src.Open returns an io.Seeker.
//
// ctx bounds the opening and, for the ffmpeg fallback, the life of the child
// process: cancelling ctx kills it, so ctx must outlive the stream.
func Open(ctx context.Context, src audio.Source, opts Options) (audio.Stream, error) {
	if src.Open == nil {
		return nil, fmt.Errorf("decode: source %q has no Open function", src.URI)
	}
	rc, err := src.Open(ctx, opts.OnTitle)
	if err != nil {
		return nil, fmt.Errorf("decode: opening %q: %w", src.URI, err)
	}
	in, k, err := prepare(rc)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("decode: reading %q: %w", src.URI, err)
	}
	if src.Live {
		// A live stream must not be rewound or probed for its length.
		in.seeker = nil
		in.size = -1
	}

	log := opts.logger().With("uri", src.URI)
	if k == kindUnknown {
		k = kindFromHint(src.Format)
		if k == kindUnknown {
			k = kindOther
		}
	}

	if k == kindOpus && !opusBuiltin {
		k = kindOther
	}
	if k == kindVorbis && src.Live {
		// Ogg radio chains a new stream at each track change, which
		// oggvorbis v1.0.5 does not follow and ffmpeg does.
		k = kindOther
	}
	s, err := openKind(k, in)
	if err == nil {
		log.Debug("decoder opened", "format", k.String())
		return s, nil
	}

	builtin := k != kindOther && k != kindMP4
	// NOTE: an unseekable input that a built-in decoder rejected cannot be
	// read again from its first byte, so it gets no fallback.
	if builtin && in.rewind() != nil {
		in.close()
		return nil, fmt.Errorf("decode: %q as %s: %w", src.URI, k, err)
	}
	if k == kindFLAC {
		s, cerr := openFLACCommand(ctx, in, opts, log)
		if cerr == nil {
			log.Info("built-in decoder failed, decoding with flac", "format", k.String(), "err", err)
			return s, nil
		}
		if rerr := in.rewind(); rerr != nil {
			in.close()
			return nil, fmt.Errorf("decode: %q as %s: %w; flac fallback: %w", src.URI, k, err, cerr)
		}
		err = fmt.Errorf("%w; flac fallback: %w", err, cerr)
	}
	if builtin {
		log.Info("built-in decoder failed, trying ffmpeg", "format", k.String(), "err", err)
	}

	// A live stream never ends, so it cannot be buffered whole.
	s, ferr := openFFmpeg(ctx, in, k == kindMP4 && !src.Live, opts.FFmpeg, log)
	if ferr != nil {
		in.close()
		if builtin {
			return nil, fmt.Errorf("decode: %q as %s: %w; ffmpeg fallback: %w", src.URI, k, err, ferr)
		}
		return nil, fmt.Errorf("decode: %q: %w", src.URI, ferr)
	}
	return s, nil
}

// openKind opens the built-in decoder for k and turns a panic in
// third-party decoder code into an error wrapping ErrCorrupt.
func openKind(k kind, in *input) (s audio.Stream, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%w: decoder panic while opening %s: %v", ErrCorrupt, k, r)
		}
	}()
	return openBuiltin(k, in)
}

func openBuiltin(k kind, in *input) (audio.Stream, error) {
	var c codec
	var err error
	skip, length := int64(0), int64(-1)
	switch k {
	case kindWAV:
		c, err = openWAV(in)
	case kindFLAC:
		c, err = openFLAC(in)
	case kindVorbis:
		c, err = openVorbis(in)
	case kindOpus:
		c, skip, err = openOpus(in)
		if err == nil && c.frames() >= 0 {
			length = max(c.frames()-skip, 0)
		}
	case kindMP3:
		var trim mp3Trim
		c, trim, err = openMP3(in)
		skip, length = trim.skip, trim.length
	default:
		return nil, fmt.Errorf("%w: %s", errUnsupportedCodec, k)
	}
	if err != nil {
		return nil, err
	}
	if length < 0 {
		length = c.frames()
	}
	return newTrimmedStream(c, skip, length), nil
}

// prepare sniffs the format of rc and returns an input that reads from the
// first byte again.
func prepare(rc io.ReadCloser) (*input, kind, error) {
	in := &input{r: rc, rc: rc, size: -1}
	if rs, ok := rc.(io.ReadSeeker); ok {
		if size, err := rs.Seek(0, io.SeekEnd); err == nil {
			if _, err := rs.Seek(0, io.SeekStart); err != nil {
				return nil, kindUnknown, err
			}
			in.seeker = rs
			in.size = size
		}
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(rc, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, kindUnknown, err
	}
	head = head[:n]
	k := sniff(head)
	if tag := id3v2Size(head); tag > 0 && in.seeker != nil {
		k = sniffAt(in.seeker, tag)
	} else if tag > 0 {
		// Without seeking, an ID3v2 tag hides the format. MP3 is the
		// format that carries such tags, and go-mp3 skips them itself.
		k = kindMP3
	}
	if in.seeker != nil {
		if err := in.rewind(); err != nil {
			return nil, kindUnknown, err
		}
		return in, k, nil
	}
	in.r = io.MultiReader(bytes.NewReader(head), rc)
	return in, k, nil
}

// sniffAt sniffs the bytes at offset, as found after an ID3v2 tag.
func sniffAt(rs io.ReadSeeker, offset int64) kind {
	if _, err := rs.Seek(offset, io.SeekStart); err != nil {
		return kindUnknown
	}
	head := make([]byte, sniffLen)
	n, _ := io.ReadFull(rs, head)
	k := sniff(head[:n])
	if k == kindUnknown {
		// Some taggers pad after the tag; go-mp3 and ffmpeg resync.
		return kindMP3
	}
	return k
}
