// Package mpdtest builds what tests and benchmarks of the MPD frontend
// share: a generated music library, the same library as core tracks, a
// running frontend over the in-memory core, and a real MPD 0.23 on the
// same music folder to compare with.
package mpdtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tonearm/tonearm/internal/backend/local/tags"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/memcore"
	"github.com/tonearm/tonearm/internal/safepath"
	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

// SmallLibrary returns the specs of the library the conversation tests
// use: two artists in folders, multi-valued artists, a disc number and a
// file without tags.
func SmallLibrary() []fixtures.Spec {
	rock := []string{"Rock"}
	return []fixtures.Spec{
		{Path: "A/X/01 One.mp3", Format: fixtures.FormatMP3ID3v24, Seconds: 3, Tags: &fixtures.Tags{
			Title: "One", Artists: []string{"Artist A"}, AlbumArtists: []string{"Artist A"},
			Album: "Album X", Track: "1", Date: "2001", Genres: rock}},
		{Path: "A/X/02 Two.flac", Format: fixtures.FormatFLAC, Seconds: 2, Tags: &fixtures.Tags{
			Title: "Two", Artists: []string{"Artist A", "Artist B"}, AlbumArtists: []string{"Artist A"},
			Album: "Album X", Track: "2", Date: "2001", Genres: rock}},
		{Path: "B/Y/01 Three.ogg", Format: fixtures.FormatOgg, Seconds: 2, Tags: &fixtures.Tags{
			Title: "Three", Artists: []string{"Artist B"}, AlbumArtists: []string{"Artist B"},
			Album: "Album Y", Track: "1", Disc: "1", Date: "1999", Genres: []string{"Jazz"}}},
		{Path: "loose.wav", Format: fixtures.FormatWAV, Seconds: 1},
	}
}

// OrderLibrary returns the library of the conversations in
// testdata/order. Its file names, folder names and tags sort differently
// by bytes, by collation and by MPD 0.23's song order (album, disc, track,
// then file name). It has songs beside sub-folders and a track number of
// two digits.
func OrderLibrary() []fixtures.Spec {
	tagged := func(album, disc, track string) *fixtures.Tags {
		return &fixtures.Tags{Title: "T" + track, Artists: []string{"Orderer"}, Album: album, Disc: disc, Track: track}
	}
	return []fixtures.Spec{
		{Path: "zz root.wav", Format: fixtures.FormatWAV},
		{Path: "Mid root.mp3", Format: fixtures.FormatMP3ID3v24, Tags: tagged("Root Album", "", "2")},
		{Path: "aa root.flac", Format: fixtures.FormatFLAC, Tags: tagged("Root Album", "", "1")},
		{Path: "Alpha/a second.mp3", Format: fixtures.FormatMP3ID3v24, Tags: tagged("Same", "", "2")},
		{Path: "Alpha/b first.mp3", Format: fixtures.FormatMP3ID3v24, Tags: tagged("Same", "", "1")},
		{Path: "Alpha/c disc2.flac", Format: fixtures.FormatFLAC, Tags: tagged("Same", "2", "1")},
		{Path: "Alpha/d disc1.ogg", Format: fixtures.FormatOgg, Tags: tagged("Same", "1", "5")},
		{Path: "Alpha/Sub/x.wav", Format: fixtures.FormatWAV},
		{Path: "Alpha Two/y.mp3", Format: fixtures.FormatMP3ID3v24, Tags: tagged("Two", "", "1")},
		{Path: "beta/Bee.mp3", Format: fixtures.FormatMP3ID3v24, Tags: tagged("Bee", "", "3")},
		{Path: "beta/aardvark.mp3", Format: fixtures.FormatMP3ID3v24, Tags: tagged("aardvark", "", "9")},
		{Path: "beta/zebra.mp3", Format: fixtures.FormatMP3ID3v24, Tags: tagged("Zebra", "", "1")},
		{Path: "\u00c9clair/e.mp3", Format: fixtures.FormatMP3ID3v24, Tags: tagged("\u00c9t\u00e9", "", "1")},
		{Path: "Zulu/z.mp3", Format: fixtures.FormatMP3ID3v24, Tags: tagged("Zulu", "", "1")},
		{Path: "Zulu/ten.mp3", Format: fixtures.FormatMP3ID3v24, Tags: tagged("Zulu", "", "10")},
	}
}

// PlaylistFiles returns the playlist files that the conversations in
// testdata/musicdir find in their music folder, SmallLibrary, keyed by
// path. Each folder that those conversations list with lsinfo, listall or
// listallinfo holds one playlist file that MPD lists, because MPD 0.23.12
// lists a folder's playlist files in the order of the folder on disk,
// which differs between file systems. The others show the
// formats, the names that MPD 0.23.12 does not list as playlists and the
// paths that entries may take.
func PlaylistFiles() map[string]string {
	return map[string]string{
		"top.m3u":      "A/X/01 One.mp3\nloose.wav\nmissing.mp3\n",
		"A/dotdot.m3u": "../loose.wav\nX/../X/02 Two.flac\n./X/01 One.mp3\n../B/Y/01 Three.ogg\n",
		"A/notes.txt":  "loose.wav\n",
		"A/X/rel.m3u":  "01 One.mp3\n02 Two.flac\n",
		"B/Y/y.pls":    "[playlist]\nNumberOfEntries=2\nFile1=01 Three.ogg\nFile2=http://example.com/pls.mp3\n",
		"B/Y/y.xspf": `<?xml version="1.0" encoding="UTF-8"?>
<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList>
<track><location>01 Three.ogg</location></track>
<track><location>../../loose.wav</location></track>
</trackList></playlist>
`,
		"B/Y/y.asx":     "<asx version=\"3.0\"><entry><ref href=\"../../A/X/02 Two.flac\"/></entry></asx>\n",
		"B/Y/y.m3u8":    "#EXTM3U\n../../loose.wav\n01 Three.ogg\n",
		"B/.Hidden.M3U": "Y/01 Three.ogg\n",
		"B/Y/empty.m3u": "",
	}
}

// WriteFiles writes files, keyed by path, under dir.
func WriteFiles(dir string, files map[string]string) error {
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Generate writes specs under dir and returns them as core tracks.
func Generate(ctx context.Context, dir string, specs []fixtures.Spec) ([]models.Track, error) {
	if err := fixtures.Generate(ctx, dir, specs); err != nil {
		return nil, err
	}
	return Tracks(dir, specs)
}

// Tracks returns the core tracks of files already written from specs,
// with the tags a scanner reads, the files' modification times and the
// audio formats that the tag reader finds.
func Tracks(dir string, specs []fixtures.Spec) ([]models.Track, error) {
	reader, err := tags.NewReader(tags.Options{})
	if err != nil {
		return nil, err
	}
	defer reader.Close()
	tracks := make([]models.Track, 0, len(specs))
	for _, s := range specs {
		info, err := os.Stat(filepath.Join(dir, s.Path))
		if err != nil {
			return nil, err
		}
		audio, err := reader.Read(filepath.Join(dir, s.Path))
		if err != nil {
			return nil, err
		}
		seconds := s.Seconds
		if seconds == 0 {
			seconds = 1
		}
		t := models.Track{
			URI:          "local:track:" + safepath.Escape(s.Path),
			Length:       int(seconds * 1000),
			LastModified: info.ModTime().UnixMilli(),
			AudioFormat:  audio.MPDAudioFormat(),
		}
		if tg := s.Tags; tg != nil {
			t.Name = tg.Title
			t.Artists = artists(tg.Artists)
			t.Composers = artists(tg.Composers)
			t.Performers = artists(tg.Performers)
			t.TrackNo = leadingNumber(tg.Track)
			t.DiscNo = leadingNumber(tg.Disc)
			t.Date = tg.Date
			t.Comment = tg.Comment
			t.MusicBrainzID = tg.MBTrackID
			if len(tg.Genres) > 0 {
				t.Genre = tg.Genres[0]
			}
			if tg.Album != "" || len(tg.AlbumArtists) > 0 {
				t.Album = &models.Album{Name: tg.Album, Artists: artists(tg.AlbumArtists), Date: tg.Date, MusicBrainzID: tg.MBAlbumID}
			}
		}
		tracks = append(tracks, t)
	}
	return tracks, nil
}

func artists(names []string) []models.Artist {
	var out []models.Artist
	for _, n := range names {
		out = append(out, models.Artist{Name: n})
	}
	return out
}

func leadingNumber(s string) int {
	before, _, _ := strings.Cut(s, "/")
	n, _ := strconv.Atoi(before)
	return n
}

// Frontend is a running MPD frontend, over memcore or the real core.
type Frontend struct {
	Addr   string
	Socket string
	Core   *memcore.Core
	stop   context.CancelFunc
	done   chan error
}

// Start runs a frontend over memcore with the given tracks on 127.0.0.1
// port 0 and on a Unix socket in socketDir. Stop ends it.
func Start(cfg mpd.Config, tracks []models.Track, socketDir string, log *slog.Logger) (*Frontend, error) {
	core := memcore.New(tracks)
	f, err := StartWithCore(cfg, func(mpd.Principal) mpd.Core { return core }, socketDir, log)
	if err != nil {
		return nil, err
	}
	f.Core = core
	return f, nil
}

// Stop ends the frontend and waits up to 10 seconds for it.
func (f *Frontend) Stop() error {
	f.stop()
	select {
	case err := <-f.done:
		return err
	case <-time.After(10 * time.Second):
		return errors.New("frontend did not stop within 10 s")
	}
}

// RealMPD is a running Debian mpd, the reference the frontend copies.
type RealMPD struct {
	Addr string
	cmd  *exec.Cmd
}

// StartRealMPD runs mpd 0.23 on a free loopback port with a null output
// and a software mixer, its own config, database and state in workDir and
// musicDir as its music folder, and waits until its database is built.
func StartRealMPD(ctx context.Context, musicDir, workDir string) (*RealMPD, error) {
	if _, err := exec.LookPath("mpd"); err != nil {
		return nil, fmt.Errorf("mpd not found: install the Debian package mpd: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := os.MkdirAll(filepath.Join(workDir, "playlists"), 0o700); err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(`music_directory "%s"
playlist_directory "%s/playlists"
db_file "%s/db"
sticker_file "%s/sticker.sql"
bind_to_address "127.0.0.1"
port "%d"
auto_update "no"
max_connections "1000"
audio_output {
	type "null"
	name "null"
	mixer_type "software"
}
`, musicDir, workDir, workDir, workDir, port)
	confPath := filepath.Join(workDir, "mpd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("mpd", "--no-daemon", "--stderr", confPath)
	logFile, err := os.Create(filepath.Join(workDir, "mpd.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start mpd: %w", err)
	}
	m := &RealMPD{Addr: fmt.Sprintf("127.0.0.1:%d", port), cmd: cmd}
	if err := m.waitForDatabase(ctx); err != nil {
		m.Stop()
		return nil, err
	}
	return m, nil
}

// waitForDatabase waits until mpd accepts connections and its first update
// finished.
func (m *RealMPD) waitForDatabase(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		lines, err := Exchange(m.Addr, "status")
		if err == nil && !strings.Contains(strings.Join(lines, "\n"), "updating_db") {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("mpd did not finish its database within 60 s")
}

// Stop kills mpd by its process id and waits for it.
func (m *RealMPD) Stop() {
	m.cmd.Process.Kill()
	m.cmd.Wait()
}

// Exchange connects to addr, sends each line and returns every reply line
// after the greeting, up to the OK or ACK ending the last reply.
func Exchange(addr string, lines ...string) ([]string, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(nc)
	if _, err := r.ReadString('\n'); err != nil {
		return nil, err
	}
	var out []string
	for _, line := range lines {
		if _, err := fmt.Fprintf(nc, "%s\n", line); err != nil {
			return out, err
		}
		reply, err := ReadReply(r)
		out = append(out, reply...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// ReadReply reads lines up to and including OK or an ACK line.
func ReadReply(r *bufio.Reader) ([]string, error) {
	var out []string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return out, err
		}
		l = strings.TrimSuffix(l, "\n")
		out = append(out, l)
		if l == "OK" || strings.HasPrefix(l, "ACK ") {
			return out, nil
		}
	}
}

// StartWithCore runs a frontend like Start, but over coreFor, such as the
// real core's adapter.
func StartWithCore(cfg mpd.Config, coreFor func(mpd.Principal) mpd.Core, socketDir string, log *slog.Logger) (*Frontend, error) {
	cfg.Address = "-"
	srv, err := mpd.New(cfg, coreFor, log)
	if err != nil {
		return nil, err
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(socketDir, "mpd.sock")
	unix, err := net.Listen("unix", sock)
	if err != nil {
		tcp.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &Frontend{Addr: tcp.Addr().String(), Socket: sock, stop: cancel, done: make(chan error, 1)}
	go func() {
		f.done <- srv.Serve(ctx, mpd.Listener{Listener: tcp}, mpd.Listener{Listener: unix, Local: true})
	}()
	return f, nil
}

// PID returns the process id of mpd.
func (m *RealMPD) PID() int { return m.cmd.Process.Pid }
