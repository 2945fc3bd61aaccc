package decode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"

	"github.com/tonearm/tonearm/internal/audio"
)

// FLACOptions configures the flac fallback decoder. It runs the reference
// FLAC decoder (Debian's flac, 1.4 or later) as a sandboxed child for
// native FLAC files that the built-in decoder rejects, such as 32-bit FLAC:
// github.com/mewkiz/flac v1.0.14 rejects its frames, and ffmpeg 5.1 (Debian
// 12) finds no frames in it. The child runs under the memory, CPU and
// Landlock settings of FFmpegOptions. When it is disabled, missing or fails
// to start, such files go to ffmpeg.
type FLACOptions struct {
	// Path is the flac binary. Empty means "flac" looked up in PATH.
	Path string
	// Disable turns this fallback off.
	Disable bool
}

// resolve returns the absolute path of the flac binary.
func (o FLACOptions) resolve() (string, error) {
	name := o.Path
	if name == "" {
		name = "flac"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("decode: flac not found (%w): install the Debian package flac", err)
	}
	return filepath.Abs(path)
}

// flacCommandCodec decodes FLAC with one flac child at a time, which writes
// a WAV file on its standard output that wavCodec decodes. A seek starts a
// new child on the rewound input and discards frames up to the target,
// because flac 1.4.2 cannot skip in a pipe.
type flacCommandCodec struct {
	ctx    context.Context
	in     *input
	path   string
	limits childLimits
	log    *slog.Logger
	run    *childRun
	wav    codec
	f      audio.Format
	total  int64
	drop   int64 // frames still to discard after a seek
}

// openFLACCommand starts the flac fallback on in, read from its first byte.
func openFLACCommand(ctx context.Context, in *input, opts Options, log *slog.Logger) (audio.Stream, error) {
	if opts.FLAC.Disable {
		return nil, errors.New("decode: the flac fallback is disabled")
	}
	path, err := opts.FLAC.resolve()
	if err != nil {
		return nil, err
	}
	c := &flacCommandCodec{ctx: ctx, in: in, path: path, limits: opts.FFmpeg.withDefaults().limits(), log: log.With("flac", path)}
	if err := c.start(); err != nil {
		return nil, err
	}
	c.f, c.total = c.wav.format(), c.wav.frames()
	c.log.Debug("flac fallback started", "rate", c.f.SampleRate, "channels", c.f.Channels, "frames", c.total)
	return newTrimmedStream(c, 0, c.total), nil
}

// start starts a flac child on the input and reads the header of its WAV
// output.
func (c *flacCommandCodec) start() error {
	args := []string{"--decode", "--stdout", "--silent", "-"}
	r, err := startChild(c.ctx, childPolicy(c.path, c.limits), c.path, args, nil, c.in.r)
	if err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	c.run = r
	w, err := openWAV(&input{r: r.stdout, size: -1})
	if err == nil && c.wav != nil && (w.format() != c.f || w.frames() != c.total) {
		err = fmt.Errorf("output of %d frames as %+v after a seek, was %d as %+v", w.frames(), w.format(), c.total, c.f)
	}
	if err != nil {
		// The input must be idle before the caller rewinds it.
		r.kill()
		r.waitCopied()
		c.run = nil
		if werr := r.wait(); werr != nil {
			err = fmt.Errorf("%w (%w)", err, werr)
		}
		return fmt.Errorf("decode: flac: %w", err)
	}
	c.wav = w
	return nil
}

func (c *flacCommandCodec) format() audio.Format { return c.f }
func (c *flacCommandCodec) frames() int64        { return c.total }

// encoding returns the bits per sample of the WAV that flac writes, which
// are those of the FLAC stream.
func (c *flacCommandCodec) encoding() audio.Encoding {
	if w, ok := c.wav.(encoder); ok {
		return audio.Encoding{Codec: audio.CodecFLAC, Bits: w.encoding().Bits}
	}
	return audio.Encoding{Codec: audio.CodecFLAC}
}

func (c *flacCommandCodec) read(p []float32) (int, error) {
	for c.drop > 0 {
		n, err := c.decode(p[:min(int64(len(p)), c.drop*int64(c.f.Channels))])
		c.drop -= int64(n / c.f.Channels)
		if err != nil {
			return 0, err
		}
	}
	return c.decode(p)
}

func (c *flacCommandCodec) decode(p []float32) (int, error) {
	if c.run == nil {
		return 0, io.EOF
	}
	n, err := c.wav.read(p)
	if n > 0 && err == nil {
		return n, nil
	}
	// wavCodec ends a truncated data chunk as if the file ended, so only
	// the child's exit status distinguishes a decoding failure from the
	// end of the file. The rest of the child's output is discarded before
	// the wait, because a child blocked on a full pipe would never exit.
	_, _ = io.Copy(io.Discard, c.run.stdout)
	if werr := c.run.wait(); werr != nil {
		return n, fmt.Errorf("decode: flac: %w", werr)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, err
	}
	if n > 0 {
		return n, nil
	}
	return 0, io.EOF
}

func (c *flacCommandCodec) seek(frame int64) error {
	if c.in.seeker == nil {
		return audio.ErrNotSeekable
	}
	if c.run != nil {
		c.run.kill()
		c.run.waitCopied()
		c.run = nil
	}
	if err := c.in.rewind(); err != nil {
		return fmt.Errorf("decode: rewinding for flac: %w", err)
	}
	if c.total >= 0 && frame >= c.total {
		// Nothing is left to decode, so no child runs and read returns
		// io.EOF.
		c.drop = 0
		return nil
	}
	if err := c.start(); err != nil {
		return err
	}
	c.drop = frame
	return nil
}

func (c *flacCommandCodec) close() error {
	if c.run != nil {
		c.run.kill()
	}
	return c.in.close()
}
