package tags

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxMP4Atoms bounds the top-level atoms read from one file.
const maxMP4Atoms = 1024

// maxMoovBytes bounds the "moov" atom that the Go parser reads: its sample
// tables grow with the length of the file, and the cover lives there too.
func maxMoovBytes(maxCover int) int64 { return int64(maxCover) + 64<<20 }

// mp4Atom is one atom inside a buffer.
type mp4Atom struct {
	typ  string
	full []byte // with the header
	body []byte // without the header
}

// mp4Atoms splits b into its atoms; a size that does not fit returns an
// error.
func mp4Atoms(b []byte) ([]mp4Atom, error) {
	var out []mp4Atom
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, errors.New("mp4: truncated atom header")
		}
		size := uint64(binary.BigEndian.Uint32(b))
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return nil, errors.New("mp4: truncated atom header")
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return nil, errors.New("mp4: atom runs past its parent")
		}
		out = append(out, mp4Atom{typ: string(b[4:8]), full: b[:size], body: b[hdr:size]})
		b = b[size:]
	}
	return out, nil
}

// mp4Find returns the first atom along path below b.
func mp4Find(b []byte, path ...string) (mp4Atom, bool) {
	var cur mp4Atom
	for _, name := range path {
		atoms, err := mp4Atoms(b)
		if err != nil {
			return mp4Atom{}, false
		}
		found := false
		for _, a := range atoms {
			if a.typ == name {
				cur, found = a, true
				break
			}
		}
		if !found {
			return mp4Atom{}, false
		}
		b = cur.body
	}
	return cur, true
}

// readMoov reads the "moov" atom from the top level of the file.
func readMoov(r io.ReaderAt, size int64, maxCover int) ([]byte, error) {
	pos := int64(0)
	for i := 0; pos+8 <= size; i++ {
		if i == maxMP4Atoms {
			return nil, fmt.Errorf("mp4: more than %d top-level atoms", maxMP4Atoms)
		}
		hdr, err := readAt(r, pos, 16, size)
		if err != nil {
			hdr, err = readAt(r, pos, 8, size)
			if err != nil {
				return nil, err
			}
		}
		n := int64(binary.BigEndian.Uint32(hdr))
		hlen := int64(8)
		switch n {
		case 0:
			n = size - pos
		case 1:
			if len(hdr) < 16 {
				return nil, io.ErrUnexpectedEOF
			}
			n, hlen = int64(binary.BigEndian.Uint64(hdr[8:])), 16
		}
		if n < hlen || n > size-pos {
			return nil, errors.New("mp4: atom runs past the end of the file")
		}
		if string(hdr[4:8]) == "moov" {
			if n > maxMoovBytes(maxCover) {
				return nil, errUnsupported
			}
			return readAt(r, pos+hlen, n-hlen, size)
		}
		pos += n
	}
	return nil, errors.New("mp4: no moov atom")
}

// parseMP4 reads an M4A file: the iTunes item list under moov/udta/meta
// and the first sound track's mdhd and stsd atoms for AAC or ALAC. The
// properties follow TagLib 2.1: the length from the media header, and the
// bit rate, channels and sample rate from the esds or alac description.
// Encrypted tracks, other codecs and ID3v1 genre numbers are left to
// TagLib.
func parseMP4(r io.ReaderAt, size int64, maxCover int) (nativeResult, error) {
	moov, err := readMoov(r, size, maxCover)
	if err != nil {
		return nativeResult{}, err
	}
	res := nativeResult{tags: map[string][]string{}}
	if err := mp4Properties(moov, &res); err != nil {
		return nativeResult{}, err
	}
	if meta, ok := mp4Find(moov, "udta", "meta"); ok {
		if len(meta.body) < 4 || binary.BigEndian.Uint32(meta.body) != 0 {
			return nativeResult{}, errUnsupported // meta without version and flags
		}
		if ilst, ok := mp4Find(meta.body[4:], "ilst"); ok {
			if err := mp4Items(ilst.body, &res, maxCover); err != nil {
				return nativeResult{}, err
			}
		}
	}
	return res, nil
}

func mp4Properties(moov []byte, res *nativeResult) error {
	atoms, err := mp4Atoms(moov)
	if err != nil {
		return err
	}
	var trak []byte
	for _, a := range atoms {
		if a.typ != "trak" {
			continue
		}
		hdlr, ok := mp4Find(a.body, "mdia", "hdlr")
		if ok && len(hdlr.full) >= 20 && string(hdlr.full[16:20]) == "soun" {
			trak = a.body
			break
		}
	}
	if trak == nil {
		return errUnsupported
	}

	mdhd, ok := mp4Find(trak, "mdia", "mdhd")
	if !ok || len(mdhd.full) < 9 {
		return errUnsupported
	}
	var unit, length uint64
	if d := mdhd.full; d[8] == 1 {
		if len(d) < 44 {
			return errUnsupported
		}
		unit, length = binary.BigEndian.Uint64(d[28:]), binary.BigEndian.Uint64(d[36:])
	} else {
		if len(d) < 28 {
			return errUnsupported
		}
		unit, length = uint64(binary.BigEndian.Uint32(d[20:])), uint64(binary.BigEndian.Uint32(d[24:]))
	}

	stsd, ok := mp4Find(trak, "mdia", "minf", "stbl", "stsd")
	if !ok || len(stsd.full) < 24 {
		return errUnsupported
	}
	d := stsd.full
	switch string(d[20:24]) {
	case "mp4a":
		if len(d) < 65 || string(d[56:60]) != "esds" || d[64] != 0x03 {
			return errUnsupported
		}
		res.channels = int(binary.BigEndian.Uint16(d[40:]))
		res.sampleRate = int(binary.BigEndian.Uint32(d[46:]))
		res.codec = CodecAAC
		bitrate, err := esdsBitrate(d[65:])
		if err != nil {
			return err
		}
		res.bitrate = bitrate
	case "alac":
		if len(d) != 88 || string(d[56:60]) != "alac" {
			return errUnsupported
		}
		res.channels = int(d[73])
		res.bitrate = int(float64(binary.BigEndian.Uint32(d[80:]))/1000 + 0.5)
		res.sampleRate = int(binary.BigEndian.Uint32(d[84:]))
		res.codec, res.bits = CodecALAC, int(d[69])
	default:
		return errUnsupported // other codecs and encrypted "enca" entries
	}

	if unit > 0 && length > 0 {
		lengthMS := float64(length) * 1000 / float64(unit)
		if lengthMS >= 1<<31-1 {
			return errUnsupported
		}
		res.lengthMS = int64(lengthMS + 0.5)
	}
	return nil
}

// esdsBitrate reads the average bit rate in kbit/s from the
// DecoderConfigDescriptor inside an ES_Descriptor, starting after the
// ES_Descriptor tag.
func esdsBitrate(d []byte) (int, error) {
	pos := 0
	skipLength := func() {
		if len(d) >= pos+3 && string(d[pos:pos+3]) == "\x80\x80\x80" {
			pos += 3
		}
	}
	skipLength()
	pos += 4 // length, ES_ID and flags
	if len(d) <= pos || d[pos] != 0x04 {
		return 0, errUnsupported
	}
	pos++
	skipLength()
	pos += 10 // length, object type, stream type, buffer size, maximum bit rate
	if len(d) < pos+4 {
		return 0, errUnsupported
	}
	avg := binary.BigEndian.Uint32(d[pos:])
	if avg == 0 {
		// Without an average bit rate the file goes to TagLib.
		return 0, errUnsupported
	}
	// TagLib 2.1 rounds twice, so 129356 bit/s becomes 130 kbit/s.
	return int((float64(avg)+500)/1000 + 0.5), nil
}

// mp4Items maps the iTunes items that the library stores to TagLib 2.1's
// property keys.
func mp4Items(ilst []byte, res *nativeResult, maxCover int) error {
	items, err := mp4Atoms(ilst)
	if err != nil {
		return err
	}
	for _, item := range items {
		children, err := mp4Atoms(item.body)
		if err != nil {
			return err
		}
		key := mp4Key(item.typ)
		var mean, name string
		for _, c := range children {
			switch c.typ {
			case "mean":
				if len(c.body) >= 4 {
					mean = string(c.body[4:])
				}
			case "name":
				if len(c.body) >= 4 {
					name = string(c.body[4:])
				}
			case "data":
				if len(c.body) < 8 {
					return errors.New("mp4: data atom shorter than its header")
				}
				kind := binary.BigEndian.Uint32(c.body) & 0xffffff
				payload := c.body[8:]
				if item.typ == "----" {
					key = freeformKey(mean, name)
				}
				if err := addMP4Value(res, item.typ, key, kind, payload, maxCover); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func addMP4Value(res *nativeResult, typ, key string, kind uint32, payload []byte, maxCover int) error {
	switch typ {
	case "gnre":
		return errUnsupported // ID3v1 genre number
	case "covr":
		if res.hasPicture {
			return nil
		}
		res.hasPicture = true
		if len(payload) <= maxCover {
			res.cover = append([]byte(nil), payload...)
			res.coverMIME = mp4ImageMIME(kind)
		}
		return nil
	case "trkn", "disk":
		if len(payload) < 6 {
			return nil
		}
		n := binary.BigEndian.Uint16(payload[2:])
		total := binary.BigEndian.Uint16(payload[4:])
		v := strconv.Itoa(int(n))
		if total > 0 {
			v += "/" + strconv.Itoa(int(total))
		}
		res.tags[key] = append(res.tags[key], v)
		return nil
	}
	if key == "" {
		return nil
	}
	if kind != 1 { // UTF-8 text
		return errUnsupported
	}
	res.tags[key] = append(res.tags[key], string(payload))
	return nil
}

// mp4Key returns the property key of an iTunes item, for the keys the
// library stores, or "".
func mp4Key(typ string) string {
	switch typ {
	case "\xa9nam":
		return "TITLE"
	case "\xa9ART":
		return "ARTIST"
	case "aART":
		return "ALBUMARTIST"
	case "\xa9alb":
		return "ALBUM"
	case "\xa9wrt":
		return "COMPOSER"
	case "\xa9gen":
		return "GENRE"
	case "\xa9day":
		return "DATE"
	case "\xa9cmt":
		return "COMMENT"
	case "trkn":
		return "TRACKNUMBER"
	case "disk":
		return "DISCNUMBER"
	}
	return ""
}

// freeformKey returns the property key of a "----" item: the MusicBrainz
// ids under the names Picard writes, and other com.apple.iTunes names
// upper-cased.
func freeformKey(mean, name string) string {
	if mean != "com.apple.iTunes" {
		return ""
	}
	switch name {
	case "MusicBrainz Track Id":
		return "MUSICBRAINZ_TRACKID"
	case "MusicBrainz Album Id":
		return "MUSICBRAINZ_ALBUMID"
	case "MusicBrainz Artist Id":
		return "MUSICBRAINZ_ARTISTID"
	case "MusicBrainz Album Artist Id":
		return "MUSICBRAINZ_ALBUMARTISTID"
	case "MusicBrainz Release Group Id":
		return "MUSICBRAINZ_RELEASEGROUPID"
	case "MusicBrainz Work Id":
		return "MUSICBRAINZ_WORKID"
	case "MusicBrainz Release Track Id":
		return "MUSICBRAINZ_RELEASETRACKID"
	}
	return strings.ToUpper(name)
}

// mp4ImageMIME returns the MIME type of a covr data type.
func mp4ImageMIME(kind uint32) string {
	switch kind {
	case 13:
		return "image/jpeg"
	case 14:
		return "image/png"
	case 12:
		return "image/gif"
	case 27:
		return "image/bmp"
	}
	return ""
}
