package decode

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/tonearm/tonearm/internal/audio"
)

// maxFuzzInput bounds the files the fuzz targets build, and maxFuzzFrames
// how much of a stream FuzzOpen decodes.
const (
	maxFuzzInput  = 64 << 10
	maxFuzzFrames = 1 << 16
)

// xingSeed returns an MPEG-1 Layer III stereo frame start with an Info
// header of the given frame count and a LAME tag with delay and padding.
func xingSeed(frames uint32, delay, padding int) []byte {
	b := make([]byte, 4+32+8+4+100+24)
	copy(b, []byte{0xFF, 0xFB, 0x90, 0x64})
	p := b[36:]
	copy(p, "Info")
	binary.BigEndian.PutUint32(p[4:], 1|4)
	binary.BigEndian.PutUint32(p[8:], frames)
	lame := p[8+4+100:]
	copy(lame, "LAME3.100")
	lame[21] = byte(delay >> 4)
	lame[22] = byte(delay<<4) | byte(padding>>8)
	lame[23] = byte(padding)
	return b
}

func TestParseXing(t *testing.T) {
	x, ok := parseXing(xingSeed(100, 576, 1234))
	if !ok {
		t.Fatal("parseXing rejected a valid Info header")
	}
	if x.frames != 100 || x.delay != 576 || x.padding != 1234 || !x.hasLAME || x.samplesPerFrame != 1152 {
		t.Errorf("parseXing = %+v, want 100 frames, delay 576, padding 1234, LAME, 1152 samples", x)
	}
	if _, ok := parseXing([]byte{0xFF, 0xFB, 0x90, 0x64}); ok {
		t.Error("parseXing accepted a frame without an Info header")
	}
}

func FuzzParseXing(f *testing.F) {
	f.Add(xingSeed(100, 576, 1234))
	f.Add([]byte{0xFF, 0xF3, 0x90, 0xC4})
	f.Fuzz(func(t *testing.T, b []byte) {
		x, ok := parseXing(b)
		if !ok {
			return
		}
		if x.delay < 0 || x.delay > 4095 || x.padding < 0 || x.padding > 4095 {
			t.Errorf("delay %d or padding %d outside 12 bits", x.delay, x.padding)
		}
		if x.samplesPerFrame != 1152 && x.samplesPerFrame != 576 {
			t.Errorf("samples per frame %d", x.samplesPerFrame)
		}
	})
}

func opusHeadSeed(channels, preSkip int) []byte {
	b := make([]byte, 19)
	copy(b, "OpusHead")
	b[8] = 1
	b[9] = byte(channels)
	binary.LittleEndian.PutUint16(b[10:], uint16(preSkip))
	binary.LittleEndian.PutUint32(b[12:], 44100)
	return b
}

func TestParseOpusHead(t *testing.T) {
	h, err := parseOpusHead(opusHeadSeed(2, 312))
	if err != nil {
		t.Fatalf("parseOpusHead: %v", err)
	}
	if h.channels != 2 || h.preSkip != 312 || h.streams != 1 || h.coupledStreams != 1 {
		t.Errorf("parseOpusHead = %+v, want 2 channels, pre-skip 312, 1 stream, 1 coupled", h)
	}
	if _, err := parseOpusHead(opusHeadSeed(3, 312)); err == nil {
		t.Error("parseOpusHead accepted 3 channels in mapping family 0")
	}
}

func FuzzParseOpusHead(f *testing.F) {
	f.Add(opusHeadSeed(2, 312))
	f.Add(append(opusHeadSeed(6, 312)[:18], 1, 4, 2, 0, 4, 1, 2, 3, 5))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseOpusHead(b)
		if err != nil {
			return
		}
		if h.channels < 1 || h.channels > maxChannels {
			t.Errorf("accepted %d channels", h.channels)
		}
		if h.mappingFamily != 0 && len(h.mapping) != h.channels {
			t.Errorf("mapping of %d entries for %d channels", len(h.mapping), h.channels)
		}
	})
}

func FuzzParseOggPageHeader(f *testing.F) {
	page := append([]byte("OggS\x00\x02"), make([]byte, 21)...)
	page[26] = 1
	f.Add(append(page, 19))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseOggPageHeader(b)
		if err != nil {
			return
		}
		if p.headerLen > len(b) || p.bodyLen > 255*255 {
			t.Errorf("header %d bytes of %d, body %d", p.headerLen, len(b), p.bodyLen)
		}
	})
}

func wavSeed(channels, rate, bits int, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, uint16(wavFormatPCM))
	binary.Write(&b, binary.LittleEndian, uint16(channels))
	binary.Write(&b, binary.LittleEndian, uint32(rate))
	binary.Write(&b, binary.LittleEndian, uint32(rate*channels*bits/8))
	binary.Write(&b, binary.LittleEndian, uint16(channels*bits/8))
	binary.Write(&b, binary.LittleEndian, uint16(bits))
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func TestParseWAVHeader(t *testing.T) {
	h, err := parseWAVHeader(bytes.NewReader(wavSeed(2, 44100, 24, make([]byte, 60))))
	if err != nil {
		t.Fatalf("parseWAVHeader: %v", err)
	}
	if h.channels != 2 || h.sampleRate != 44100 || h.bits != 24 || h.dataOffset != 44 || h.dataSize != 60 {
		t.Errorf("parseWAVHeader = %+v", h)
	}
}

func FuzzParseWAVHeader(f *testing.F) {
	f.Add(wavSeed(2, 44100, 16, make([]byte, 16)))
	f.Add(wavSeed(1, 8000, 8, []byte{1, 2, 3}))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseWAVHeader(bytes.NewReader(b))
		if err != nil {
			return
		}
		if h.blockAlign <= 0 || h.dataOffset > int64(len(b)) {
			t.Errorf("block align %d, data offset %d of %d bytes", h.blockAlign, h.dataOffset, len(b))
		}
	})
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte("fLaC\x00\x00\x00\x22"))
	f.Add([]byte("ID3\x04\x00\x00\x00\x00\x00\x10"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sniff(b)
		if n := id3v2Size(b); n < 0 || n > 10+(1<<28)+10 {
			t.Errorf("ID3v2 size %d", n)
		}
	})
}

// bytesSource is a seekable source over b.
func bytesSource(b []byte) audio.Source {
	return audio.Source{
		URI: "fuzz:",
		Open: func(context.Context, func(string)) (io.ReadCloser, error) {
			return struct {
				*bytes.Reader
				io.Closer
			}{bytes.NewReader(b), io.NopCloser(nil)}, nil
		},
	}
}

// FuzzOpen feeds bounded random files to the built-in decoders, which
// must return an error or a stream, never panic, and decode boundedly.
func FuzzOpen(f *testing.F) {
	f.Add(wavSeed(2, 44100, 16, make([]byte, 400)))
	f.Add(append(xingSeed(10, 576, 100), make([]byte, 2000)...))
	for _, path := range fuzzSeedFiles(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), maxFuzzInput)])
	}
	opts := Options{FFmpeg: FFmpegOptions{Disable: true}, FLAC: FLACOptions{Disable: true}}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			return
		}
		s, err := Open(context.Background(), bytesSource(b), opts)
		if err != nil {
			return
		}
		defer s.Close()
		if fm := s.Format(); fm.Channels < 1 || fm.Channels > maxChannels {
			t.Fatalf("format %+v", fm)
		}
		buf := make([]float32, 4096*s.Format().Channels)
		frames := 0
		for frames < maxFuzzFrames {
			n, err := s.Read(buf)
			frames += n / s.Format().Channels
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, ErrCorrupt) {
					t.Logf("read error: %v", err)
				}
				break
			}
		}
		if s.SeekFrame(0) == nil {
			s.Read(buf)
		}
	})
}

// fuzzSeedFiles generates one short file of each built-in format.
func fuzzSeedFiles(f *testing.F) []string {
	dir := f.TempDir()
	var paths []string
	for _, format := range []string{"wav", "flac", "mp3", "ogg", "opus"} {
		fx := fixture{format: format, seconds: 0.2, freq: 440, rate: 44100}
		paths = append(paths, fx.make(f, dir))
	}
	return paths
}
