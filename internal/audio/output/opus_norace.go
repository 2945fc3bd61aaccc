//go:build !race

package output

import (
	"bytes"
	"fmt"

	"github.com/kazzmir/opus-go/opus"
)

// opusEncoder encodes with github.com/kazzmir/opus-go, libopus transpiled
// to Go.
type opusEncoder struct {
	enc       *opus.Encoder
	channels  int
	lookahead int
	pending   []int16
	packet    []byte
}

func newOpusEncoder(rate, channels, bitrate int) (*opusEncoder, error) {
	if rate != 48000 {
		return nil, fmt.Errorf("output: the Opus stream needs 48000 Hz, the player sends %d Hz", rate)
	}
	enc, err := opus.NewEncoder(rate, channels, opus.ApplicationAudio)
	if err != nil {
		return nil, fmt.Errorf("output: create Opus encoder: %w", err)
	}
	if err := enc.SetBitrate(bitrate); err != nil {
		_ = enc.Close()
		return nil, fmt.Errorf("output: set Opus bitrate %d: %w", bitrate, err)
	}
	lookahead, err := enc.Lookahead()
	if err != nil {
		_ = enc.Close()
		return nil, fmt.Errorf("output: read Opus lookahead: %w", err)
	}
	return &opusEncoder{enc: enc, channels: channels, lookahead: lookahead, packet: make([]byte, 4000)}, nil
}

// header is empty: every listener builds its own OpusHead and OpusTags
// pages, because Ogg pages carry a per-stream serial and sequence number.
func (e *opusEncoder) header() []byte { return nil }

func (e *opusEncoder) encode(samples []float32, emit func([]byte)) error {
	for _, s := range samples {
		e.pending = append(e.pending, toInt16(s))
	}
	unit := opusFrameSize * e.channels
	for len(e.pending) >= unit {
		n, err := e.enc.Encode(e.pending[:unit], opusFrameSize, e.packet)
		if err != nil {
			return fmt.Errorf("output: Opus encode: %w", err)
		}
		emit(bytes.Clone(e.packet[:n]))
		e.pending = append(e.pending[:0], e.pending[unit:]...)
	}
	return nil
}

func (e *opusEncoder) close() { _ = e.enc.Close() }
