//go:build race

package output

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"

	"github.com/kazzmir/opus-go/ogg"
)

// opusEncoder runs ffmpeg's libopus encoder (Debian package ffmpeg) in race
// builds, because opus-go v1.3.0 is C transpiled to Go and its pointer
// arithmetic fails the checkptr instrumentation that -race turns on ("fatal
// error: checkptr: pointer arithmetic result points to invalid allocation"
// in Opus_silk_Get_Encoder_Size). The Ogg pages ffmpeg writes are split
// back into packets, so listeners get the same units as in other builds.
// opusenc holds its output back until its input ends, so it cannot serve.
type opusEncoder struct {
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	packets   chan []byte
	lookahead int
	buf       []byte
}

// ffmpegLookahead is libopus's encoder delay at 48 kHz for the audio
// application, 2.5 ms plus 4 ms: the pre-skip ffmpeg writes.
const ffmpegLookahead = 312

func newOpusEncoder(rate, channels, bitrate int) (*opusEncoder, error) {
	if rate != 48000 {
		return nil, fmt.Errorf("output: the Opus stream needs 48000 Hz, the player sends %d Hz", rate)
	}
	cmd := exec.Command("ffmpeg", "-v", "error", "-probesize", "32", "-analyzeduration", "0",
		"-fflags", "nobuffer", "-f", "s16le", "-ar", strconv.Itoa(rate), "-ac", strconv.Itoa(channels),
		"-i", "-", "-c:a", "libopus", "-b:a", strconv.Itoa(bitrate), "-frame_duration", "20",
		"-f", "ogg", "-flush_packets", "1", "-page_duration", "20000", "-")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("output: start ffmpeg (Debian package ffmpeg): %w", err)
	}
	e := &opusEncoder{cmd: cmd, stdin: stdin, packets: make(chan []byte, 256), lookahead: ffmpegLookahead}
	go e.readPackets(stdout)
	return e, nil
}

// readPackets forwards the audio packets ffmpeg writes, after its
// OpusHead and OpusTags packets.
func (e *opusEncoder) readPackets(stdout io.Reader) {
	defer close(e.packets)
	r := ogg.NewPacketReader(stdout)
	for n := 0; ; n++ {
		p, err := r.ReadPacket()
		if err != nil {
			return
		}
		if n < 2 {
			continue
		}
		select {
		case e.packets <- p.Data:
		default:
		}
	}
}

func (e *opusEncoder) header() []byte { return nil }

func (e *opusEncoder) encode(samples []float32, emit func([]byte)) error {
	e.buf = appendS16LE(e.buf[:0], samples)
	if _, err := e.stdin.Write(e.buf); err != nil {
		return fmt.Errorf("output: write to ffmpeg: %w", err)
	}
	for {
		select {
		case p, ok := <-e.packets:
			if !ok {
				return errors.New("output: ffmpeg exited")
			}
			emit(p)
		default:
			return nil
		}
	}
}

func (e *opusEncoder) close() {
	_ = e.stdin.Close()
	_ = e.cmd.Wait()
}
