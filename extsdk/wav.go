package extsdk

import (
	"bytes"
	"encoding/binary"
	"math"
)

// SineWAV returns a 16-bit mono WAV file of a sine tone, for examples and
// tests: hz is the pitch, ms the length and rate the sample rate.
func SineWAV(hz float64, ms, rate int) []byte {
	n := rate * ms / 1000
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	_ = binary.Write(&b, le, uint32(36+2*n))
	b.WriteString("WAVEfmt ")
	// fmt chunk: size 16, PCM, mono, sample rate, byte rate, block
	// align, bits per sample.
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(2 * rate), uint16(2), uint16(16)} {
		_ = binary.Write(&b, le, v) // bytes.Buffer.Write returns no error
	}
	b.WriteString("data")
	_ = binary.Write(&b, le, uint32(2*n))
	for i := 0; i < n; i++ {
		v := int16(math.Sin(2*math.Pi*hz*float64(i)/float64(rate)) * 8000)
		_ = binary.Write(&b, le, v)
	}
	return b.Bytes()
}
