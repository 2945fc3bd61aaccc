package decode

import (
	"context"
	"errors"
	"log/slog"

	"github.com/tonearm/tonearm/internal/audio"
)

// FFmpegOptions configures the ffmpeg fallback decoder.
type FFmpegOptions struct {
	// Path is the ffmpeg binary. Empty means "ffmpeg" looked up in PATH.
	Path string
	// Disable turns the fallback off, so formats without a built-in
	// decoder fail to open.
	Disable bool
	// SampleRate is the rate ffmpeg resamples every stream to. Zero means
	// 48000.
	SampleRate int
}

func openFFmpeg(ctx context.Context, in *input, uri string, o FFmpegOptions, log *slog.Logger) (audio.Stream, error) {
	return nil, errors.New("decode: ffmpeg fallback not built yet")
}
