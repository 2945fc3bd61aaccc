package mpd_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tonearm/tonearm/internal/mpd"
)

// albumArt returns the picture albumart sends for song, read in one chunk,
// or the ACK line.
func albumArt(t *testing.T, c *client, song string) string {
	t.Helper()
	c.send(fmt.Sprintf("albumart %q 0", song))
	first := c.line()
	if strings.HasPrefix(first, "ACK ") {
		return first
	}
	var n int
	if _, err := fmt.Sscanf(c.line(), "binary: %d", &n); err != nil {
		t.Fatalf("albumart %s: %v after %q", song, err, first)
	}
	data := make([]byte, n+1)
	if _, err := io.ReadFull(c.r, data); err != nil {
		t.Fatal(err)
	}
	if l := c.line(); l != "OK" {
		t.Fatalf("albumart %s: %q after the chunk", song, l)
	}
	return string(data[:n])
}

// albumart reads cover.png, cover.jpg or cover.webp from the song's folder,
// in that order, as MPD 0.23.12 does, and never anything outside the music
// folder or anything that is not a regular file.
func TestAlbumArtFolderFiles(t *testing.T) {
	music := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.jpg")
	write := func(rel, content string) {
		t.Helper()
		path := filepath.Join(music, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(outside, []byte("SECRET"), 0o600); err != nil {
		t.Fatal(err)
	}
	write("A/X/cover.jpg", "JPG")
	write("A/X/cover.webp", "WEBP")
	write("A/X/cover.png", "PNG")
	write("B/Y/cover.webp", "WEBP")
	write("cover.jpg", "ROOT")
	// B/Y: a symbolic link out of the music folder and a FIFO rank before
	// the real file, and both must be passed over.
	if err := os.Symlink(outside, filepath.Join(music, "B/Y/cover.png")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(music, "B/Y/cover.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}

	ts := startServer(t, mpd.Config{MusicDir: music})
	c := dial(t, "tcp", ts.addr)
	for _, tc := range []struct{ song, want string }{
		{"A/X/01 One.mp3", "PNG"},
		{"B/Y/01 Three.flac", "WEBP"},
		{"loose.wav", "ROOT"},
		// As in MPD 0.23.12, the folder decides, not the song.
		{"A/X/no such song.mp3", "PNG"},
	} {
		if got := albumArt(t, c, tc.song); got != tc.want {
			t.Errorf("albumart %s = %q, want %q", tc.song, got, tc.want)
		}
	}
	if got := albumArt(t, c, "A/X/01 One.mp3/"); got != "ACK [50@0] {albumart} No file exists" {
		t.Errorf("albumart of a path with a trailing slash = %q, want No file exists", got)
	}
}

func TestAlbumArtSkipsHugeFile(t *testing.T) {
	music := t.TempDir()
	if err := os.MkdirAll(filepath.Join(music, "A/X"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(music, "A/X/cover.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ts := startServer(t, mpd.Config{MusicDir: music})
	c := dial(t, "tcp", ts.addr)
	if got := albumArt(t, c, "A/X/01 One.mp3"); got != "ACK [50@0] {albumart} No file exists" {
		t.Errorf("albumart with a 64 MiB cover.png = %q, want No file exists", got)
	}
}

// albumart reads each chunk from the file, so a connection holds no cover
// file between requests and sends the new content of a changed file.
func TestAlbumArtReadsEachChunk(t *testing.T) {
	music := t.TempDir()
	cover := filepath.Join(music, "A/X/cover.png")
	if err := os.MkdirAll(filepath.Dir(cover), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cover, []byte("first"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, mpd.Config{MusicDir: music})
	c := dial(t, "tcp", ts.addr)

	if got := albumArt(t, c, "A/X/01 One.mp3"); got != "first" {
		t.Fatalf("albumart = %q, want first", got)
	}
	if err := os.WriteFile(cover, []byte("second picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := albumArt(t, c, "A/X/01 One.mp3"); got != "second picture" {
		t.Errorf("albumart after the file changed = %q, want second picture", got)
	}

	c.cmd("binarylimit 64")
	big := strings.Repeat("0123456789abcdef", 1<<12)
	if err := os.WriteFile(cover, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for offset := 0; offset < len(big); {
		c.send(fmt.Sprintf(`albumart "A/X/01 One.mp3" %d`, offset))
		if l := c.line(); l != fmt.Sprintf("size: %d", len(big)) {
			t.Fatalf("size line at offset %d = %q", offset, l)
		}
		var n int
		if _, err := fmt.Sscanf(c.line(), "binary: %d", &n); err != nil || n == 0 {
			t.Fatalf("binary line at offset %d: n %d, %v", offset, n, err)
		}
		chunk := make([]byte, n+1)
		if _, err := io.ReadFull(c.r, chunk); err != nil {
			t.Fatal(err)
		}
		if l := c.line(); l != "OK" {
			t.Fatalf("after chunk = %q", l)
		}
		got = append(got, chunk[:n]...)
		offset += n
	}
	if string(got) != big {
		t.Error("the cover reassembled from 64-byte chunks differs from the file")
	}

	if r := c.cmd(fmt.Sprintf(`albumart "A/X/01 One.mp3" %d`, len(big)+1)); r[0] != "ACK [2@0] {albumart} Offset too large" {
		t.Errorf("albumart past the end = %q", r)
	}
}
