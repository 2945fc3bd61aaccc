package mpd_test

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/tonearm/tonearm/internal/backend/stream/playlist"
	"github.com/tonearm/tonearm/internal/mpd"
)

// writeMusicFile writes content to rel inside music, creating folders.
func writeMusicFile(t *testing.T, music, rel, content string) {
	t.Helper()
	full := filepath.Join(music, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// playlistLines returns the "playlist: " lines of a reply.
func playlistLines(reply []string) []string {
	var out []string
	for _, l := range reply {
		if strings.HasPrefix(l, "playlist: ") {
			out = append(out, l)
		}
	}
	return out
}

// Entries that lead out of the music folder are dropped, whatever form
// they take, and entries inside it are named by their path in it.
func TestMusicPlaylistEntriesStayInside(t *testing.T) {
	music := t.TempDir()
	outside := t.TempDir()
	writeMusicFile(t, music, "loose.wav", "RIFF")
	writeMusicFile(t, outside, "secret.mp3", "SECRET")
	entries := []string{
		"../../secret.mp3",
		"X/../../../secret.mp3",
		"..",
		filepath.Join(outside, "secret.mp3"),
		"/etc/passwd",
		"file://" + filepath.Join(outside, "secret.mp3"),
		"file:///etc/passwd",
		"file://host/etc/passwd",
		"file:///%2e%2e/etc/passwd",
		"ftp://example.com/a.mp3",
		"X/%2e%2e/%2e%2e/secret.mp3",
		filepath.Join(music, "loose.wav"),
		"file://" + filepath.Join(music, "loose.wav"),
		"../loose.wav",
		"X/../01 One.mp3",
		"HTTP://example.com/radio",
	}
	writeMusicFile(t, music, "A/bad.m3u", strings.Join(entries, "\n")+"\n")

	ts := startServer(t, mpd.Config{MusicDir: music})
	c := dial(t, "tcp", ts.addr)
	got := c.cmd(`listplaylist "A/bad.m3u"`)
	want := []string{
		"file: loose.wav",
		"file: loose.wav",
		"file: loose.wav",
		"file: A/01 One.mp3",
		"file: HTTP://example.com/radio",
		"OK",
	}
	if !slices.Equal(got, want) {
		t.Errorf("listplaylist A/bad.m3u =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A playlist file is read only when it is a regular file inside the music
// folder: symbolic links that lead out and FIFOs are neither listed nor
// read, and a FIFO does not stall the connection.
func TestMusicPlaylistFilesOnlyInside(t *testing.T) {
	music := t.TempDir()
	outside := t.TempDir()
	writeMusicFile(t, music, "A/X/01 One.mp3", "ID3")
	writeMusicFile(t, music, "top.m3u", "loose.wav\n")
	writeMusicFile(t, outside, "secret.m3u", "loose.wav\n")
	writeMusicFile(t, outside, "dir/inner.m3u", "loose.wav\n")
	if err := os.Symlink(filepath.Join(outside, "secret.m3u"), filepath.Join(music, "A/out.m3u")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../"+filepath.Base(outside)+"/secret.m3u", filepath.Join(music, "A/X/rel-out.m3u")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "dir"), filepath.Join(music, "L")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../top.m3u", filepath.Join(music, "A/in.m3u")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(music, "A/fifo.m3u"), 0o644); err != nil {
		t.Fatal(err)
	}

	ts := startServer(t, mpd.Config{MusicDir: music})
	c := dial(t, "tcp", ts.addr)
	if got, want := playlistLines(c.cmd("lsinfo A")), []string{"playlist: A/in.m3u"}; !slices.Equal(got, want) {
		t.Errorf("lsinfo A lists playlists %q, want %q", got, want)
	}
	for _, name := range []string{"A/out.m3u", "A/X/rel-out.m3u", "L/inner.m3u", "A/fifo.m3u"} {
		for _, command := range []string{"listplaylist", "listplaylistinfo", "load"} {
			got := c.cmd(fmt.Sprintf("%s %q", command, name))
			want := fmt.Sprintf("ACK [50@0] {%s} No such playlist", command)
			if !slices.Equal(got, []string{want}) {
				t.Errorf("%s %s = %q, want %q", command, name, got, want)
			}
		}
	}
	if got, want := c.cmd(`listplaylist "A/in.m3u"`), []string{"file: A/loose.wav", "OK"}; !slices.Equal(got, want) {
		t.Errorf("listplaylist A/in.m3u, a link inside the music folder, = %q, want %q", got, want)
	}
	if got := c.cmd("ping"); !slices.Equal(got, []string{"OK"}) {
		t.Errorf("ping after the FIFO = %q", got)
	}
}

// Files larger than 1 MiB are neither listed nor read.
func TestMusicPlaylistSizeLimit(t *testing.T) {
	music := t.TempDir()
	writeMusicFile(t, music, "A/X/01 One.mp3", "ID3")
	line := "X/01 One.mp3\n"
	writeMusicFile(t, music, "A/big.m3u", strings.Repeat(line, (1<<20)/len(line)+1))
	writeMusicFile(t, music, "A/small.m3u", line)
	f, err := os.Create(filepath.Join(music, "A/sparse.m3u"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()

	ts := startServer(t, mpd.Config{MusicDir: music})
	c := dial(t, "tcp", ts.addr)
	if got, want := playlistLines(c.cmd("lsinfo A")), []string{"playlist: A/small.m3u"}; !slices.Equal(got, want) {
		t.Errorf("lsinfo A lists playlists %q, want %q", got, want)
	}
	for _, name := range []string{"A/big.m3u", "A/sparse.m3u"} {
		got := c.cmd("listplaylist " + name)
		if want := "ACK [50@0] {listplaylist} No such playlist"; !slices.Equal(got, []string{want}) {
			t.Errorf("listplaylist %s = %q, want %q", name, got, want)
		}
	}
}

// A playlist file of many entries gives at most the parser's limit.
func TestMusicPlaylistEntryLimit(t *testing.T) {
	music := t.TempDir()
	writeMusicFile(t, music, "many.m3u", strings.Repeat("loose.wav\n", 3*playlist.MaxEntries))

	ts := startServer(t, mpd.Config{MusicDir: music})
	c := dial(t, "tcp", ts.addr)
	got := c.cmd("listplaylist many.m3u")
	if n := len(got) - 1; n != playlist.MaxEntries {
		t.Errorf("listplaylist many.m3u gave %d entries, want %d", n, playlist.MaxEntries)
	}
	c.cmd("load many.m3u")
	if n := len(c.cmd("playlist")) - 1; n != playlist.MaxEntries {
		t.Errorf("load many.m3u queued %d songs, want %d", n, playlist.MaxEntries)
	}
}

// Binary garbage in a playlist file of any format gives valid replies in
// UTF-8 without control characters, and the connection goes on.
func TestMusicPlaylistGarbage(t *testing.T) {
	music := t.TempDir()
	rng := rand.New(rand.NewSource(1))
	garbage := make([]byte, 64<<10)
	rng.Read(garbage)
	// Lines that look like entries, among bytes of every value.
	mixed := append([]byte("loose.wav\n\x00\xff\xfe../..\x00/etc/passwd\n\x1b[2J\n"), garbage...)
	names := []string{"g.m3u", "g.m3u8", "g.pls", "g.xspf", "g.asx"}
	for _, name := range names {
		writeMusicFile(t, music, name, string(mixed))
	}
	writeMusicFile(t, music, "deep.xspf", strings.Repeat("<a>", 100000))

	ts := startServer(t, mpd.Config{MusicDir: music})
	c := dial(t, "tcp", ts.addr)
	for _, name := range append(names, "deep.xspf") {
		for _, command := range []string{"listplaylist", "listplaylistinfo", "load"} {
			reply := c.cmd(command + " " + name)
			last := reply[len(reply)-1]
			if last != "OK" && last != fmt.Sprintf("ACK [50@0] {%s} No such playlist", command) {
				t.Errorf("%s %s ends with %q", command, name, last)
			}
			for _, l := range reply {
				if !utf8.ValidString(l) || strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
					t.Errorf("%s %s sent the line %q", command, name, l)
				}
				if strings.Contains(l, "passwd") || strings.Contains(l, "..") {
					t.Errorf("%s %s sent the line %q, outside the music folder", command, name, l)
				}
			}
		}
	}
	if got := c.cmd("ping"); !slices.Equal(got, []string{"OK"}) {
		t.Errorf("ping after garbage playlists = %q", got)
	}
}

// load queues the streams of a playlist file and skips its songs that are
// not in the library, as MPD 0.23.12 does.
func TestMusicPlaylistLoadSkipsMissing(t *testing.T) {
	music := t.TempDir()
	writeMusicFile(t, music, "A/X/list.m3u", "01 One.mp3\nmissing.mp3\nhttp://example.com/radio\n../../loose.wav\n")

	ts := startServer(t, mpd.Config{MusicDir: music})
	c := dial(t, "tcp", ts.addr)
	if got := c.cmd(`load "A/X/list.m3u"`); !slices.Equal(got, []string{"OK"}) {
		t.Fatalf("load A/X/list.m3u = %q", got)
	}
	want := []string{
		"0:file: A/X/01 One.mp3",
		"1:file: http://example.com/radio",
		"2:file: loose.wav",
		"OK",
	}
	if got := c.cmd("playlist"); !slices.Equal(got, want) {
		t.Errorf("playlist after load = %q, want %q", got, want)
	}
}

// Without a music folder no playlist file is listed or read.
func TestMusicPlaylistWithoutMusicFolder(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	c := dial(t, "tcp", ts.addr)
	if got := playlistLines(c.cmd("lsinfo A")); len(got) != 0 {
		t.Errorf("lsinfo A lists playlists %q without a music folder", got)
	}
	if got, want := c.cmd("listplaylist A/x.m3u"), "ACK [50@0] {listplaylist} No such playlist"; !slices.Equal(got, []string{want}) {
		t.Errorf("listplaylist A/x.m3u = %q, want %q", got, want)
	}
}
