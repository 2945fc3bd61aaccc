// Package testlib writes small tagged audio libraries for the local
// backend's tests and benchmarks, with Debian's encoders (sox, lame, flac,
// vorbis-tools, opus-tools, ffmpeg) and mutagen (python3-mutagen).
package testlib

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

//go:embed tagger.py
var taggerScript string

// Formats lists every format the generator writes.
var Formats = []string{"mp3-id3v23", "mp3-id3v24", "flac", "ogg", "opus", "wav", "m4a-aac", "m4a-alac"}

// Tags are the values written into a file. Empty fields are left out.
type Tags struct {
	Title        string   `json:"title,omitempty"`
	Album        string   `json:"album,omitempty"`
	Artists      []string `json:"artists,omitempty"`
	AlbumArtists []string `json:"albumartists,omitempty"`
	Genres       []string `json:"genres,omitempty"`
	Composers    []string `json:"composers,omitempty"`
	Performers   []string `json:"performers,omitempty"`
	Track        string   `json:"track,omitempty"`
	Disc         string   `json:"disc,omitempty"`
	Date         string   `json:"date,omitempty"`
	Comment      string   `json:"comment,omitempty"`
	MBTrack      string   `json:"mb_track,omitempty"`
	MBAlbum      string   `json:"mb_album,omitempty"`
	MBArtist     string   `json:"mb_artist,omitempty"`
	RGTrackGain  string   `json:"rg_track_gain,omitempty"`
	RGTrackPeak  string   `json:"rg_track_peak,omitempty"`
	RGAlbumGain  string   `json:"rg_album_gain,omitempty"`
}

// File is one file to write. Path is relative to the library folder and
// may hold bytes that are not UTF-8.
type File struct {
	Path   string
	Format string
	Tags   *Tags // nil writes an untagged file
	Latin1 bool  // ID3 text frames in ISO-8859-1
	Cover  []byte
}

type job struct {
	Path     string `json:"path"`
	RawName  bool   `json:"raw_name,omitempty"`
	Template string `json:"template"`
	Format   string `json:"format"`
	Tags     *Tags  `json:"tags,omitempty"`
	Latin1   bool   `json:"latin1,omitempty"`
	Cover    string `json:"cover,omitempty"`
}

// Generator writes files from templates it encodes once.
type Generator struct {
	templates map[string]string
}

// NewGenerator encodes one short template per format into workDir.
func NewGenerator(ctx context.Context, workDir string) (*Generator, error) {
	for tool, pkg := range map[string]string{
		"sox": "sox", "lame": "lame", "flac": "flac", "oggenc": "vorbis-tools",
		"opusenc": "opus-tools", "ffmpeg": "ffmpeg", "/usr/bin/python3": "python3-mutagen",
	} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s is missing: install the Debian package %s", tool, pkg)
		}
	}
	if err := exec.CommandContext(ctx, "/usr/bin/python3", "-c", "import mutagen").Run(); err != nil {
		return nil, fmt.Errorf("mutagen is missing for /usr/bin/python3: install the Debian package python3-mutagen")
	}
	base := filepath.Join(workDir, "base.wav")
	g := &Generator{templates: map[string]string{}}
	cmds := map[string][]string{
		"":           {"sox", "-n", "-r", "44100", "-c", "2", "-b", "16", base, "synth", "1", "sine", "440"},
		"mp3-id3v23": {"lame", "--quiet", "-b", "128", base, "t.mp3"},
		"flac":       {"flac", "--silent", "-o", "t.flac", base},
		"ogg":        {"oggenc", "--quiet", "-o", "t.ogg", base},
		"opus":       {"opusenc", "--quiet", base, "t.opus"},
		"wav":        {"cp", base, "t.wav"},
		"m4a-aac":    {"ffmpeg", "-v", "error", "-y", "-i", base, "-c:a", "aac", "-b:a", "128k", "t-aac.m4a"},
		"m4a-alac":   {"ffmpeg", "-v", "error", "-y", "-i", base, "-c:a", "alac", "t-alac.m4a"},
	}
	order := append([]string{""}, Formats...)
	for _, f := range order {
		args, ok := cmds[f]
		if !ok {
			continue
		}
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = workDir
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("encode %s template: %v: %w: %s", f, args, err, out)
		}
	}
	for _, f := range Formats {
		name := map[string]string{
			"mp3-id3v23": "t.mp3", "mp3-id3v24": "t.mp3", "flac": "t.flac", "ogg": "t.ogg",
			"opus": "t.opus", "wav": "t.wav", "m4a-aac": "t-aac.m4a", "m4a-alac": "t-alac.m4a",
		}[f]
		g.templates[f] = filepath.Join(workDir, name)
	}
	return g, nil
}

// Write writes files below dir, creating folders as needed.
func (g *Generator) Write(ctx context.Context, dir string, files []File) error {
	jobs := make([]job, 0, len(files))
	for _, f := range files {
		tmpl, ok := g.templates[f.Format]
		if !ok {
			return fmt.Errorf("unknown format %q; use one of %v", f.Format, Formats)
		}
		full := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
			return err
		}
		j := job{Path: full, Template: tmpl, Format: f.Format, Tags: f.Tags, Latin1: f.Latin1}
		if !isUTF8(full) {
			j.Path = latin1String(full)
			j.RawName = true
		}
		if f.Cover != nil {
			j.Cover = base64.StdEncoding.EncodeToString(f.Cover)
		}
		jobs = append(jobs, j)
	}
	in, err := json.Marshal(jobs)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", "-c", taggerScript)
	cmd.Stdin = bytes.NewReader(in)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("tag files with mutagen: %w: %s", err, out)
	}
	return nil
}

// Library writes n tagged tracks below dir in Artist/Album folders, cycling
// through every format, with names and numbers drawn from seed.
func (g *Generator) Library(ctx context.Context, dir string, n int, seed int64) error {
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	words := []string{"river", "light", "night", "stone", "glass", "echo", "winter", "café", "señor", "Ærø", "blue", "fire"}
	files := make([]File, 0, n)
	for i := range n {
		artist := fmt.Sprintf("Artist %d", i/100)
		album := fmt.Sprintf("Album %d", i/10)
		title := fmt.Sprintf("%s %s %d", words[rng.IntN(len(words))], words[rng.IntN(len(words))], i)
		format := Formats[i%len(Formats)]
		ext := map[string]string{"mp3-id3v23": "mp3", "mp3-id3v24": "mp3", "m4a-aac": "m4a", "m4a-alac": "m4a"}[format]
		if ext == "" {
			ext = format
		}
		files = append(files, File{
			Path:   fmt.Sprintf("%s/%s/%02d %s.%s", artist, album, i%10+1, strings.ReplaceAll(title, "/", "-"), ext),
			Format: format,
			Tags: &Tags{
				Title: title, Album: album, Artists: []string{artist},
				Genres: []string{[]string{"Rock", "Jazz", "Folk", "Ambient"}[rng.IntN(4)]},
				Track:  fmt.Sprintf("%d/10", i%10+1), Date: fmt.Sprintf("%d", 1960+rng.IntN(60)),
			},
		})
	}
	const batch = 2000
	for start := 0; start < len(files); start += batch {
		end := min(start+batch, len(files))
		if err := g.Write(ctx, dir, files[start:end]); err != nil {
			return err
		}
	}
	return nil
}

// PNG returns a small PNG image of the given colour.
func PNG(c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func isUTF8(s string) bool { return utf8.ValidString(s) }

// latin1String maps each byte of s to the rune of the same value, which
// the tagging script encodes back to the bytes as ISO-8859-1.
func latin1String(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}
