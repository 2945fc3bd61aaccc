package mpd

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/tonearm/tonearm/internal/backend/stream/playlist"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
	"github.com/tonearm/tonearm/internal/safepath"
)

// Playlist files inside the music folder are listed by lsinfo and read
// by listplaylist, listplaylistinfo and load, as MPD 0.23.12 does with its
// playlist plugins. They are read-only: the commands that write a
// playlist take only stored playlist names, which have no "/".

// maxMusicPlaylistBytes bounds a playlist file read from the music folder,
// as MPD's [stream] max_playlist_size bounds a fetched one. Larger files
// are neither listed nor read.
const maxMusicPlaylistBytes = 1 << 20

// musicPlaylistKind returns the format of a playlist file name, or false
// when its extension is not one that both MPD 0.23.12 and Tonearm read.
// As in MPD 0.23.12, the extension is matched without regard to case.
// MPD 0.23.12 on Debian also lists .rss and .cue files, for which Tonearm
// has no parser.
func musicPlaylistKind(name string) (playlist.Kind, bool) {
	switch strings.ToLower(path.Ext(name)) {
	case ".m3u", ".m3u8":
		return playlist.M3U, true
	case ".pls":
		return playlist.PLS, true
	case ".xspf":
		return playlist.XSPF, true
	case ".asx":
		return playlist.ASX, true
	}
	return playlist.Unknown, false
}

// musicPlaylistFile is a playlist file in a music folder, found by
// listMusicPlaylists.
type musicPlaylistFile struct {
	// path is relative to the music folder.
	path     string
	modified time.Time
}

// listMusicPlaylists returns the playlist files of folder dir in the order
// the folder is read from disk, the order MPD 0.23.12 keeps after a scan.
// Hidden files are listed, as MPD 0.23.12 lists them. Anything that is
// not a regular file inside the music folder (such as a FIFO, or a
// symbolic link that leads out) and files larger than
// maxMusicPlaylistBytes are left out.
func (s *Server) listMusicPlaylists(dir string) []musicPlaylistFile {
	if s.music == nil {
		return nil
	}
	f, err := s.music.Open(dir)
	if err != nil {
		return nil
	}
	defer f.Close()
	entries, err := f.ReadDir(maxListFiles)
	if err != nil && len(entries) == 0 {
		return nil
	}
	var out []musicPlaylistFile
	for _, e := range entries {
		name := e.Name()
		if _, ok := musicPlaylistKind(name); !ok {
			continue
		}
		p := path.Join(dir, name)
		// Stat through the root follows symbolic links only while they
		// stay inside the music folder.
		info, err := s.music.Stat(p)
		if err != nil || !info.Mode().IsRegular() || info.Size() > maxMusicPlaylistBytes {
			continue
		}
		out = append(out, musicPlaylistFile{path: p, modified: info.ModTime()})
	}
	return out
}

// writeMusicPlaylists writes the playlist files of folder dir as lsinfo
// lists them.
func (c *conn) writeMusicPlaylists(dir string) {
	for _, pf := range c.s.listMusicPlaylists(dir) {
		c.w.Pair("playlist", pf.path)
		c.w.Pair("Last-Modified", pf.modified.UTC().Format(time.RFC3339))
	}
}

// readPlaylist returns the playlist that listplaylist, listplaylistinfo
// and load read: the stored playlist called name or, when there is none,
// the playlist file at path name in the music folder. A stored playlist
// wins over a file of the same name at the top of the music folder, as in
// MPD 0.23.12.
func (c *conn) readPlaylist(ctx context.Context, name string) (*models.Playlist, error) {
	pl, err := c.loadPlaylist(ctx, name)
	if err == nil {
		return pl, nil
	}
	code := protocol.AsError(err).Code
	if code != protocol.AckNoExist && code != protocol.AckArg {
		return nil, err
	}
	if name == "" {
		return nil, errNoSuchPlaylist()
	}
	if strings.HasPrefix(name, "/") {
		// cleanPath logs the path and returns "Access denied", as MPD
		// 0.23.12 replies to a TCP client.
		_, err := c.cleanPath(name)
		return nil, err
	}
	clean, err := c.dbPath(name)
	if err != nil {
		// A path that is unsafe or not in cleaned form names no playlist.
		return nil, errNoSuchPlaylist()
	}
	return c.readMusicPlaylist(clean)
}

// readMusicPlaylist reads and parses the playlist file at the checked
// path clean and maps its entries with musicPlaylistEntryURI.
func (c *conn) readMusicPlaylist(clean string) (*models.Playlist, error) {
	kind, ok := musicPlaylistKind(clean)
	if !ok || c.s.music == nil {
		return nil, errNoSuchPlaylist()
	}
	data, modified, err := readMusicPlaylistFile(c.s.music, clean)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			c.log.Debug("MPD playlist file not read", "path", clean, "err", err)
		}
		return nil, errNoSuchPlaylist()
	}
	entries, err := playlist.Parse(kind, data)
	if err != nil && !errors.Is(err, playlist.ErrEmpty) {
		c.log.Debug("MPD playlist file not parsed", "path", clean, "err", err)
		return nil, errNoSuchPlaylist()
	}

	// The playlist has no core URI, because no backend owns the file.
	out := &models.Playlist{Name: clean, LastModified: modified.UnixMilli()}
	dir := path.Dir(clean)
	if dir == "." {
		dir = ""
	}
	for _, e := range entries {
		if uri, ok := c.musicPlaylistEntryURI(dir, e.URI); ok {
			out.Tracks = append(out.Tracks, models.Track{URI: uri})
		}
	}
	return out, nil
}

// musicPlaylistEntryURI maps one entry of a playlist file in folder dir
// to a core URI. An http or https URL is a stream. A relative path is
// resolved against dir, and an absolute path or file:// URI must lead
// inside the music folder, where MPD 0.23.12 keeps such entries in
// listplaylist and skips them on load. An entry that leads out of the
// music folder through ".." is dropped, where MPD 0.23.12 stops it at the
// top of the music folder. Entries of other schemes are dropped too,
// because the server plays only http and https streams.
func (c *conn) musicPlaylistEntryURI(dir, entry string) (string, bool) {
	if strings.ContainsAny(entry, "\x00\r\n") {
		return "", false
	}

	lower := strings.ToLower(entry)
	if strings.HasPrefix(lower, "file://") {
		// Only file:///PATH names a local file. Its path may be
		// percent-encoded, and Rel below checks the decoded path.
		decoded, err := url.PathUnescape(entry[len("file://"):])
		if err != nil || !strings.HasPrefix(decoded, "/") || strings.ContainsRune(decoded, 0) {
			return "", false
		}
		entry = decoded
	} else if strings.Contains(entry, "://") {
		for _, scheme := range streamSchemes {
			if strings.HasPrefix(lower, scheme) {
				return entry, true
			}
		}
		return "", false
	}

	var rel string
	if strings.HasPrefix(entry, "/") {
		// Rel resolves symbolic links and requires the file to exist
		// inside the music folder.
		r, err := c.s.music.Rel(filepath.FromSlash(entry))
		if err != nil || r == "" {
			return "", false
		}
		rel = r
	} else {
		rel = path.Join(dir, entry)
	}

	// CleanText drops an entry whose ".." elements lead out of the music
	// folder, or that is otherwise unsafe, before pathToURI would log it
	// as a denial against the client.
	clean, err := safepath.CleanText(rel)
	if err != nil || clean != rel {
		return "", false
	}
	uri, err := c.pathToURI(clean)
	if err != nil {
		return "", false
	}
	return uri, true
}

// readMusicPlaylistFile reads the playlist file rel inside music with
// readRegularFile and returns its content and modification time.
func readMusicPlaylistFile(music *safepath.Root, rel string) ([]byte, time.Time, error) {
	data, info, err := readRegularFile(music, rel, maxMusicPlaylistBytes)
	if err != nil {
		return nil, time.Time{}, err
	}
	return data, info.ModTime(), nil
}
