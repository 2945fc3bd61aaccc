package decode

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/sandbox"
)

// FFmpegOptions configures the ffmpeg fallback decoder, which runs Debian's
// ffmpeg as a sandboxed child reading the file on stdin and writing 32-bit
// float stereo PCM on stdout.
type FFmpegOptions struct {
	// Path is the ffmpeg binary. Empty means "ffmpeg" looked up in PATH.
	Path string
	// Disable turns the fallback off, so formats without a built-in
	// decoder fail to open.
	Disable bool
	// SampleRate is the rate ffmpeg resamples every stream to, because the
	// rate is not known before ffmpeg has read the file. Zero means 48000.
	SampleRate int
	// MemoryBytes is ffmpeg's address space limit. Zero means 1 GiB.
	MemoryBytes uint64
	// CPUSeconds is ffmpeg's CPU time limit per run. Zero means 600.
	CPUSeconds uint64
	// MaxBufferedBytes bounds the size of an MP4 file, which is copied into
	// an in-memory file because ffmpeg must seek in it. Zero means 512 MiB.
	MaxBufferedBytes int64
	// AllowWeakLandlock runs ffmpeg on kernels whose Landlock ABI is older
	// than sandbox.MinABI, with whatever confinement they offer.
	AllowWeakLandlock bool
}

// Defaults of FFmpegOptions.
const (
	defaultFFmpegRate   = 48000
	defaultFFmpegMemory = 1 << 30
	defaultFFmpegCPU    = 600
	defaultMaxBuffered  = 512 << 20
	ffmpegChannels      = 2
	// maxStderr bounds how much of a child decoder's standard error is
	// kept.
	maxStderr = 16 << 10
)

func (o FFmpegOptions) withDefaults() FFmpegOptions {
	if o.SampleRate == 0 {
		o.SampleRate = defaultFFmpegRate
	}
	if o.MemoryBytes == 0 {
		o.MemoryBytes = defaultFFmpegMemory
	}
	if o.CPUSeconds == 0 {
		o.CPUSeconds = defaultFFmpegCPU
	}
	if o.MaxBufferedBytes == 0 {
		o.MaxBufferedBytes = defaultMaxBuffered
	}
	return o
}

// resolve returns the absolute path of the ffmpeg binary.
func (o FFmpegOptions) resolve() (string, error) {
	name := o.Path
	if name == "" {
		name = "ffmpeg"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("decode: ffmpeg not found (%w): install the Debian package ffmpeg "+
			"or set the ffmpeg path", err)
	}
	return filepath.Abs(path)
}

// limits returns ffmpeg's sandbox limits.
func (o FFmpegOptions) limits() childLimits {
	return childLimits{memoryBytes: o.MemoryBytes, cpuSeconds: o.CPUSeconds, allowWeakLandlock: o.AllowWeakLandlock}
}

// args returns ffmpeg's arguments: input only from standard input, the
// first audio stream, float PCM at the fixed rate on stdout. With seekable
// set, standard input is an in-memory file that ffmpeg reopens through
// /proc/self/fd/0 to seek in it; a pipe cannot seek.
func (o FFmpegOptions) args(seekable bool) []string {
	protocol, input := "pipe", "pipe:0"
	if seekable {
		protocol, input = "file", "file:/proc/self/fd/0"
	}
	return []string{
		"-hide_banner", "-loglevel", "error", "-nostats",
		"-protocol_whitelist", protocol,
		"-i", input,
		"-map", "0:a:0",
		"-f", "f32le", "-ac", strconv.Itoa(ffmpegChannels), "-ar", strconv.Itoa(o.SampleRate),
		"pipe:1",
	}
}

// openFFmpeg starts the fallback decoder. An MP4 file may keep its index
// after the media data, which ffmpeg reads only from a seekable input, so
// mp4 copies the input into an in-memory file first.
func openFFmpeg(ctx context.Context, in *input, mp4 bool, o FFmpegOptions, log *slog.Logger) (audio.Stream, error) {
	if o.Disable {
		return nil, fmt.Errorf("%w, and the ffmpeg fallback is disabled", errUnsupportedCodec)
	}
	o = o.withDefaults()
	path, err := o.resolve()
	if err != nil {
		return nil, err
	}
	c := &ffmpegCodec{ctx: ctx, in: in, opts: o, path: path, log: log.With("ffmpeg", path)}
	if mp4 {
		if c.memfile, err = bufferInMemory(in.r, o.MaxBufferedBytes); err != nil {
			return nil, err
		}
	}
	if err := c.start(); err != nil {
		c.closeMemfile()
		return nil, err
	}
	c.log.Debug("ffmpeg fallback started", "landlock_abi", sandbox.ABI(), "rate", o.SampleRate)
	return newTrimmedStream(c, 0, -1), nil
}

// ffmpegCodec reads PCM from one ffmpeg child at a time. A seek starts a new
// child on the rewound input and discards frames up to the target.
type ffmpegCodec struct {
	ctx  context.Context
	in   *input
	opts FFmpegOptions
	path string
	log  *slog.Logger
	run  *childRun
	raw  []byte
	drop int64
	// memfile holds the whole input when ffmpeg must seek in it, or nil.
	memfile *os.File
}

func (c *ffmpegCodec) start() error {
	r, err := startChild(c.ctx, childPolicy(c.path, c.opts.limits()), c.path, c.opts.args(c.memfile != nil), c.memfile, c.in.r)
	if err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	c.run = r

	// Wait for the first frame so that a file ffmpeg rejects fails here.
	if _, err := r.stdout.Peek(4 * ffmpegChannels); err != nil {
		werr := c.stop()
		if werr == nil {
			werr = errors.New("ffmpeg produced no audio")
		}
		return fmt.Errorf("decode: ffmpeg: %w", werr)
	}
	return nil
}

// stop waits for the child and returns why it failed, with its standard
// error, or nil when it exited cleanly or none runs.
func (c *ffmpegCodec) stop() error {
	if c.run == nil {
		return nil
	}
	return c.run.wait()
}

// kill ends the child at once and reaps it.
func (c *ffmpegCodec) kill() {
	if c.run != nil {
		c.run.kill()
	}
}

func (c *ffmpegCodec) format() audio.Format {
	return audio.Format{SampleRate: c.opts.SampleRate, Channels: ffmpegChannels}
}

func (c *ffmpegCodec) frames() int64 { return -1 }

func (c *ffmpegCodec) read(p []float32) (int, error) {
	for c.drop > 0 {
		n, err := c.decode(p[:min(int64(len(p)), c.drop*ffmpegChannels)])
		c.drop -= int64(n / ffmpegChannels)
		if err != nil {
			return 0, err
		}
	}
	return c.decode(p)
}

func (c *ffmpegCodec) decode(p []float32) (int, error) {
	if c.run == nil {
		return 0, io.EOF
	}
	p = p[:len(p)-len(p)%ffmpegChannels]
	if cap(c.raw) < 4*len(p) {
		c.raw = make([]byte, 4*len(p))
	}
	raw := c.raw[:4*len(p)]
	n, err := io.ReadAtLeast(c.run.stdout, raw, 4*ffmpegChannels)
	n -= n % (4 * ffmpegChannels)
	for i := 0; i < n/4; i++ {
		p[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	if err == nil {
		return n / 4, nil
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if werr := c.stop(); werr != nil {
			return n / 4, fmt.Errorf("decode: ffmpeg: %w", werr)
		}
		if n == 0 {
			return 0, io.EOF
		}
		return n / 4, nil
	}
	return n / 4, fmt.Errorf("decode: reading ffmpeg output: %w", err)
}

// seek starts a new ffmpeg on the rewound input and discards frames up to
// frame, because ffmpeg cannot seek in a pipe.
func (c *ffmpegCodec) seek(frame int64) error {
	if c.in.seeker == nil && c.memfile == nil {
		return audio.ErrNotSeekable
	}
	c.kill()
	if c.run != nil {
		c.run.waitCopied()
	}
	c.run = nil
	if c.memfile == nil {
		if err := c.in.rewind(); err != nil {
			return fmt.Errorf("decode: rewinding for ffmpeg: %w", err)
		}
	}
	if err := c.start(); err != nil {
		return err
	}
	c.drop = frame
	return nil
}

func (c *ffmpegCodec) close() error {
	c.kill()
	c.closeMemfile()
	return c.in.close()
}

func (c *ffmpegCodec) closeMemfile() {
	if c.memfile != nil {
		c.memfile.Close()
		c.memfile = nil
	}
}

// bufferInMemory copies r into a new memfd of at most max bytes. Landlock
// lets a confined process reopen it, because a memfd lives on an internal
// mount outside every path rule.
func bufferInMemory(r io.Reader, max int64) (*os.File, error) {
	fd, err := unix.MemfdCreate("tonearm-decode-input", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("decode: creating in-memory file: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd:tonearm-decode-input")
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if err == nil && n > max {
		err = fmt.Errorf("MP4 file larger than %d bytes: raise the ffmpeg buffer limit", max)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("decode: buffering input for ffmpeg: %w", err)
	}
	return f, nil
}

// limitedBuffer keeps the first max bytes written to it and drops the rest.
type limitedBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
