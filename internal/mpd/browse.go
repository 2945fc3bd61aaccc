package mpd

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
	"github.com/tonearm/tonearm/internal/safepath"
)

// cmdLsInfo lists one folder of the music database as MPD 0.23.12 does:
// songs, playlist files, sub-folders and, at the root, the stored
// playlists.
func cmdLsInfo(ctx context.Context, c *conn, args []string) error {
	dir := ""
	if len(args) == 1 {
		if !c.local && strings.HasPrefix(strings.ToLower(args[0]), "file://") {
			c.log.Warn("MPD client rejected: file:// URI from a TCP client")
			return protocol.Errorf(protocol.AckPermission, "Access denied")
		}
		if isStreamURL(args[0]) {
			return protocol.Errorf(protocol.AckNoExist, "No such directory")
		}
		var err error
		if dir, err = c.dirPathArg(args[0]); errors.Is(err, errNoSuchPath) {
			return errNoSuchDirectory()
		} else if err != nil {
			return err
		}
	}
	// The folder comes from the library tree that listall builds from the
	// adapter's cached tracks, whose songs and sub-folders are already in
	// songOrder. Browsing the core instead cost one library lookup per
	// song, over a second for a folder of 20,000.
	tracks, paths, err := c.findTracksWithPaths(ctx, nil)
	if err != nil {
		return err
	}
	tree := c.s.sorted.libraryTree(tracks, func() *dirTree { return buildTree(tracks, paths, "") })
	node := tree.lookup(dir)
	if node == nil && dir != "" {
		// NOTE: the folders come from the core's songs, so a folder that
		// holds playlist files but no songs is neither listed nor found
		// here, where MPD 0.23.12 lists it.
		return c.lsinfoSong(ctx, dir)
	}
	if node != nil {
		// MPD 0.23.12 lists the songs of a folder before its playlist
		// files and sub-folders.
		for _, s := range node.songs {
			c.writeSongAt(s.track, s.path)
		}
	}
	c.writeMusicPlaylists(dir)
	if node != nil {
		for _, name := range node.names {
			c.writeDirectory(node.dirs[name].path)
		}
	}
	if dir == "" {
		return c.writePlaylistList(ctx)
	}
	return nil
}

// writeDirectory writes a folder entry with its modification time, read
// from the music folder when one is configured.
func (c *conn) writeDirectory(p string) {
	c.w.Pair("directory", p)
	if t := c.s.folderTime(p); t != "" {
		c.w.Pair("Last-Modified", t)
	}
}

// writeCachedDirectory is writeDirectory with the modification time kept
// until the library changes, as MPD 0.23 keeps it in its database, for
// listallinfo, which writes every folder of the library.
func (c *conn) writeCachedDirectory(p string) {
	c.w.Pair("directory", p)
	if t := c.s.sorted.folderTime(p, c.s.folderTime); t != "" {
		c.w.Pair("Last-Modified", t)
	}
}

// folderTime returns the modification time of folder p in the music folder
// as Last-Modified shows it, or "" when no music folder is configured or p
// cannot be read.
func (s *Server) folderTime(p string) string {
	if s.music == nil {
		return ""
	}
	info, err := s.music.Stat(p)
	if err != nil {
		return ""
	}
	return info.ModTime().UTC().Format(time.RFC3339)
}

// lsinfoSong writes the song itself for lsinfo on a song path.
func (c *conn) lsinfoSong(ctx context.Context, p string) error {
	uri := localTrackPrefix + safepath.Escape(p)
	found, err := c.core.Lookup(ctx, []string{uri})
	if err != nil && !isNotFound(err) {
		return err
	}
	if len(found[uri]) == 0 {
		return protocol.Errorf(protocol.AckNoExist, "No such directory")
	}
	c.writeSong(&found[uri][0])
	return nil
}

func isStreamURL(s string) bool { return strings.Contains(s, "://") }

// dirTree is the folder tree of a set of songs, for listall and
// listallinfo. It is not modified after buildTree returns, so connections
// may share it.
type dirTree struct {
	// path is the folder's path in the music folder.
	path string
	dirs map[string]*dirTree
	// names are the keys of dirs, in songOrder.
	names []string
	// songs are in songOrder.
	songs []treeSong
}

type treeSong struct {
	track *models.Track
	path  string
	// index is the song's index in the tracks that the tree describes.
	index int
}

// buildTree returns the folder tree of tracks, whose paths are paths,
// below base, ordered as MPD 0.23.12 orders its database.
func buildTree(tracks []models.Track, paths []string, base string) *dirTree {
	root := &dirTree{path: base, dirs: map[string]*dirTree{}}
	for i := range tracks {
		p := paths[i]
		rel := strings.TrimPrefix(strings.TrimPrefix(p, base), "/")
		n := root
		parts := strings.Split(rel, "/")
		for _, part := range parts[:len(parts)-1] {
			child, ok := n.dirs[part]
			if !ok {
				child = &dirTree{path: path.Join(n.path, part), dirs: map[string]*dirTree{}}
				n.dirs[part] = child
			}
			n = child
		}
		n.songs = append(n.songs, treeSong{&tracks[i], p, i})
	}
	root.sort(newSongOrder())
	return root
}

func (t *dirTree) sort(o *songOrder) {
	t.names = make([]string, 0, len(t.dirs))
	for name, child := range t.dirs {
		t.names = append(t.names, name)
		child.sort(o)
	}
	o.sortNames(t.names)
	o.sortSongs(t.songs)
}

// lookup returns the folder at path p below t, or nil when the tree has
// no such folder.
func (t *dirTree) lookup(p string) *dirTree {
	if p == "" {
		return t
	}
	n := t
	for _, part := range strings.Split(p, "/") {
		if n = n.dirs[part]; n == nil {
			return nil
		}
	}
	return n
}

// eachSong calls fn with each song of t in walk order. fn may change the
// song, before the tree is shared.
func (t *dirTree) eachSong(fn func(*treeSong)) {
	for i := range t.songs {
		fn(&t.songs[i])
	}
	for _, name := range t.names {
		t.dirs[name].eachSong(fn)
	}
}

// walk visits the songs of a folder, then calls afterSongs with the
// folder's path unless it is nil, then visits each sub-folder and its
// content, the order of MPD 0.23's database walk.
func (t *dirTree) walk(onDir func(string), onSong func(treeSong), afterSongs func(string)) {
	for _, s := range t.songs {
		onSong(s)
	}
	if afterSongs != nil {
		afterSongs(t.path)
	}
	for _, name := range t.names {
		child := t.dirs[name]
		onDir(child.path)
		child.walk(onDir, onSong, afterSongs)
	}
}

func (c *conn) listAll(ctx context.Context, args []string, info bool) error {
	base := ""
	if len(args) == 1 {
		var err error
		if base, err = c.dirPathArg(args[0]); err != nil {
			// MPD 0.23.12 looks any path up and finds no such folder.
			return protocol.Errorf(protocol.AckNoExist, "No such directory")
		}
	}
	tracks, paths, err := c.findTracksWithPaths(ctx, nil)
	if err != nil {
		return err
	}
	tracks, paths = filterBelow(tracks, paths, base)
	if len(tracks) == 0 && base != "" {
		return protocol.Errorf(protocol.AckNoExist, "No such directory")
	}
	onDir := func(dir string) {
		if info {
			c.writeCachedDirectory(dir)
		} else {
			c.w.Pair("directory", dir)
		}
	}
	if base != "" {
		// MPD 0.23 starts with the folder asked for.
		onDir(base)
	}
	var tree *dirTree
	if base == "" {
		tree = c.s.sorted.libraryTree(tracks, func() *dirTree { return buildTree(tracks, paths, base) })
	} else {
		tree = buildTree(tracks, paths, base)
	}
	// As MPD 0.23.12 does, each folder's playlist files follow its songs.
	afterSongs := func(dir string) {
		for _, pf := range c.s.sorted.folderPlaylists(dir, c.s.listMusicPlaylists) {
			c.w.Pair("playlist", pf.path)
			if info {
				c.w.Pair("Last-Modified", pf.modified.UTC().Format(time.RFC3339))
			}
		}
	}
	tree.walk(onDir, func(s treeSong) {
		if info {
			c.writeSongAt(s.track, s.path)
		} else {
			c.w.Pair("file", s.path)
		}
	}, afterSongs)
	return nil
}

func filterBelow(tracks []models.Track, paths []string, base string) ([]models.Track, []string) {
	if base == "" {
		return tracks, paths
	}
	var out []models.Track
	var outPaths []string
	for i := range tracks {
		if protocol.IsBelow(paths[i], base) {
			out = append(out, tracks[i])
			outPaths = append(outPaths, paths[i])
		}
	}
	return out, outPaths
}

func cmdListAll(ctx context.Context, c *conn, args []string) error {
	return c.listAll(ctx, args, false)
}

func cmdListAllInfo(ctx context.Context, c *conn, args []string) error {
	return c.listAll(ctx, args, true)
}

// cmdListFiles lists every entry of a music folder, songs or not, read
// from the disk inside the music folder. Symbolic links are left out, so
// the listing never describes a file outside the folder.
func cmdListFiles(_ context.Context, c *conn, args []string) error {
	dir := ""
	if len(args) == 1 {
		var err error
		if dir, err = c.cleanPath(args[0]); err != nil {
			return err
		}
	}
	if c.s.music == nil {
		return protocol.Errorf(protocol.AckNoExist, "No such directory")
	}
	name := dir
	if name == "" {
		name = "."
	}
	f, err := c.s.music.Open(name)
	if err != nil {
		return protocol.Errorf(protocol.AckNoExist, "No such directory")
	}
	defer f.Close()
	entries, err := f.ReadDir(maxListFiles)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && len(entries) == 0 {
		return protocol.Errorf(protocol.AckNoExist, "No such directory")
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || info.Mode()&fs.ModeSymlink != 0 || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		modified := info.ModTime().UTC().Format(time.RFC3339)
		if e.IsDir() {
			c.w.Pair("directory", e.Name())
		} else if info.Mode().IsRegular() {
			c.w.Pair("file", e.Name())
			c.w.PairInt("size", info.Size())
		} else {
			continue
		}
		c.w.Pair("Last-Modified", modified)
	}
	return nil
}

// maxListFiles bounds the entries listfiles reads from one folder.
const maxListFiles = 100000

func cmdListMounts(_ context.Context, c *conn, _ []string) error {
	c.w.Pair("mount", "")
	return nil
}

func cmdUpdate(ctx context.Context, c *conn, args []string) error {
	return c.startUpdate(ctx, args)
}

// cmdRescan is update: the library scanner compares modification times
// and tags on every pass.
func cmdRescan(ctx context.Context, c *conn, args []string) error {
	return c.startUpdate(ctx, args)
}

func (c *conn) startUpdate(ctx context.Context, args []string) error {
	uri := ""
	// As in MPD 0.23.12, "" and "/" update everything, and any other path
	// must be relative without empty, "." or ".." elements.
	if len(args) == 1 && args[0] != "" && args[0] != "/" {
		if !protocol.IsSafeLocalURI(args[0]) {
			return protocol.Errorf(protocol.AckArg, "Malformed path")
		}
		dir, err := c.cleanPath(args[0])
		if err != nil {
			return err
		}
		if dir != "" {
			uri = dirURI(dir)
		}
	}
	core := c.core
	id, err := c.s.updates.start(ctx, func(ctx context.Context) error { return core.Refresh(ctx, uri) }, func() {
		c.s.notifyAll("update")
		c.s.notifyAll("database")
	})
	if err != nil {
		return err
	}
	c.s.notifyAll("update")
	c.w.PairInt("updating_db", int64(id))
	return nil
}

func cmdReadComments(ctx context.Context, c *conn, args []string) error {
	t, err := c.lookupSong(ctx, args[0])
	if err != nil {
		return err
	}
	if t.Comment != "" {
		c.w.Pair("comment", t.Comment)
	}
	return nil
}

func (c *conn) lookupSong(ctx context.Context, p string) (*models.Track, error) {
	uri, err := c.pathToURI(p)
	if errors.Is(err, errNoSuchPath) {
		return nil, errNoSuchSong()
	} else if err != nil {
		return nil, err
	}
	found, err := c.core.Lookup(ctx, []string{uri})
	if err != nil {
		return nil, coreError(err, "No such song")
	}
	if len(found[uri]) == 0 {
		return nil, errNoSuchSong()
	}
	return &found[uri][0], nil
}

func cmdGetFingerprint(context.Context, *conn, []string) error {
	return protocol.Errorf(protocol.AckUnknown, "fingerprints are not supported: the server has no chromaprint decoder")
}
