package tags

import (
	"context"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/backend/local/testlib"
)

func TestReadEveryFormat(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gen, err := testlib.NewGenerator(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cover := testlib.PNG(color.RGBA{R: 200, A: 255})
	var files []testlib.File
	for _, f := range testlib.Formats {
		files = append(files, testlib.File{
			Path:   f + ".bin",
			Format: f,
			Cover:  cover,
			Tags: &testlib.Tags{
				Title:       "Title \x01of\ttrack",
				Album:       "\ufeffAlbum",
				Artists:     []string{"Alice", "Bob"},
				Genres:      []string{"Rock"},
				Composers:   []string{"Carol"},
				Track:       "03/12",
				Disc:        "1/2",
				Date:        "2019-05",
				Comment:     "a comment",
				MBTrack:     "8f3471b5-7e6a-48da-86a9-c1c07a0f47ae",
				MBAlbum:     "1b2e3d4c-0000-4000-8000-000000000001",
				RGTrackGain: "-6.50 dB",
				RGTrackPeak: "0.988",
			},
		})
	}
	if err := gen.Write(ctx, dir, files); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, f := range testlib.Formats {
		t.Run(f, func(t *testing.T) {
			info, err := r.Read(filepath.Join(dir, f+".bin"))
			if err != nil {
				t.Fatal(err)
			}
			if info.Title != "Title of track" {
				t.Errorf("Title = %q, want control characters replaced", info.Title)
			}
			if info.Album != "Album" {
				t.Errorf("Album = %q, want the BOM dropped", info.Album)
			}
			wantArtists := []string{"Alice", "Bob"}
			if f == "mp3-id3v23" { // ID3v2.3 joins values with "/"
				wantArtists = []string{"Alice/Bob"}
			}
			if !slices.Equal(info.Artists, wantArtists) {
				t.Errorf("Artists = %q, want %q", info.Artists, wantArtists)
			}
			if info.TrackNo != 3 || info.NumTracks != 12 {
				t.Errorf("track = %d/%d, want 3/12", info.TrackNo, info.NumTracks)
			}
			if info.DiscNo != 1 {
				t.Errorf("DiscNo = %d, want 1", info.DiscNo)
			}
			if info.Date != "2019-05" {
				t.Errorf("Date = %q, want 2019-05", info.Date)
			}
			if info.Length < 900e6 || info.Length > 1200e6 {
				t.Errorf("Length = %v, want about 1s", info.Length)
			}
			if info.SampleRate == 0 || info.Channels == 0 {
				t.Errorf("SampleRate %d Channels %d, want both set", info.SampleRate, info.Channels)
			}
			if !info.Gain.HasTrack || info.Gain.TrackGain != -6.5 || info.Gain.TrackPeak != 0.988 {
				t.Errorf("Gain = %+v, want track gain -6.5 peak 0.988", info.Gain)
			}
			if info.MusicBrainzTrackID != "8f3471b5-7e6a-48da-86a9-c1c07a0f47ae" {
				t.Errorf("MusicBrainzTrackID = %q", info.MusicBrainzTrackID)
			}
			if string(info.Cover) != string(cover) || info.CoverMIME != "image/png" {
				t.Errorf("cover of %d bytes %q, want the %d-byte PNG", len(info.Cover), info.CoverMIME, len(cover))
			}
		})
	}
}

func TestReadLatin1ID3(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gen, err := testlib.NewGenerator(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	files := []testlib.File{
		{Path: "v23.mp3", Format: "mp3-id3v23", Latin1: true, Tags: &testlib.Tags{Title: "Café Señor", Artists: []string{"Björk"}}},
		{Path: "v24.mp3", Format: "mp3-id3v24", Latin1: true, Tags: &testlib.Tags{Title: "Café Señor", Artists: []string{"Björk"}}},
	}
	if err := gen.Write(ctx, dir, files); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, f := range files {
		info, err := r.Read(filepath.Join(dir, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		if info.Title != "Café Señor" || !slices.Equal(info.Artists, []string{"Björk"}) {
			t.Errorf("%s: Title %q Artists %q, want clean UTF-8", f.Path, info.Title, info.Artists)
		}
	}
}

func TestParseNumber(t *testing.T) {
	cases := map[string][2]int{
		"3": {3, 0}, "03/12": {3, 12}, " 7 / 9 ": {7, 9}, "": {0, 0}, "x": {0, 0},
		"99999999999999999999": {999999, 0}, "4/": {4, 0}, "-1": {0, 0},
	}
	for in, want := range cases {
		n, total := ParseNumber(in)
		if n != want[0] || total != want[1] {
			t.Errorf("ParseNumber(%q) = %d, %d; want %d, %d", in, n, total, want[0], want[1])
		}
	}
}

func TestClean(t *testing.T) {
	cases := map[string]string{
		"\ufeffTitle":        "Title",
		"a\x00b":             "a b",
		"  a \r\n b  ":       "a b",
		"caf\xe9":            "caf\uFFFD",
		"\x1b[31mred\x1b[0m": "[31mred [0m",
		"\u0085x":            "x",
	}
	for in, want := range cases {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Clean(strings.Repeat("é", MaxValueBytes)); len(got) > MaxValueBytes {
		t.Errorf("Clean kept %d bytes, want at most %d", len(got), MaxValueBytes)
	}
	// A space pending at the limit must not push the value past it.
	full := strings.Repeat("a", MaxValueBytes)
	if got := Clean(full + " b"); got != full {
		t.Errorf("Clean of a full value and one more word kept %d bytes, want %d", len(got), MaxValueBytes)
	}
}

func FuzzClean(f *testing.F) {
	f.Add("\ufeffa\x00b")
	f.Add(strings.Repeat("a", MaxValueBytes) + " b")
	f.Fuzz(func(t *testing.T, in string) {
		out := Clean(in)
		for _, r := range out {
			if r < 0x20 || r == 0x7f || r == '\ufeff' {
				t.Fatalf("Clean(%q) = %q keeps %U", in, out, r)
			}
		}
		if len(out) > MaxValueBytes {
			t.Fatalf("Clean output of %d bytes", len(out))
		}
	})
}

func TestCheckCacheDirRejectsSharedFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "go-taglib-wasm")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := checkCacheDir(dir); err != nil {
		t.Fatalf("private folder rejected: %v", err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := checkCacheDir(dir); err == nil {
		t.Fatal("world-writable cache folder accepted")
	}
}
