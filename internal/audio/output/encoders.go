package output

import (
	"bytes"
	"fmt"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
	"github.com/mewkiz/flac/meta"
)

// streamEncoder turns live PCM into the units a listener receives: Opus
// packets, which each listener wraps in its own Ogg pages, or whole FLAC
// frames. One encoder serves every listener of its format.
type streamEncoder interface {
	// header returns the bytes a listener receives before any unit.
	header() []byte
	// encode consumes interleaved stereo samples and calls emit for each
	// unit completed; a partial unit waits for the next call.
	encode(samples []float32, emit func(unit []byte)) error
	close()
}

// opusFrameSize is the Opus frame length: 20 ms at 48 kHz.
const opusFrameSize = 960

// flacBlockSize is the frames per FLAC frame: 85 ms at 48 kHz.
const flacBlockSize = 4096

type flacEncoder struct {
	enc      *flac.Encoder
	out      bytes.Buffer
	head     []byte
	channels int
	pending  [][]int32
}

func newFLACEncoder(rate, channels int) (*flacEncoder, error) {
	e := &flacEncoder{channels: channels, pending: make([][]int32, channels)}
	info := &meta.StreamInfo{
		BlockSizeMin:  flacBlockSize,
		BlockSizeMax:  flacBlockSize,
		SampleRate:    uint32(rate),
		NChannels:     uint8(channels),
		BitsPerSample: 16,
	}
	enc, err := flac.NewEncoder(&e.out, info)
	if err != nil {
		return nil, fmt.Errorf("output: create FLAC encoder: %w", err)
	}
	e.enc = enc
	e.head = bytes.Clone(e.out.Bytes())
	e.out.Reset()
	return e, nil
}

func (e *flacEncoder) header() []byte { return e.head }

func (e *flacEncoder) encode(samples []float32, emit func([]byte)) error {
	for i, s := range samples {
		c := i % e.channels
		e.pending[c] = append(e.pending[c], int32(toInt16(s)))
	}
	for len(e.pending[0]) >= flacBlockSize {
		f := &frame.Frame{
			Header: frame.Header{
				HasFixedBlockSize: true,
				BlockSize:         flacBlockSize,
				SampleRate:        e.enc.Info.SampleRate,
				Channels:          frame.ChannelsLR,
				BitsPerSample:     16,
			},
		}
		for c := range e.channels {
			f.Subframes = append(f.Subframes, &frame.Subframe{
				SubHeader: frame.SubHeader{Pred: frame.PredVerbatim},
				Samples:   e.pending[c][:flacBlockSize:flacBlockSize],
				NSamples:  flacBlockSize,
			})
		}
		if err := e.enc.WriteFrame(f); err != nil {
			return fmt.Errorf("output: FLAC encode: %w", err)
		}
		emit(bytes.Clone(e.out.Bytes()))
		e.out.Reset()
		for c := range e.channels {
			e.pending[c] = append(e.pending[c][:0], e.pending[c][flacBlockSize:]...)
		}
	}
	return nil
}

func (e *flacEncoder) close() {}
