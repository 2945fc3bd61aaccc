package tags

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// FLAC metadata block types (RFC 9639, section 8).
const (
	flacStreamInfo    = 0
	flacVorbisComment = 4
	flacPicture       = 6
	flacInvalid       = 127
)

// maxFLACBlocks bounds the metadata blocks read from one file.
const maxFLACBlocks = 1024

// parseFLAC reads a native FLAC file: STREAMINFO, the Vorbis comment block
// and the first PICTURE block. Other blocks are skipped without being
// read, and each block is at most 16 MiB because its length has 24 bits.
// The length and bit rate are computed as TagLib 2.1 computes them, from
// the sample count and the bytes after the metadata.
func parseFLAC(r io.ReaderAt, size int64, maxCover int) (nativeResult, error) {
	var res nativeResult
	var sampleFrames uint64
	sawComment := false
	pos := int64(4) // after "fLaC"
	for i := 0; ; i++ {
		if i == maxFLACBlocks {
			return nativeResult{}, fmt.Errorf("flac: more than %d metadata blocks", maxFLACBlocks)
		}
		hdr, err := readAt(r, pos, 4, size)
		if err != nil {
			return nativeResult{}, err
		}
		last := hdr[0]&0x80 != 0
		typ := hdr[0] & 0x7f
		n := int64(hdr[1])<<16 | int64(hdr[2])<<8 | int64(hdr[3])
		pos += 4
		if n > size-pos {
			return nativeResult{}, errors.New("flac: metadata block runs past the end of the file")
		}
		switch {
		case i == 0:
			if typ != flacStreamInfo || n < 34 {
				return nativeResult{}, errors.New("flac: first metadata block is not STREAMINFO")
			}
			block, err := readAt(r, pos, 34, size)
			if err != nil {
				return nativeResult{}, err
			}
			flags := binary.BigEndian.Uint32(block[10:14])
			res.sampleRate = int(flags >> 12)
			res.channels = int((flags>>9)&7) + 1
			res.codec, res.bits = CodecFLAC, int((flags>>4)&0x1f)+1
			sampleFrames = uint64(flags&0xf)<<32 | uint64(binary.BigEndian.Uint32(block[14:18]))
		case typ == flacStreamInfo || typ == flacInvalid:
			return nativeResult{}, fmt.Errorf("flac: unexpected metadata block type %d", typ)
		case typ == flacVorbisComment:
			// NOTE: TagLib keeps the first of several comment blocks; the
			// Go parser leaves such files to TagLib instead of guessing.
			if sawComment {
				return nativeResult{}, errUnsupported
			}
			sawComment = true
			block, err := readAt(r, pos, n, size)
			if err != nil {
				return nativeResult{}, err
			}
			vc, err := parseVorbisComment(block, maxCover)
			if err != nil {
				return nativeResult{}, err
			}
			res.tags = vc.tags
		case typ == flacPicture && !res.hasPicture:
			if n > int64(maxCover)+pictureOverhead {
				res.hasPicture = true // too large to keep
				break
			}
			block, err := readAt(r, pos, n, size)
			if err != nil {
				return nativeResult{}, err
			}
			data, mime, err := parsePicture(block, maxCover)
			if err != nil {
				break // TagLib skips an invalid picture block too
			}
			res.hasPicture = true
			res.cover, res.coverMIME = data, mime
		}
		pos += n
		if last {
			break
		}
	}
	// An ID3v1 tag at the end changes TagLib's tags and stream length, so
	// such files go to TagLib.
	if size-pos >= 128 {
		tag, err := readAt(r, size-128, 3, size)
		if err != nil {
			return nativeResult{}, err
		}
		if string(tag) == "TAG" {
			return nativeResult{}, errUnsupported
		}
	}
	if sampleFrames > 0 && res.sampleRate > 0 {
		lengthMS := float64(sampleFrames) * 1000 / float64(res.sampleRate)
		if err := res.setLength(lengthMS, size-pos); err != nil {
			return nativeResult{}, err
		}
	}
	if res.tags == nil {
		res.tags = map[string][]string{}
	}
	return res, nil
}
