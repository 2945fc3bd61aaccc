package audio

// Format describes interleaved PCM samples.
type Format struct {
	SampleRate int
	Channels   int
}

// Stream is decoded audio: interleaved float32 samples in [-1, 1].
type Stream interface {
	Format() Format
	// Read fills p with interleaved samples and returns how many it wrote,
	// always a whole number of frames. It returns io.EOF at the end.
	Read(p []float32) (n int, err error)
	// SeekFrame moves to the given frame; it returns ErrNotSeekable when
	// the stream cannot seek.
	SeekFrame(frame int64) error
	// Frames returns the length in frames after gapless trimming, or -1
	// when unknown.
	Frames() int64
	Close() error
}
