// Package tags reads the metadata of an audio file (tags, duration, bit
// rate, ReplayGain, MusicBrainz ids and the embedded cover). Bounded Go
// parsers read FLAC, Ogg Vorbis, Opus, MP3, WAV and M4A files, and TagLib
// compiled to WebAssembly (go.senan.xyz/taglib) reads every other file. The
// package cleans the values so that the library stores valid UTF-8 without
// control characters.
package tags

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"go.senan.xyz/taglib"

	"github.com/tonearm/tonearm/internal/audio"
)

// Limits on what one file may contribute.
const (
	// MaxValueBytes is the longest tag value kept; longer values are cut.
	MaxValueBytes = 4096
	// MaxValues is the most values kept for one multi-valued tag.
	MaxValues = 64
	// DefaultMaxCoverBytes is the largest embedded cover kept by default.
	DefaultMaxCoverBytes = 16 << 20
)

// Info is the metadata the library stores for one file.
type Info struct {
	Title        string
	Album        string
	Artists      []string
	AlbumArtists []string
	Composers    []string
	Performers   []string
	Genres       []string
	TrackNo      int
	NumTracks    int
	DiscNo       int
	NumDiscs     int
	Date         string
	Comment      string

	MusicBrainzTrackID       string
	MusicBrainzAlbumID       string
	MusicBrainzArtistID      string
	MusicBrainzAlbumArtistID string

	Gain audio.ReplayGain

	Length     time.Duration
	Bitrate    int // bit/s
	SampleRate int // Hz
	Channels   int
	// Codec names the audio coding when the Go parsers recognise it:
	// CodecMP3, CodecFLAC, CodecVorbis, CodecOpus, CodecPCM, CodecFloat,
	// CodecAAC or CodecALAC. It is empty for other files.
	Codec string
	// BitsPerSample is the sample size of a FLAC, PCM or ALAC stream, and
	// 0 for lossy codecs and unknown files.
	BitsPerSample int

	// Cover is the first embedded picture, nil when there is none or when
	// it is larger than the reader's limit.
	Cover     []byte
	CoverMIME string
}

// The codecs Info.Codec names, those of audio.Encoding.
const (
	CodecMP3    = audio.CodecMP3
	CodecFLAC   = audio.CodecFLAC
	CodecVorbis = audio.CodecVorbis
	CodecOpus   = audio.CodecOpus
	CodecPCM    = audio.CodecPCM
	CodecFloat  = audio.CodecFloat
	CodecAAC    = audio.CodecAAC
	CodecALAC   = audio.CodecALAC
)

// Options configures a Reader.
type Options struct {
	// TempDir, when not empty, becomes the process's TMPDIR, because TagLib's
	// WebAssembly runtime keeps its compiled native code in
	// $TMPDIR/go-taglib-wasm. It must be private to the server so that no
	// other user can plant code there. It is created with mode 0700.
	TempDir string
	// MaxCoverBytes bounds the cover read from a file; 0 means
	// DefaultMaxCoverBytes.
	MaxCoverBytes int
}

// ErrNoAudio is returned for a file in which TagLib finds no audio stream.
var ErrNoAudio = errors.New("no audio stream found")

// Reader reads file metadata. It is safe for concurrent use.
type Reader struct {
	maxCover int
	linkDir  string // private folder for links to files with non-UTF-8 names
	linkSeq  atomic.Uint64
}

// NewReader checks the WebAssembly cache folder and returns a Reader.
//
// NOTE: TMPDIR is process-wide, so Options.TempDir takes effect only when
// NewReader runs before anything else calls go.senan.xyz/taglib.
func NewReader(opts Options) (*Reader, error) {
	if opts.TempDir != "" {
		if err := os.MkdirAll(opts.TempDir, 0o700); err != nil {
			return nil, fmt.Errorf("create tag reader temp folder %s: %w", opts.TempDir, err)
		}
		if err := os.Setenv("TMPDIR", opts.TempDir); err != nil {
			return nil, fmt.Errorf("set TMPDIR to %s: %w", opts.TempDir, err)
		}
	}
	if err := checkCacheDir(filepath.Join(os.TempDir(), "go-taglib-wasm")); err != nil {
		return nil, err
	}
	r := &Reader{maxCover: opts.MaxCoverBytes}
	if r.maxCover <= 0 {
		r.maxCover = DefaultMaxCoverBytes
	}
	linkDir, err := os.MkdirTemp("", "tonearm-tags-")
	if err != nil {
		return nil, fmt.Errorf("create tag reader link folder: %w", err)
	}
	r.linkDir = linkDir
	return r, nil
}

// Close removes the reader's private link folder.
func (r *Reader) Close() error {
	return os.RemoveAll(r.linkDir)
}

// checkCacheDir rejects a compiled-code cache that another user owns or
// can write to.
func checkCacheDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check tag reader cache %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("tag reader cache %s is not a folder; remove it or set a private temp folder", dir)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("tag reader cache %s is writable by others (mode %v); remove it or set a private temp folder", dir, fi.Mode().Perm())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("tag reader cache %s is owned by uid %d, not %d; remove it or set a private temp folder", dir, st.Uid, os.Getuid())
	}
	return nil
}

// Read reads the metadata of the file at path, an absolute path that the
// caller has already confined to the music folder. FLAC, Ogg Vorbis, Opus,
// MP3, WAV and M4A files go through the Go parsers in this package, and
// every other file, or one those parsers reject, goes through TagLib. A
// file that TagLib cannot parse returns an error wrapping
// taglib.ErrInvalidFile.
func (r *Reader) Read(path string) (Info, error) {
	native, ok := r.readNative(path)
	if ok {
		return native, nil
	}
	info, err := r.readTagLib(path)
	if err == nil {
		// TagLib reports no codec. The Go parsers may have found it in a
		// file that they left to TagLib, such as an MP3 with an ID3v1 tag.
		info.Codec, info.BitsPerSample = native.Codec, native.BitsPerSample
	}
	return info, err
}

// readTagLib reads the file with TagLib, which costs up to three
// WebAssembly module instantiations: tags, audio properties and the cover.
func (r *Reader) readTagLib(path string) (info Info, err error) {
	// The WebAssembly glue panics on memory errors; a hostile file must not
	// take the server down.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("read tags of %s: tag reader panicked: %v", path, p)
		}
	}()

	// TagLib's WebAssembly side takes paths as UTF-8 strings, so a file with
	// another name is read through a symlink with a plain name.
	if !utf8.ValidString(path) {
		link, err := r.link(path)
		if err != nil {
			return Info{}, err
		}
		defer os.Remove(link)
		path = link
	}
	raw, err := taglib.ReadTags(path)
	if err != nil {
		return Info{}, fmt.Errorf("read tags of %s: %w", path, err)
	}
	props, err := taglib.ReadProperties(path)
	if err != nil {
		return Info{}, fmt.Errorf("read audio properties of %s: %w", path, err)
	}
	if props.SampleRate == 0 && props.Length == 0 {
		return Info{}, fmt.Errorf("read audio properties of %s: %w", path, ErrNoAudio)
	}
	info = fromTags(raw)
	info.Length = props.Length
	info.Bitrate = int(props.Bitrate) * 1000
	info.SampleRate = int(props.SampleRate)
	info.Channels = int(props.Channels)

	if len(props.Images) > 0 {
		img, err := taglib.ReadImage(path)
		if err != nil {
			return Info{}, fmt.Errorf("read cover of %s: %w", path, err)
		}
		if len(img) > 0 && len(img) <= r.maxCover {
			info.Cover = img
			info.CoverMIME = CoverMIME(props.Images[0].MIMEType, img)
		}
	}
	return info, nil
}

// link makes a symlink to path in the reader's link folder, keeping the
// extension when it is valid UTF-8 because TagLib picks the parser by it.
func (r *Reader) link(path string) (string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if !utf8.ValidString(ext) || len(ext) > 8 {
		ext = ""
	}
	link := filepath.Join(r.linkDir, strconv.FormatUint(r.linkSeq.Add(1), 10)+ext)
	if err := os.Symlink(path, link); err != nil {
		return "", fmt.Errorf("read tags of %q: %w", path, err)
	}
	return link, nil
}

func fromTags(raw map[string][]string) Info {
	first := func(key string) string { return firstValue(raw[key]) }
	info := Info{
		Title:                    first(taglib.Title),
		Album:                    first(taglib.Album),
		Artists:                  values(raw[taglib.Artist]),
		AlbumArtists:             values(raw[taglib.AlbumArtist]),
		Composers:                values(raw[taglib.Composer]),
		Performers:               values(raw[taglib.Performer]),
		Genres:                   values(raw[taglib.Genre]),
		Date:                     first(taglib.Date),
		Comment:                  first(taglib.Comment),
		MusicBrainzTrackID:       first(taglib.MusicBrainzTrackID),
		MusicBrainzAlbumID:       first(taglib.MusicBrainzAlbumID),
		MusicBrainzArtistID:      first(taglib.MusicBrainzArtistID),
		MusicBrainzAlbumArtistID: first(taglib.MusicBrainzAlbumArtistID),
	}
	info.TrackNo, info.NumTracks = ParseNumber(first(taglib.TrackNumber))
	info.DiscNo, info.NumDiscs = ParseNumber(first(taglib.DiscNumber))
	if n, _ := ParseNumber(first("TRACKTOTAL")); n > 0 && info.NumTracks == 0 {
		info.NumTracks = n
	}
	if n, _ := ParseNumber(first("DISCTOTAL")); n > 0 && info.NumDiscs == 0 {
		info.NumDiscs = n
	}
	info.Gain.TrackGain, info.Gain.HasTrack = parseGain(first("REPLAYGAIN_TRACK_GAIN"))
	info.Gain.AlbumGain, info.Gain.HasAlbum = parseGain(first("REPLAYGAIN_ALBUM_GAIN"))
	info.Gain.TrackPeak, _ = parseGain(first("REPLAYGAIN_TRACK_PEAK"))
	info.Gain.AlbumPeak, _ = parseGain(first("REPLAYGAIN_ALBUM_PEAK"))
	return info
}

// ParseNumber reads a track or disc number such as "3", "03/12" or " 7 ",
// returning the number and the total (0 when absent or not a number).
func ParseNumber(s string) (n, total int) {
	s = strings.TrimSpace(s)
	num, tot, _ := strings.Cut(s, "/")
	n = leadingInt(num)
	total = leadingInt(tot)
	return n, total
}

// leadingInt parses the digits at the start of s, bounded to 6 digits so a
// hostile value cannot overflow.
func leadingInt(s string) int {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && end < 6 && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	v, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0
	}
	return v
}

// parseGain reads a ReplayGain value such as "-6.50 dB" or "0.988".
func parseGain(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "dB"), "db"))
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != v || v > 1e6 || v < -1e6 {
		return 0, false
	}
	return v, true
}

func firstValue(vs []string) string {
	for _, v := range vs {
		if c := Clean(v); c != "" {
			return c
		}
	}
	return ""
}

// values cleans a multi-valued tag and drops empty and repeated values.
//
// NOTE: ID3v2.3 frames hold several values joined by "/", which TagLib
// returns as one value. They are not split, because "AC/DC" is one artist;
// ID3v2.4, Vorbis comments and MP4 keep their values apart.
func values(vs []string) []string {
	var out []string
	seen := make(map[string]bool, len(vs))
	for _, v := range vs {
		c := Clean(v)
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
		if len(out) == MaxValues {
			break
		}
	}
	return out
}

// Clean turns a tag value into printable UTF-8: invalid bytes become
// U+FFFD, byte order marks are dropped, control characters become spaces,
// runs of spaces are collapsed, the ends are trimmed and the value is cut
// at MaxValueBytes.
func Clean(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\uFEFF':
			continue
		case unicode.IsControl(r) || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		need := utf8.RuneLen(r)
		if space {
			need++
		}
		if b.Len()+need > MaxValueBytes {
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CoverMIME returns the picture's MIME type from its tag, or from its
// first bytes when the tag is missing or not an image type.
func CoverMIME(tagged string, data []byte) string {
	if strings.HasPrefix(tagged, "image/") && len(tagged) < 64 {
		return tagged
	}
	switch {
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return "image/jpeg"
	case len(data) >= 8 && string(data[:8]) == "\x89PNG\r\n\x1a\n":
		return "image/png"
	case len(data) >= 6 && (string(data[:6]) == "GIF87a" || string(data[:6]) == "GIF89a"):
		return "image/gif"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "image/webp"
	}
	return "application/octet-stream"
}

// MIMEExtension returns the file extension, without a dot, that the
// image URIs use for a MIME type.
func MIMEExtension(mime string) string {
	switch mime {
	case "image/jpeg", "image/jpg":
		return "jpg"
	case "image/png":
		return "png"
	case "image/gif":
		return "gif"
	case "image/webp":
		return "webp"
	}
	return "bin"
}
