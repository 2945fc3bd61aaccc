package tags

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"image/color"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/backend/local/testlib"
)

// nativeFormats are the generator formats that the Go parsers read.
var nativeFormats = []string{"mp3-id3v23", "mp3-id3v24", "flac", "ogg", "opus", "wav", "m4a-aac", "m4a-alac"}

func fullTestTags(name string) *testlib.Tags {
	return &testlib.Tags{
		Title:        "\ufeffTitle \x01of " + name,
		Album:        "Album ünïcode",
		Artists:      []string{"Alice", "Bob", "Alice"},
		AlbumArtists: []string{"Various", "Others"},
		Genres:       []string{"Rock", "Jazz"},
		Composers:    []string{"Carol"},
		Performers:   []string{"Dave", "Eve"},
		Track:        "03/12",
		Disc:         "1/2",
		Date:         "2019-05",
		Comment:      "a comment",
		MBTrack:      "8f3471b5-7e6a-48da-86a9-c1c07a0f47ae",
		MBAlbum:      "1b2e3d4c-0000-4000-8000-000000000001",
		MBArtist:     "1b2e3d4c-0000-4000-8000-000000000002",
		RGTrackGain:  "-6.50 dB",
		RGTrackPeak:  "0.988",
		RGAlbumGain:  "-7.25 dB",
	}
}

// TestNativeMatchesTagLib reads generated files of every format through
// Read and through TagLib alone, and requires the same Info. The Go
// parsers must take every generated format.
func TestNativeMatchesTagLib(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gen, err := testlib.NewGenerator(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cover := testlib.PNG(color.RGBA{G: 200, A: 255})
	var files []testlib.File
	for _, f := range testlib.Formats {
		files = append(files,
			testlib.File{Path: f + "-full", Format: f, Tags: fullTestTags(f), Cover: cover},
			testlib.File{Path: f + "-untagged", Format: f},
			testlib.File{Path: f + "-nocover", Format: f, Tags: &testlib.Tags{Title: "Only a title", Artists: []string{"AC/DC"}}},
			testlib.File{Path: f + "-truncated", Format: f, Tags: fullTestTags(f), Cover: cover},
			testlib.File{Path: f + "-latin1", Format: f, Latin1: true, Tags: &testlib.Tags{
				Title: "Café Señor", Artists: []string{"Björk", "Sigur Rós"}, Comment: "déjà vu",
			}},
		)
	}
	if err := gen.Write(ctx, dir, files); err != nil {
		t.Fatal(err)
	}
	for _, f := range testlib.Formats {
		p := filepath.Join(dir, f+"-truncated")
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data[:len(data)*2/3], 0o600); err != nil {
			t.Fatal(err)
		}
	}

	for _, maxCover := range []int{0, 40} {
		r, err := NewReader(Options{MaxCoverBytes: maxCover})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		for _, file := range files {
			native := slices.Contains(nativeFormats, file.Format)
			t.Run(file.Path, func(t *testing.T) {
				path := filepath.Join(dir, file.Path)
				_, ok := r.readNative(path)
				// A truncated Ogg file may lose a header packet, and then
				// the Go parser leaves it to TagLib.
				truncated := strings.HasSuffix(file.Path, "-truncated")
				if ok != native && !(truncated && !ok) {
					t.Fatalf("readNative ok = %v, want %v", ok, native)
				}
				got, err := r.Read(path)
				want, wantErr := r.readTagLib(path)
				if (err == nil) != (wantErr == nil) {
					t.Fatalf("Read error %v, TagLib error %v", err, wantErr)
				}
				if err != nil {
					return // TagLib rejects this truncated file too
				}
				// TagLib reports no codec or sample size.
				got.Codec, got.BitsPerSample = "", 0
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Go parser and TagLib differ (cover limit %d):\n Go     %+v\n TagLib %+v", r.maxCover, strip(got), strip(want))
				}
				if maxCover == 0 && file.Cover != nil && !bytes.Equal(got.Cover, file.Cover) {
					t.Errorf("cover of %d bytes, want the %d-byte PNG", len(got.Cover), len(file.Cover))
				}
				if maxCover == 40 && got.Cover != nil {
					t.Errorf("cover of %d bytes kept over a 40-byte limit", len(got.Cover))
				}
			})
		}
	}
}

// strip drops the cover bytes so a failure message stays short.
func strip(info Info) Info {
	if info.Cover != nil {
		info.Cover = []byte("<cover>")
	}
	return info
}

// commentBlock builds a Vorbis comment from KEY=value fields.
func commentBlock(fields ...string) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 6)
	b = append(b, "vendor"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(fields)))
	for _, f := range fields {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// pictureBlock builds a FLAC PICTURE block body.
func pictureBlock(mime string, data []byte) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, 3)
	b = binary.BigEndian.AppendUint32(b, uint32(len(mime)))
	b = append(b, mime...)
	b = binary.BigEndian.AppendUint32(b, 5)
	b = append(b, "cover"...)
	b = append(b, make([]byte, 16)...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// flacFile builds a FLAC file of one second at 44.1 kHz stereo with the
// given metadata blocks after STREAMINFO and 1000 bytes of audio.
func flacFile(blocks ...[]byte) []byte {
	out := []byte("fLaC")
	info := make([]byte, 34)
	flags := uint32(44100)<<12 | 1<<9 | 15<<4
	binary.BigEndian.PutUint32(info[10:], flags)
	binary.BigEndian.PutUint32(info[14:], 44100)
	all := append([][]byte{info}, blocks...)
	for i, b := range all {
		typ := byte(flacStreamInfo)
		switch {
		case i == 0:
		case bytes.HasPrefix(b, []byte{0, 0, 0, 3}):
			typ = flacPicture
		default:
			typ = flacVorbisComment
		}
		if i == len(all)-1 {
			typ |= 0x80
		}
		out = append(out, typ, byte(len(b)>>16), byte(len(b)>>8), byte(len(b)))
		out = append(out, b...)
	}
	return append(out, make([]byte, 1000)...)
}

// oggFile builds a one-page-per-packet Ogg stream ending at granule end.
func oggFile(end int64, packets ...[]byte) []byte {
	var out []byte
	for i, p := range packets {
		hdr := make([]byte, oggHeaderSize)
		copy(hdr, "OggS")
		if i == len(packets)-1 {
			binary.LittleEndian.PutUint64(hdr[6:], uint64(end))
		}
		binary.LittleEndian.PutUint32(hdr[14:], 7)
		binary.LittleEndian.PutUint32(hdr[18:], uint32(i))
		var lacing []byte
		n := len(p)
		for n >= 255 {
			lacing = append(lacing, 255)
			n -= 255
		}
		lacing = append(lacing, byte(n))
		hdr[26] = byte(len(lacing))
		out = append(out, hdr...)
		out = append(out, lacing...)
		out = append(out, p...)
	}
	return out
}

func opusHead(channels byte, preSkip uint16) []byte {
	b := []byte("OpusHead\x01")
	b = append(b, channels)
	b = binary.LittleEndian.AppendUint16(b, preSkip)
	b = binary.LittleEndian.AppendUint32(b, 44100)
	return append(b, 0, 0, 0)
}

func TestParseFLACBlocks(t *testing.T) {
	png := testlib.PNG(color.RGBA{B: 255, A: 255})
	file := flacFile(
		commentBlock("title=One", "ARTIST=A", "Artist=B", "no equals sign", "bad\x7fkey=x"),
		pictureBlock("image/png", png),
		pictureBlock("image/jpeg", []byte("second")),
	)
	res, err := parseFLAC(bytes.NewReader(file), int64(len(file)), DefaultMaxCoverBytes)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.tags["TITLE"], []string{"One"}) {
		t.Errorf("TITLE = %q, want [One]", res.tags["TITLE"])
	}
	if !slices.Equal(res.tags["ARTIST"], []string{"A", "B"}) {
		t.Errorf("ARTIST = %q, want [A B]", res.tags["ARTIST"])
	}
	if len(res.tags) != 2 {
		t.Errorf("tags %q, want the invalid fields skipped", res.tags)
	}
	if !bytes.Equal(res.cover, png) || res.coverMIME != "image/png" {
		t.Errorf("cover %q (%s), want the first picture", res.cover, res.coverMIME)
	}
	if res.lengthMS != 1000 || res.sampleRate != 44100 || res.channels != 2 {
		t.Errorf("length %d ms, %d Hz, %d channels; want 1000 ms, 44100 Hz, 2", res.lengthMS, res.sampleRate, res.channels)
	}
	if res.bitrate != 8 {
		t.Errorf("bitrate %d kbit/s, want 8 (1000 bytes in 1 s)", res.bitrate)
	}
}

func TestParseFLACRejects(t *testing.T) {
	cases := map[string][]byte{
		"no streaminfo":    append([]byte("fLaC\x84\x00\x00\x04"), commentBlock()...),
		"block past end":   []byte("fLaC\x80\x00\x01\x00abc"),
		"two comments":     flacFile(commentBlock(), commentBlock()),
		"legacy COVERART":  flacFile(commentBlock("COVERART=abcd")),
		"comment overflow": flacFile([]byte{6, 0, 0, 0, 'v', 'e', 'n', 'd', 'o', 'r', 0xff, 0xff, 0xff, 0xff}),
	}
	for name, file := range cases {
		if _, err := parseFLAC(bytes.NewReader(file), int64(len(file)), DefaultMaxCoverBytes); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

func TestParseOggOpus(t *testing.T) {
	png := testlib.PNG(color.RGBA{R: 255, A: 255})
	pic := base64.StdEncoding.EncodeToString(pictureBlock("", png))
	tags := append([]byte("OpusTags"), commentBlock("TITLE=Opus", "METADATA_BLOCK_PICTURE="+pic, "GENRE=Folk")...)
	file := oggFile(312+96000, opusHead(2, 312), tags, make([]byte, 600))
	res, err := parseOgg(bytes.NewReader(file), int64(len(file)), DefaultMaxCoverBytes)
	if err != nil {
		t.Fatal(err)
	}
	if res.lengthMS != 2000 || res.sampleRate != 48000 || res.channels != 2 {
		t.Errorf("length %d ms, %d Hz, %d channels; want 2000 ms, 48000 Hz, 2", res.lengthMS, res.sampleRate, res.channels)
	}
	if !slices.Equal(res.tags["GENRE"], []string{"Folk"}) || res.tags["METADATA_BLOCK_PICTURE"] != nil {
		t.Errorf("tags %q, want GENRE and no picture field", res.tags)
	}
	if !bytes.Equal(res.cover, png) {
		t.Errorf("cover of %d bytes, want the %d-byte PNG", len(res.cover), len(png))
	}
	if got := CoverMIME(res.coverMIME, res.cover); got != "image/png" {
		t.Errorf("cover MIME %q, want image/png from the bytes", got)
	}
}

func TestParseOggRejects(t *testing.T) {
	// The header budget for a 1-byte cover limit is about 2.4 MiB.
	big := make([]byte, 3<<20)
	cases := map[string][]byte{
		"speex":           oggFile(100, []byte("Speex   "), commentBlock()),
		"missing packets": oggFile(100, opusHead(1, 0)),
		"bad second":      oggFile(100, opusHead(1, 0), commentBlock()),
		"short head":      oggFile(100, []byte("OpusHead"), append([]byte("OpusTags"), commentBlock()...)),
		"over budget":     oggFile(100, opusHead(1, 0), append([]byte("OpusTags"), big...)),
	}
	for name, file := range cases {
		if _, err := parseOgg(bytes.NewReader(file), int64(len(file)), 1); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
	multiplexed := oggFile(100, opusHead(1, 0), append([]byte("OpusTags"), commentBlock()...))
	second := bytes.Index(multiplexed[4:], []byte("OggS")) + 4
	multiplexed[second+14] ^= 1 // serial number of the second page
	if _, err := parseOgg(bytes.NewReader(multiplexed), int64(len(multiplexed)), 1<<20); !errors.Is(err, errUnsupported) {
		t.Errorf("multiplexed stream: err %v, want errUnsupported", err)
	}
}

func TestParsePictureTooLarge(t *testing.T) {
	data, _, err := parsePicture(pictureBlock("image/png", make([]byte, 100)), 99)
	if err != nil || data != nil {
		t.Errorf("parsePicture over the limit = %d bytes, %v; want nil, nil", len(data), err)
	}
}

// checkNative fails when a parser's result breaks the bounds it promises.
func checkNative(t *testing.T, res nativeResult, err error, maxCover int) {
	if err != nil {
		return
	}
	if len(res.cover) > maxCover {
		t.Fatalf("cover of %d bytes over the %d-byte limit", len(res.cover), maxCover)
	}
	if res.lengthMS < 0 || res.bitrate < 0 || res.channels < 0 {
		t.Fatalf("negative property: %+v", res)
	}
}

func FuzzParseNative(f *testing.F) {
	png := testlib.PNG(color.RGBA{R: 1, A: 255})
	f.Add(flacFile(commentBlock("TITLE=x", "ARTIST=a"), pictureBlock("image/png", png)))
	f.Add(oggFile(48000, opusHead(2, 312), append([]byte("OpusTags"), commentBlock("TITLE=y")...)))
	vorbisID := append([]byte("\x01vorbis\x00\x00\x00\x00\x02\x44\xac\x00\x00"), make([]byte, 15)...)
	f.Add(oggFile(44100, vorbisID, append([]byte("\x03vorbis"), commentBlock("TITLE=z")...), []byte("\x05vorbis")))
	f.Add(mp3File(id3Tag24("TIT2", "\x03Title\x00")))
	f.Add(wavFile(id3Tag24("TPE1", "\x00A\x00B")))
	f.Add(m4aFile(atom("\xa9nam", atom("data", "\x00\x00\x00\x01\x00\x00\x00\x00Title"))))
	const maxCover = 1 << 12
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := parseNative(bytes.NewReader(data), int64(len(data)), maxCover)
		checkNative(t, res, err, maxCover)
	})
}

func FuzzParseVorbisComment(f *testing.F) {
	pic := base64.StdEncoding.EncodeToString(pictureBlock("image/png", []byte("png")))
	f.Add(commentBlock("TITLE=a", "METADATA_BLOCK_PICTURE="+pic, "x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		vc, err := parseVorbisComment(data, 16)
		if err != nil {
			return
		}
		if len(vc.cover) > 16 {
			t.Fatalf("cover of %d bytes over the 16-byte limit", len(vc.cover))
		}
		n := 0
		for _, vs := range vc.tags {
			n += len(vs)
		}
		if n > len(data)/4 {
			t.Fatalf("%d values from %d bytes", n, len(data))
		}
	})
}

// id3Tag24 builds an ID3v2.4 tag from frame ids and bodies.
func id3Tag24(pairs ...string) []byte {
	var frames []byte
	for i := 0; i+1 < len(pairs); i += 2 {
		n := len(pairs[i+1])
		frames = append(frames, pairs[i]...)
		frames = append(frames, byte(n>>21&0x7f), byte(n>>14&0x7f), byte(n>>7&0x7f), byte(n&0x7f), 0, 0)
		frames = append(frames, pairs[i+1]...)
	}
	n := len(frames)
	tag := []byte{'I', 'D', '3', 4, 0, 0, byte(n >> 21 & 0x7f), byte(n >> 14 & 0x7f), byte(n >> 7 & 0x7f), byte(n & 0x7f)}
	return append(tag, frames...)
}

// mp3File builds an MP3 file of 10 MPEG-1 layer III frames at 128 kbit/s
// and 44.1 kHz stereo, the first holding an Info header.
func mp3File(tag []byte) []byte {
	frame := make([]byte, 417)
	copy(frame, []byte{0xff, 0xfb, 0x90, 0x00})
	first := slices.Clone(frame)
	copy(first[36:], "Info\x00\x00\x00\x03")
	binary.BigEndian.PutUint32(first[44:], 10)
	binary.BigEndian.PutUint32(first[48:], 4170)
	out := append(slices.Clone(tag), first...)
	for range 9 {
		out = append(out, frame...)
	}
	return out
}

func TestParseMP3Info(t *testing.T) {
	file := mp3File(id3Tag24("TIT2", "\x03One\x00Two", "TCON", "\x0317"))
	if _, err := parseMP3(bytes.NewReader(file), int64(len(file)), 1<<20); !errors.Is(err, errUnsupported) {
		t.Errorf("numeric genre: err %v, want errUnsupported", err)
	}
	file = mp3File(id3Tag24("TIT2", "\x03One\x00Two", "TXXX", "\x03MusicBrainz Album Id\x00abc"))
	res, err := parseMP3(bytes.NewReader(file), int64(len(file)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.tags["TITLE"], []string{"One", "Two"}) {
		t.Errorf("TITLE = %q, want [One Two]", res.tags["TITLE"])
	}
	if !slices.Equal(res.tags["MUSICBRAINZ_ALBUMID"], []string{"abc"}) {
		t.Errorf("MUSICBRAINZ_ALBUMID = %q, want [abc]", res.tags["MUSICBRAINZ_ALBUMID"])
	}
	if res.lengthMS != 261 || res.bitrate != 128 || res.sampleRate != 44100 || res.channels != 2 {
		t.Errorf("%d ms, %d kbit/s, %d Hz, %d channels; want 261 ms, 128 kbit/s, 44100 Hz, 2",
			res.lengthMS, res.bitrate, res.sampleRate, res.channels)
	}
}

// wavFile builds a WAV file of 0.5 s of 16-bit stereo PCM at 8 kHz with
// the tag in an "id3 " chunk.
func wavFile(tag []byte) []byte {
	var b []byte
	b = append(b, "RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00"...)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint32(b, 8000)
	b = binary.LittleEndian.AppendUint32(b, 32000)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, 16000)
	b = append(b, make([]byte, 16000)...)
	b = append(b, "id3 "...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(tag)))
	return append(b, tag...)
}

func TestParseWAV(t *testing.T) {
	file := wavFile(id3Tag24("TPE1", "\x00Bj\xf6rk"))
	res, err := parseWAV(bytes.NewReader(file), int64(len(file)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.tags["ARTIST"], []string{"Björk"}) {
		t.Errorf("ARTIST = %q, want [Björk] from Latin-1", res.tags["ARTIST"])
	}
	if res.lengthMS != 500 || res.bitrate != 256 || res.sampleRate != 8000 || res.channels != 2 {
		t.Errorf("%d ms, %d kbit/s, %d Hz, %d channels; want 500 ms, 256 kbit/s, 8000 Hz, 2",
			res.lengthMS, res.bitrate, res.sampleRate, res.channels)
	}
	list := append(slices.Clone(file), "LIST\x04\x00\x00\x00INFO"...)
	if _, err := parseWAV(bytes.NewReader(list), int64(len(list)), 1<<20); !errors.Is(err, errUnsupported) {
		t.Errorf("LIST chunk: err %v, want errUnsupported", err)
	}
}

// atom builds an MP4 atom from its type and body parts.
func atom(typ string, body ...string) string {
	b := strings.Join(body, "")
	return string(binary.BigEndian.AppendUint32(nil, uint32(8+len(b)))) + typ + b
}

// m4aFile builds an M4A file with one AAC track of 2 s at 44.1 kHz stereo,
// 128 kbit/s, and the given iTunes items.
func m4aFile(items ...string) []byte {
	u32 := func(v uint32) string { return string(binary.BigEndian.AppendUint32(nil, v)) }
	hdlr := atom("hdlr", u32(0), u32(0), "soun", strings.Repeat("\x00", 13))
	mdhd := atom("mdhd", u32(0), u32(0), u32(0), u32(44100), u32(88200), u32(0))
	esds := atom("esds", u32(0), "\x03\x80\x80\x80\x22\x00\x01\x00",
		"\x04\x80\x80\x80\x14\x40\x15\x00\x00\x00", u32(128000), u32(128000), "\x05\x80\x80\x80\x02\x12\x10")
	mp4a := atom("mp4a", strings.Repeat("\x00", 6), "\x00\x01", strings.Repeat("\x00", 8),
		"\x00\x02\x00\x10\x00\x00\x00\x00", u32(44100<<16), esds)
	stsd := atom("stsd", u32(0), u32(1), mp4a)
	trak := atom("trak", atom("mdia", hdlr, mdhd, atom("minf", atom("stbl", stsd))))
	meta := atom("meta", u32(0), atom("ilst", items...))
	file := atom("ftyp", "M4A ", u32(0)) + atom("moov", trak, atom("udta", meta)) + atom("mdat", strings.Repeat("\x00", 100))
	return []byte(file)
}

func TestParseMP4Items(t *testing.T) {
	data := func(kind byte, payload string) string {
		return atom("data", "\x00\x00\x00"+string(kind)+"\x00\x00\x00\x00"+payload)
	}
	file := m4aFile(
		atom("\xa9ART", data(1, "A"), data(1, "B")),
		atom("trkn", data(0, "\x00\x00\x00\x03\x00\x0c\x00\x00")),
		atom("----", atom("mean", "\x00\x00\x00\x00com.apple.iTunes"), atom("name", "\x00\x00\x00\x00MusicBrainz Album Id"), data(1, "abc")),
		atom("covr", data(14, "png bytes"), data(13, "jpeg bytes")),
	)
	res, err := parseMP4(bytes.NewReader(file), int64(len(file)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.tags["ARTIST"], []string{"A", "B"}) {
		t.Errorf("ARTIST = %q, want [A B]", res.tags["ARTIST"])
	}
	if !slices.Equal(res.tags["TRACKNUMBER"], []string{"3/12"}) {
		t.Errorf("TRACKNUMBER = %q, want [3/12]", res.tags["TRACKNUMBER"])
	}
	if !slices.Equal(res.tags["MUSICBRAINZ_ALBUMID"], []string{"abc"}) {
		t.Errorf("MUSICBRAINZ_ALBUMID = %q, want [abc]", res.tags["MUSICBRAINZ_ALBUMID"])
	}
	if string(res.cover) != "png bytes" || res.coverMIME != "image/png" {
		t.Errorf("cover %q (%s), want the first, PNG one", res.cover, res.coverMIME)
	}
	if res.lengthMS != 2000 || res.bitrate != 129 || res.sampleRate != 44100 || res.channels != 2 {
		t.Errorf("%d ms, %d kbit/s, %d Hz, %d channels; want 2000 ms, 129 kbit/s (TagLib's rounding), 44100 Hz, 2",
			res.lengthMS, res.bitrate, res.sampleRate, res.channels)
	}
	genre := m4aFile(atom("gnre", data(0, "\x00\x11")))
	if _, err := parseMP4(bytes.NewReader(genre), int64(len(genre)), 1<<20); !errors.Is(err, errUnsupported) {
		t.Errorf("gnre item: err %v, want errUnsupported", err)
	}
}
