package tags

import (
	"encoding/base64"
	"errors"
	"strings"
)

// pictureOverhead bounds the bytes of a FLAC picture block that are not
// image data: the MIME type, the description and the fixed fields. A block
// larger than the cover limit plus this is skipped without being read.
const pictureOverhead = 1 << 20

// vorbisComment is a parsed Vorbis comment block (the Xiph comment of
// FLAC, Ogg Vorbis and Opus files).
type vorbisComment struct {
	tags       map[string][]string
	hasPicture bool
	cover      []byte
	coverMIME  string
}

// parseVorbisComment reads a Vorbis comment: vendor string, field count and
// KEY=value fields, all lengths 32-bit little-endian. Like TagLib 2.1 it
// upper-cases keys, skips fields without "=" or with a key outside
// 0x20-0x7D, and takes METADATA_BLOCK_PICTURE fields (base64 FLAC picture
// blocks) out of the tags. Only the first picture is decoded. A legacy
// COVERART field returns errUnsupported so that TagLib reads the file.
func parseVorbisComment(data []byte, maxCover int) (vorbisComment, error) {
	b := &byteReader{buf: data}
	vendorLen := b.uint32LE()
	b.bytes(uint64(vendorLen))
	count := b.uint32LE()
	if b.err != nil {
		return vorbisComment{}, b.err
	}
	// Each field takes at least its 4-byte length.
	if uint64(count) > uint64(len(b.buf))/4 {
		return vorbisComment{}, errors.New("vorbis comment: field count exceeds the block")
	}
	vc := vorbisComment{tags: make(map[string][]string)}
	for range count {
		n := b.uint32LE()
		field := b.bytes(uint64(n))
		if b.err != nil {
			return vorbisComment{}, b.err
		}
		key, value, ok := strings.Cut(string(field), "=")
		if !ok || !validCommentKey(key) {
			continue
		}
		key = strings.ToUpper(key)
		switch key {
		case "METADATA_BLOCK_PICTURE":
			vc.addPicture(value, maxCover)
		case "COVERART":
			return vorbisComment{}, errUnsupported
		default:
			vc.tags[key] = append(vc.tags[key], value)
		}
	}
	return vc, nil
}

func validCommentKey(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7D {
			return false
		}
	}
	return true
}

// addPicture decodes the first valid picture field. An invalid one is
// skipped, as TagLib skips it.
func (vc *vorbisComment) addPicture(b64 string, maxCover int) {
	if vc.hasPicture {
		return
	}
	if len(b64) > base64.StdEncoding.EncodedLen(maxCover+pictureOverhead) {
		vc.hasPicture = true // too large to keep
		return
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return
	}
	data, mime, err := parsePicture(raw, maxCover)
	if err != nil {
		return
	}
	vc.hasPicture = true
	vc.cover, vc.coverMIME = data, mime
}

// parsePicture reads a FLAC PICTURE block: picture type, MIME type,
// description, width, height, depth, colors and the data, with 32-bit
// big-endian lengths. Data larger than maxCover is returned as nil.
func parsePicture(block []byte, maxCover int) (data []byte, mime string, err error) {
	b := &byteReader{buf: block}
	b.uint32BE() // picture type
	mime = string(b.bytes(uint64(b.uint32BE())))
	b.bytes(uint64(b.uint32BE())) // description
	b.bytes(16)                   // width, height, depth, colors
	n := b.uint32BE()
	data = b.bytes(uint64(n))
	if b.err != nil {
		return nil, "", b.err
	}
	if len(data) > maxCover {
		return nil, "", nil
	}
	// Copy, so the cover does not keep the whole block alive.
	return append([]byte(nil), data...), mime, nil
}
