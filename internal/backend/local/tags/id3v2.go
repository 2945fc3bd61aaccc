package tags

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// id3HeaderSize is the size of the ID3v2 tag header and footer.
const id3HeaderSize = 10

// maxTagBytes bounds an ID3v2 tag that the Go parser reads: room for the
// largest kept cover and pictureOverhead of other frames. A larger tag is
// left to TagLib.
func maxTagBytes(maxCover int) int64 { return int64(maxCover) + 16*pictureOverhead }

// id3Header is a parsed ID3v2 tag header.
type id3Header struct {
	major byte
	flags byte
	size  int64 // without header and footer
}

// total returns the tag's size in the file, with header and footer.
func (h id3Header) total() int64 {
	n := h.size + id3HeaderSize
	if h.major == 4 && h.flags&0x10 != 0 {
		n += id3HeaderSize
	}
	return n
}

func parseID3Header(b []byte) (id3Header, error) {
	if len(b) < id3HeaderSize || string(b[:3]) != "ID3" {
		return id3Header{}, errors.New("id3v2: missing tag header")
	}
	size, ok := syncsafe(b[6:10])
	if !ok {
		return id3Header{}, errors.New("id3v2: invalid tag size")
	}
	return id3Header{major: b[3], flags: b[5], size: size}, nil
}

// syncsafe decodes a 28-bit ID3v2 size stored in 7 bits per byte.
func syncsafe(b []byte) (int64, bool) {
	var n int64
	for _, c := range b {
		if c&0x80 != 0 {
			return 0, false
		}
		n = n<<7 | int64(c)
	}
	return n, true
}

// id3Tag is a parsed ID3v2 tag, with keys named as TagLib 2.1's property
// map names them.
type id3Tag struct {
	tags       map[string][]string
	hasPicture bool
	cover      []byte
	coverMIME  string
}

// id3Key returns the property key of a text frame, for the keys the
// library stores, or "".
func id3Key(id string) string {
	switch id {
	case "TIT2":
		return "TITLE"
	case "TALB":
		return "ALBUM"
	case "TPE1":
		return "ARTIST"
	case "TPE2":
		return "ALBUMARTIST"
	case "TCOM":
		return "COMPOSER"
	case "TCON":
		return "GENRE"
	case "TRCK":
		return "TRACKNUMBER"
	case "TPOS":
		return "DISCNUMBER"
	case "TDRC":
		return "DATE"
	}
	return ""
}

// txxxKey returns the property key of a TXXX frame: the MusicBrainz ids
// under the names Picard writes, and every other description upper-cased.
func txxxKey(desc string) string {
	desc = strings.ToUpper(desc)
	switch desc {
	case "MUSICBRAINZ ALBUM ID":
		return "MUSICBRAINZ_ALBUMID"
	case "MUSICBRAINZ ARTIST ID":
		return "MUSICBRAINZ_ARTISTID"
	case "MUSICBRAINZ ALBUM ARTIST ID":
		return "MUSICBRAINZ_ALBUMARTISTID"
	case "MUSICBRAINZ RELEASE GROUP ID":
		return "MUSICBRAINZ_RELEASEGROUPID"
	case "MUSICBRAINZ RELEASE TRACK ID":
		return "MUSICBRAINZ_RELEASETRACKID"
	case "MUSICBRAINZ WORK ID":
		return "MUSICBRAINZ_WORKID"
	}
	return desc
}

// id3Rewritten reports frames whose mapping TagLib 2.1 rewrites (ID3v2.3
// date frames merged into TDRC, involved-people lists split into
// PERFORMER: keys); a tag with any of them is left to TagLib.
func id3Rewritten(id string) bool {
	switch id {
	case "TYER", "TDAT", "TIME", "TRDA", "TORY", "TMCL", "TIPL", "IPLS":
		return true
	}
	return false
}

// parseID3v2 reads an ID3v2.3 or ID3v2.4 tag body (after the header) and
// maps the frames that the library stores. Tags that use unsynchronisation,
// an extended header, compressed, encrypted or grouped frames, ID3v2.2, or
// numeric genres return errUnsupported, so TagLib reads them.
func parseID3v2(h id3Header, body []byte, maxCover int) (id3Tag, error) {
	if h.major != 3 && h.major != 4 {
		return id3Tag{}, errUnsupported
	}
	if h.flags&0xc0 != 0 { // unsynchronisation, extended header
		return id3Tag{}, errUnsupported
	}
	t := id3Tag{tags: make(map[string][]string)}
	for len(body) >= id3HeaderSize {
		id := string(body[:4])
		if body[0] == 0 {
			break // padding
		}
		var size int64
		if h.major == 4 {
			var ok bool
			if size, ok = syncsafe(body[4:8]); !ok {
				return id3Tag{}, errUnsupported
			}
		} else {
			size = int64(body[4])<<24 | int64(body[5])<<16 | int64(body[6])<<8 | int64(body[7])
		}
		flags := body[9]
		body = body[id3HeaderSize:]
		if size > int64(len(body)) {
			return id3Tag{}, fmt.Errorf("id3v2: frame %q runs past the tag", id)
		}
		data := body[:size]
		body = body[size:]
		if (h.major == 3 && flags&0xe0 != 0) || (h.major == 4 && flags&0x4f != 0) {
			return id3Tag{}, errUnsupported
		}
		if id3Rewritten(id) {
			return id3Tag{}, errUnsupported
		}
		if err := t.addFrame(id, data, maxCover); err != nil {
			return id3Tag{}, err
		}
	}
	return t, nil
}

func (t *id3Tag) addFrame(id string, data []byte, maxCover int) error {
	if len(data) == 0 {
		return nil
	}
	switch {
	case id == "TXXX":
		fields := id3Strings(data[0], data[1:])
		if len(fields) < 1 {
			return nil
		}
		key := txxxKey(fields[0])
		t.tags[key] = append(t.tags[key], fields[1:]...)
	case id == "COMM":
		if len(data) < 4 {
			return nil
		}
		fields := id3Strings(data[0], data[4:]) // after encoding and language
		if len(fields) < 2 || fields[0] != "" {
			return nil // only comments without a description are stored
		}
		t.tags["COMMENT"] = append(t.tags["COMMENT"], fields[1:]...)
	case id == "UFID":
		owner, value, ok := bytes.Cut(data, []byte{0})
		if ok && string(owner) == "http://musicbrainz.org" {
			t.tags["MUSICBRAINZ_TRACKID"] = append(t.tags["MUSICBRAINZ_TRACKID"], latin1(value))
		}
	case id == "APIC":
		if !t.hasPicture {
			t.addPicture(data, maxCover)
		}
	case id3Key(id) != "":
		values := id3Strings(data[0], data[1:])
		if id == "TCON" {
			for _, v := range values {
				if v != "" && (strings.HasPrefix(v, "(") || strings.Trim(v, "0123456789") == "") {
					return errUnsupported // ID3v1 genre numbers
				}
			}
		}
		key := id3Key(id)
		t.tags[key] = append(t.tags[key], values...)
	}
	return nil
}

// addPicture reads an APIC frame: text encoding, MIME type, picture type,
// description and the data.
func (t *id3Tag) addPicture(data []byte, maxCover int) {
	enc := data[0]
	mime, rest, ok := bytes.Cut(data[1:], []byte{0})
	if !ok || len(rest) < 1 {
		return
	}
	rest = rest[1:] // picture type
	_, img, ok := cutString(enc, rest)
	if !ok {
		return
	}
	t.hasPicture = true
	if len(img) > maxCover {
		return
	}
	t.cover = append([]byte(nil), img...)
	t.coverMIME = latin1(mime)
}

// cutString splits b after the first string terminated in encoding enc.
func cutString(enc byte, b []byte) (s, rest []byte, ok bool) {
	if enc == 1 || enc == 2 {
		for i := 0; i+1 < len(b); i += 2 {
			if b[i] == 0 && b[i+1] == 0 {
				return b[:i], b[i+2:], true
			}
		}
		return nil, nil, false
	}
	s, rest, ok = bytes.Cut(b, []byte{0})
	return s, rest, ok
}

// id3Strings decodes the NUL-separated strings of a text frame, dropping
// trailing terminators.
func id3Strings(enc byte, b []byte) []string {
	var out []string
	for len(b) > 0 {
		s, rest, ok := cutString(enc, b)
		if !ok {
			s, rest = b, nil
		}
		out = append(out, decodeID3Text(enc, s))
		b = rest
	}
	return out
}

func decodeID3Text(enc byte, b []byte) string {
	switch enc {
	case 0:
		return latin1(b)
	case 1, 2:
		bigEndian := enc == 2
		if len(b) >= 2 && b[0] == 0xff && b[1] == 0xfe {
			bigEndian, b = false, b[2:]
		} else if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
			bigEndian, b = true, b[2:]
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			if bigEndian {
				u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			} else {
				u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
			}
		}
		return string(utf16.Decode(u))
	}
	return string(b)
}

func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
