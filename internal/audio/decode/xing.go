package decode

import "encoding/binary"

// mp3DecoderDelay is the delay in samples of the standard MPEG Layer III
// synthesis filterbank that go-mp3 and ffmpeg share (528 + 1), which the
// LAME tag's encoder delay does not include.
const mp3DecoderDelay = 529

// xingInfo is the stream information from the Xing or Info header in the
// first frame of an MP3 file and the LAME extension after it.
type xingInfo struct {
	// samplesPerFrame is 1152 for MPEG-1 and 576 for MPEG-2 Layer III.
	samplesPerFrame int
	// frames is the number of audio frames after the Xing frame, or -1
	// when the header leaves it out.
	frames int64
	// hasLAME is true when the LAME extension supplies delay and padding.
	hasLAME bool
	// delay is the encoder delay and padding the samples the encoder added
	// at the end, both in samples.
	delay, padding int
}

// parseXing parses the Xing or Info header in the MPEG Layer III frame at
// the start of b. It returns false when b does not start with a Layer III
// frame header or the frame carries no such header.
func parseXing(b []byte) (xingInfo, bool) {
	info := xingInfo{frames: -1}
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 || b[1]>>1&3 != 1 {
		return info, false
	}
	version := b[1] >> 3 & 3
	mono := b[3]>>6 == 3
	var side int
	switch {
	case version == 3 && mono:
		side, info.samplesPerFrame = 17, 1152
	case version == 3:
		side, info.samplesPerFrame = 32, 1152
	case version == 1:
		return info, false
	case mono:
		side, info.samplesPerFrame = 9, 576
	default:
		side, info.samplesPerFrame = 17, 576
	}
	// A CRC-protected frame has two more bytes before the side information.
	if b[1]&1 == 0 {
		side += 2
	}
	p := b[min(4+side, len(b)):]
	if len(p) < 8 || string(p[:4]) != "Xing" && string(p[:4]) != "Info" {
		return info, false
	}
	flags := binary.BigEndian.Uint32(p[4:8])
	p = p[8:]
	fields := []struct {
		flag uint32
		size int
	}{{1, 4}, {2, 4}, {4, 100}, {8, 4}}
	for _, f := range fields {
		if flags&f.flag == 0 {
			continue
		}
		if len(p) < f.size {
			return info, true
		}
		if f.flag == 1 {
			info.frames = int64(binary.BigEndian.Uint32(p[:4]))
		}
		p = p[f.size:]
	}
	info.delay, info.padding, info.hasLAME = parseLAMEDelay(p)
	return info, true
}

// parseLAMEDelay reads the encoder delay and padding from a LAME extension
// at the start of b: a 9-byte encoder version, then 12 bytes of other
// fields, then delay and padding as two 12-bit numbers.
func parseLAMEDelay(b []byte) (delay, padding int, ok bool) {
	if len(b) < 24 {
		return 0, 0, false
	}
	enc := string(b[:4])
	if enc != "LAME" && enc != "Lavf" && enc != "Lavc" && enc != "GOGO" {
		return 0, 0, false
	}
	d := b[21:24]
	delay = int(d[0])<<4 | int(d[1])>>4
	padding = int(d[1]&0x0F)<<8 | int(d[2])
	return delay, padding, true
}
