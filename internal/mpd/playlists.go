package mpd

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// maxPlaylistName bounds a stored playlist name, in bytes.
const maxPlaylistName = 255

// checkPlaylistName rejects names that MPD 0.23 rejects (empty, with a
// slash or a line break) and names that are too long or not UTF-8.
func checkPlaylistName(name string) error {
	if name == "" || len(name) > maxPlaylistName || !utf8.ValidString(name) ||
		strings.ContainsAny(name, "/\\\r\n\x00") || name == "." || name == ".." {
		return protocol.Errorf(protocol.AckArg, "Bad playlist name")
	}
	return nil
}

// playlistURI finds the URI of the stored playlist called name.
func (c *conn) playlistURI(ctx context.Context, name string) (string, error) {
	if err := checkPlaylistName(name); err != nil {
		return "", err
	}
	refs, err := c.core.Playlists(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range refs {
		if r.Name == name {
			return r.URI, nil
		}
	}
	return "", errNoSuchPlaylist()
}

func (c *conn) loadPlaylist(ctx context.Context, name string) (*models.Playlist, error) {
	uri, err := c.playlistURI(ctx, name)
	if err != nil {
		return nil, err
	}
	pl, err := c.core.LookupPlaylist(ctx, uri)
	if err != nil {
		return nil, coreError(err, "No such playlist")
	}
	if pl == nil {
		return nil, errNoSuchPlaylist()
	}
	return pl, nil
}

func (c *conn) writePlaylistList(ctx context.Context) error {
	refs, err := c.core.Playlists(ctx)
	if err != nil {
		return err
	}
	for _, r := range refs {
		c.w.Pair("playlist", r.Name)
		pl, err := c.core.LookupPlaylist(ctx, r.URI)
		if err == nil && pl != nil && pl.LastModified > 0 {
			c.w.Pair("Last-Modified", time.UnixMilli(pl.LastModified).UTC().Format(time.RFC3339))
		}
	}
	return nil
}

func cmdListPlaylists(ctx context.Context, c *conn, _ []string) error {
	return c.writePlaylistList(ctx)
}

func playlistRange(args []string, n int) (protocol.Range, error) {
	r := protocol.Range{Start: 0, End: n}
	if len(args) == 0 {
		return r, nil
	}
	r, err := protocol.ParseRange(args[0])
	if err != nil {
		return r, err
	}
	if r.Start > n {
		return r, errBadSongIndex()
	}
	return r.Clamp(n), nil
}

func cmdListPlaylist(ctx context.Context, c *conn, args []string) error {
	pl, err := c.readPlaylist(ctx, args[0])
	if err != nil {
		return err
	}
	r, err := playlistRange(args[1:], len(pl.Tracks))
	if err != nil {
		return err
	}
	for _, t := range pl.Tracks[r.Start:r.End] {
		c.w.Pair("file", uriToPath(t.URI))
	}
	return nil
}

func cmdListPlaylistInfo(ctx context.Context, c *conn, args []string) error {
	pl, err := c.readPlaylist(ctx, args[0])
	if err != nil {
		return err
	}
	r, err := playlistRange(args[1:], len(pl.Tracks))
	if err != nil {
		return err
	}
	tracks := pl.Tracks[r.Start:r.End]
	uris := make([]string, len(tracks))
	for i, t := range tracks {
		uris[i] = t.URI
	}
	found, err := c.core.Lookup(ctx, uris)
	if err != nil {
		return err
	}
	for i := range tracks {
		if full := found[tracks[i].URI]; len(full) > 0 {
			c.writeSong(&full[0])
		} else {
			c.writeSong(&tracks[i])
		}
	}
	return nil
}

func cmdLoad(ctx context.Context, c *conn, args []string) error {
	pl, err := c.readPlaylist(ctx, args[0])
	if err != nil {
		return err
	}
	r := protocol.Range{Start: 0, End: len(pl.Tracks)}
	if len(args) >= 2 {
		if r, err = protocol.ParseRange(args[1]); err != nil {
			return err
		}
		// MPD 0.23.12 loads nothing from a range past the end.
		r = r.Clamp(len(pl.Tracks))
	}
	at := -1
	if len(args) == 3 {
		tracks, err := c.core.TlTracks(ctx)
		if err != nil {
			return err
		}
		if at, err = c.parsePosition(ctx, args[2], len(tracks)); err != nil {
			return err
		}
	}
	var uris []string
	for _, t := range pl.Tracks[r.Start:r.End] {
		uris = append(uris, t.URI)
	}
	if len(uris) == 0 {
		return nil
	}
	// The core skips songs that it does not find, as MPD 0.23.12 skips
	// the songs of a playlist file that are not in its database.
	_, err = c.core.Add(ctx, uris, at)
	return coreError(err, "No such song")
}

// appendToPlaylist inserts tracks into the stored playlist called name at
// position at (the end when negative), creating the playlist if needed.
// A position past the end fails with "Bad position" before a missing
// playlist is created, as in MPD 0.23.12.
func (c *conn) appendToPlaylist(ctx context.Context, name string, tracks []models.Track, at int) error {
	pl, err := c.loadPlaylist(ctx, name)
	missing := protocol.AsError(err).Code == protocol.AckNoExist
	if err != nil && !missing {
		return err
	}
	length := 0
	if !missing && pl != nil {
		length = len(pl.Tracks)
	}
	if at > length {
		return protocol.Errorf(protocol.AckArg, "Bad position")
	}
	if missing {
		if pl, err = c.core.CreatePlaylist(ctx, name); err != nil {
			return err
		}
	}
	if pl == nil {
		return protocol.Errorf(protocol.AckSystem, "Failed to create playlist")
	}
	if at < 0 || at > len(pl.Tracks) {
		at = len(pl.Tracks)
	}
	updated := *pl
	updated.Tracks = append(append(append([]models.Track{}, pl.Tracks[:at]...), tracks...), pl.Tracks[at:]...)
	_, err = c.core.SavePlaylist(ctx, updated)
	return err
}

func cmdPlaylistAdd(ctx context.Context, c *conn, args []string) error {
	if err := checkPlaylistName(args[0]); err != nil {
		return err
	}
	uris, err := c.resolveAdd(ctx, args[1], true)
	if err != nil {
		return err
	}
	tracks := make([]models.Track, len(uris))
	for i, u := range uris {
		tracks[i] = models.Track{URI: u}
	}
	at := -1
	if len(args) == 3 {
		if at, err = protocol.ParseUint(args[2]); err != nil {
			return err
		}
	}
	return c.appendToPlaylist(ctx, args[0], tracks, at)
}

func (c *conn) editPlaylist(ctx context.Context, name string, edit func([]models.Track) ([]models.Track, error)) error {
	pl, err := c.loadPlaylist(ctx, name)
	if err != nil {
		return err
	}
	tracks, err := edit(append([]models.Track{}, pl.Tracks...))
	if err != nil {
		return err
	}
	updated := *pl
	updated.Tracks = tracks
	_, err = c.core.SavePlaylist(ctx, updated)
	return err
}

func cmdPlaylistClear(ctx context.Context, c *conn, args []string) error {
	return c.editPlaylist(ctx, args[0], func([]models.Track) ([]models.Track, error) { return nil, nil })
}

func cmdPlaylistDelete(ctx context.Context, c *conn, args []string) error {
	r, err := protocol.ParseRange(args[1])
	if err != nil {
		return err
	}
	return c.editPlaylist(ctx, args[0], func(ts []models.Track) ([]models.Track, error) {
		if r.Start >= len(ts) || (!r.Open() && r.End > len(ts)) {
			return nil, errBadSongIndex()
		}
		r = r.Clamp(len(ts))
		return append(ts[:r.Start], ts[r.End:]...), nil
	})
}

func cmdPlaylistMove(ctx context.Context, c *conn, args []string) error {
	from, err := protocol.ParseUint(args[1])
	if err != nil {
		return err
	}
	to, err := protocol.ParseUint(args[2])
	if err != nil {
		return err
	}
	return c.editPlaylist(ctx, args[0], func(ts []models.Track) ([]models.Track, error) {
		if from >= len(ts) || to >= len(ts) {
			return nil, protocol.Errorf(protocol.AckArg, "Bad range")
		}
		t := ts[from]
		ts = append(ts[:from], ts[from+1:]...)
		ts = append(ts[:to], append([]models.Track{t}, ts[to:]...)...)
		return ts, nil
	})
}

func cmdRename(ctx context.Context, c *conn, args []string) error {
	pl, err := c.loadPlaylist(ctx, args[0])
	if err != nil {
		return err
	}
	if err := checkPlaylistName(args[1]); err != nil {
		return err
	}
	if _, err := c.playlistURI(ctx, args[1]); err == nil {
		return protocol.Errorf(protocol.AckExist, "Playlist already exists")
	}
	created, err := c.core.CreatePlaylist(ctx, args[1])
	if err != nil {
		return err
	}
	if created == nil {
		return protocol.Errorf(protocol.AckSystem, "Failed to create playlist")
	}
	renamed := *created
	renamed.Tracks = pl.Tracks
	if _, err := c.core.SavePlaylist(ctx, renamed); err != nil {
		return err
	}
	_, err = c.core.DeletePlaylist(ctx, pl.URI)
	return err
}

func cmdRm(ctx context.Context, c *conn, args []string) error {
	uri, err := c.playlistURI(ctx, args[0])
	if err != nil {
		return err
	}
	ok, err := c.core.DeletePlaylist(ctx, uri)
	if err != nil {
		return err
	}
	if !ok {
		return errNoSuchPlaylist()
	}
	return nil
}

// cmdSave stores the tracklist as a new playlist. MPD 0.23 has no save
// modes, so an existing name is an error.
func cmdSave(ctx context.Context, c *conn, args []string) error {
	if err := checkPlaylistName(args[0]); err != nil {
		return err
	}
	if _, err := c.playlistURI(ctx, args[0]); err == nil {
		return protocol.Errorf(protocol.AckExist, "Playlist already exists")
	}
	tl, err := c.core.TlTracks(ctx)
	if err != nil {
		return err
	}
	pl, err := c.core.CreatePlaylist(ctx, args[0])
	if err != nil {
		return err
	}
	if pl == nil {
		return protocol.Errorf(protocol.AckSystem, "Failed to create playlist")
	}
	saved := *pl
	for _, t := range tl {
		if t.Track != nil {
			saved.Tracks = append(saved.Tracks, *t.Track)
		}
	}
	_, err = c.core.SavePlaylist(ctx, saved)
	return err
}
