package mpd

import (
	"context"
	"errors"
	"strings"

	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// queuePosition returns the position of tlid, or ACK 50 when it is not in
// the tracklist.
func (c *conn) queuePosition(ctx context.Context, tlid int) (int, error) {
	tracks, err := c.core.TlTracks(ctx)
	if err != nil {
		return 0, err
	}
	pos := positionOf(tracks, tlid)
	if pos < 0 {
		return 0, errNoSuchSong()
	}
	return pos, nil
}

// parsePosition parses a queue position for add, addid and move: a number,
// or "+N" / "-N" relative to the current song, as MPD 0.23 allows.
func (c *conn) parsePosition(ctx context.Context, arg string, length int) (int, error) {
	relative := strings.HasPrefix(arg, "+") || strings.HasPrefix(arg, "-")
	n, err := protocol.ParseInt(arg)
	if err != nil {
		return 0, err
	}
	if relative {
		current, err := c.core.CurrentTlTrack(ctx)
		if err != nil {
			return 0, err
		}
		if current == nil {
			return 0, protocol.Errorf(protocol.AckPlayerSync, "No current song")
		}
		tracks, err := c.core.TlTracks(ctx)
		if err != nil {
			return 0, err
		}
		cur := positionOf(tracks, current.TLID)
		if strings.HasPrefix(arg, "+") {
			n = cur + 1 + n
		} else {
			n = cur + n
		}
	}
	if !relative && n > length {
		return 0, protocol.Errorf(protocol.AckArg, "Number too large: %s", arg)
	}
	if n < 0 || n > length {
		return 0, errBadSongIndex()
	}
	return n, nil
}

// clampRange limits r to a queue of n songs as MPD 0.23.12 does for
// delete, playlistinfo, prio and shuffle: a start past the end is a bad
// song index, and an end past it is cut.
func clampRange(r protocol.Range, n int) (protocol.Range, error) {
	if r.Start > n {
		return r, errBadSongIndex()
	}
	return r.Clamp(n), nil
}

// resolveAdd resolves one add argument: a song path, a stream URL or,
// when folders is set, a folder path, whose songs come in the order of
// MPD 0.23.12's database walk. As in MPD 0.23.12, addid takes no folders,
// and add and playlistadd take "" and "/" for the whole library.
func (c *conn) resolveAdd(ctx context.Context, arg string, folders bool) ([]string, error) {
	if folders && arg == "/" {
		arg = ""
	}
	uri, err := c.pathToURI(arg)
	if errors.Is(err, errNoSuchPath) {
		if folders {
			return nil, errNoSuchDirectory()
		}
		return nil, errNoSuchSong()
	}
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(uri, localTrackPrefix) {
		return []string{uri}, nil
	}
	found, err := c.core.Lookup(ctx, []string{uri})
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	if len(found[uri]) > 0 {
		return []string{uri}, nil
	}
	if !folders {
		return nil, errNoSuchSong()
	}
	dir := uriToPath(uri)
	tracks, paths, err := c.findTracksWithPaths(ctx, nil)
	if err != nil {
		return nil, err
	}
	var uris []string
	for i := range tracks {
		if protocol.IsBelow(paths[i], dir) {
			uris = append(uris, tracks[i].URI)
		}
	}
	if len(uris) == 0 {
		return nil, errNoSuchDirectory()
	}
	return uris, nil
}

func (c *conn) addAt(ctx context.Context, args []string, folders bool) ([]models.TlTrack, error) {
	uris, err := c.resolveAdd(ctx, args[0], folders)
	if err != nil {
		return nil, err
	}
	at := -1
	if len(args) == 2 {
		tracks, err := c.core.TlTracks(ctx)
		if err != nil {
			return nil, err
		}
		if at, err = c.parsePosition(ctx, args[1], len(tracks)); err != nil {
			return nil, err
		}
	}
	added, err := c.core.Add(ctx, uris, at)
	if err != nil {
		return nil, coreError(err, "No such song")
	}
	if len(added) == 0 {
		return nil, protocol.Errorf(protocol.AckNoExist, "No such song")
	}
	return added, nil
}

func cmdAdd(ctx context.Context, c *conn, args []string) error {
	_, err := c.addAt(ctx, args, true)
	return err
}

func cmdAddID(ctx context.Context, c *conn, args []string) error {
	added, err := c.addAt(ctx, args, false)
	if err != nil {
		return err
	}
	c.w.PairInt("Id", int64(added[0].TLID))
	return nil
}

func cmdClear(ctx context.Context, c *conn, _ []string) error { return c.core.Clear(ctx) }

func cmdDelete(ctx context.Context, c *conn, args []string) error {
	r, err := protocol.ParseRange(args[0])
	if err != nil {
		return err
	}
	tracks, err := c.core.TlTracks(ctx)
	if err != nil {
		return err
	}
	if r, err = clampRange(r, len(tracks)); err != nil {
		return err
	}
	var tlids []int
	for _, t := range tracks[r.Start:r.End] {
		tlids = append(tlids, t.TLID)
	}
	return c.core.Remove(ctx, tlids)
}

func cmdDeleteID(ctx context.Context, c *conn, args []string) error {
	id, err := protocol.ParseUint(args[0])
	if err != nil {
		return err
	}
	if _, err := c.queuePosition(ctx, id); err != nil {
		return err
	}
	return c.core.Remove(ctx, []int{id})
}

func cmdMove(ctx context.Context, c *conn, args []string) error {
	r, err := protocol.ParseRange(args[0])
	if err != nil {
		return err
	}
	tracks, err := c.core.TlTracks(ctx)
	if err != nil {
		return err
	}
	if r.Open() {
		return protocol.Errorf(protocol.AckArg, "Open-ended range not supported")
	}
	if r.Start >= len(tracks) || r.End > len(tracks) {
		return errBadSongIndex()
	}
	to, err := c.parsePosition(ctx, args[1], len(tracks)-(r.End-r.Start))
	if err != nil {
		return err
	}
	return c.core.Move(ctx, r.Start, r.End, to)
}

func cmdMoveID(ctx context.Context, c *conn, args []string) error {
	id, err := protocol.ParseUint(args[0])
	if err != nil {
		return err
	}
	from, err := c.queuePosition(ctx, id)
	if err != nil {
		return err
	}
	tracks, err := c.core.TlTracks(ctx)
	if err != nil {
		return err
	}
	to, err := c.parsePosition(ctx, args[1], len(tracks)-1)
	if err != nil {
		return err
	}
	return c.core.Move(ctx, from, from+1, to)
}

func (c *conn) swapPositions(ctx context.Context, a, b int) error {
	if a == b {
		return nil
	}
	if a > b {
		a, b = b, a
	}
	if err := c.core.Move(ctx, b, b+1, a); err != nil {
		return err
	}
	return c.core.Move(ctx, a+1, a+2, b)
}

func cmdSwap(ctx context.Context, c *conn, args []string) error {
	a, err := protocol.ParseUint(args[0])
	if err != nil {
		return err
	}
	b, err := protocol.ParseUint(args[1])
	if err != nil {
		return err
	}
	tracks, err := c.core.TlTracks(ctx)
	if err != nil {
		return err
	}
	if a >= len(tracks) || b >= len(tracks) {
		return errBadSongIndex()
	}
	return c.swapPositions(ctx, a, b)
}

func cmdSwapID(ctx context.Context, c *conn, args []string) error {
	var pos [2]int
	for i := range pos {
		id, err := protocol.ParseUint(args[i])
		if err != nil {
			return err
		}
		if pos[i], err = c.queuePosition(ctx, id); err != nil {
			return err
		}
	}
	return c.swapPositions(ctx, pos[0], pos[1])
}

func cmdShuffle(ctx context.Context, c *conn, args []string) error {
	tracks, err := c.core.TlTracks(ctx)
	if err != nil {
		return err
	}
	r := protocol.Range{Start: 0, End: len(tracks)}
	if len(args) == 1 {
		if r, err = protocol.ParseRange(args[0]); err != nil {
			return err
		}
		if r, err = clampRange(r, len(tracks)); err != nil {
			return err
		}
	}
	if r.End-r.Start < 2 {
		// Nothing to reorder, and the core rejects an empty range.
		return nil
	}
	return c.core.Shuffle(ctx, r.Start, r.End)
}

// tracklist returns the tracklist and records its order for plchanges.
func (c *conn) tracklist(ctx context.Context) ([]models.TlTrack, int, error) {
	version, err := c.core.TracklistVersion(ctx)
	if err != nil {
		return nil, 0, err
	}
	tracks, err := c.core.TlTracks(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := c.loadPriorities(ctx); err != nil {
		return nil, 0, err
	}
	tlids := make([]int, len(tracks))
	for i, t := range tracks {
		tlids[i] = t.TLID
	}
	c.s.remember(version, tlids)
	return tracks, version, nil
}

// loadPriorities reads the priorities that writeQueueSong and the queue
// filters show for the current command.
func (c *conn) loadPriorities(ctx context.Context) error {
	prios, err := c.core.Priorities(ctx)
	if err != nil {
		return err
	}
	c.prios = prios
	return nil
}

func cmdPlaylist(ctx context.Context, c *conn, _ []string) error {
	tracks, _, err := c.tracklist(ctx)
	if err != nil {
		return err
	}
	for i, t := range tracks {
		file := ""
		if t.Track != nil {
			file = uriToPath(t.Track.URI)
		}
		c.w.Pair(itoa(i)+":file", file)
	}
	return nil
}

func cmdPlaylistInfo(ctx context.Context, c *conn, args []string) error {
	tracks, _, err := c.tracklist(ctx)
	if err != nil {
		return err
	}
	r := protocol.Range{Start: 0, End: len(tracks)}
	if len(args) == 1 {
		if r, err = protocol.ParseRange(args[0]); err != nil {
			return err
		}
		if r, err = clampRange(r, len(tracks)); err != nil {
			return err
		}
	}
	for i := r.Start; i < r.End; i++ {
		c.writeQueueSong(tracks[i], i)
	}
	return nil
}

func cmdPlaylistID(ctx context.Context, c *conn, args []string) error {
	tracks, _, err := c.tracklist(ctx)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		for i, t := range tracks {
			c.writeQueueSong(t, i)
		}
		return nil
	}
	id, err := protocol.ParseUint(args[0])
	if err != nil {
		return err
	}
	pos := positionOf(tracks, id)
	if pos < 0 {
		return errNoSuchSong()
	}
	c.writeQueueSong(tracks[pos], pos)
	return nil
}

func (c *conn) playlistFilter(ctx context.Context, args []string, fold bool) error {
	f, err := parseFilter(args, fold)
	if err != nil {
		return err
	}
	tracks, _, err := c.tracklist(ctx)
	if err != nil {
		return err
	}
	for i, t := range tracks {
		if t.Track == nil {
			continue
		}
		song := filterSong(t.Track)
		song.Prio = c.prios[t.TLID]
		if f.Match(song) {
			c.writeQueueSong(t, i)
		}
	}
	return nil
}

func cmdPlaylistFind(ctx context.Context, c *conn, args []string) error {
	return c.playlistFilter(ctx, args, false)
}

func cmdPlaylistSearch(ctx context.Context, c *conn, args []string) error {
	return c.playlistFilter(ctx, args, true)
}

// changedSince returns the positions whose song changed since the MPD
// playlist version given. Without a record of that version, every
// position counts as changed, which costs clients a full reload but is
// never wrong. A version newer than the current one, such as "-1", which
// MPD 0.23.12 reads as 4294967295, therefore lists the whole queue.
func (c *conn) changedSince(ctx context.Context, args []string) ([]models.TlTrack, []int, error) {
	parsed, err := protocol.ParseVersion(args[0])
	if err != nil {
		return nil, nil, err
	}
	since := int(parsed)
	tracks, version, err := c.tracklist(ctx)
	if err != nil {
		return nil, nil, err
	}
	r := protocol.Range{Start: 0, End: -1}
	if len(args) == 2 {
		if r, err = protocol.ParseRange(args[1]); err != nil {
			return nil, nil, err
		}
	}
	r = r.Clamp(len(tracks))
	old, known := c.s.snapshot(since - 1)
	var positions []int
	if since-1 == version {
		return tracks, nil, nil
	}
	for i := r.Start; i < r.End; i++ {
		if !known || i >= len(old) || old[i] != tracks[i].TLID {
			positions = append(positions, i)
		}
	}
	return tracks, positions, nil
}

func cmdPlChanges(ctx context.Context, c *conn, args []string) error {
	tracks, positions, err := c.changedSince(ctx, args)
	if err != nil {
		return err
	}
	for _, i := range positions {
		c.writeQueueSong(tracks[i], i)
	}
	return nil
}

func cmdPlChangesPosID(ctx context.Context, c *conn, args []string) error {
	tracks, positions, err := c.changedSince(ctx, args)
	if err != nil {
		return err
	}
	for _, i := range positions {
		c.w.PairInt("cpos", int64(i))
		c.w.PairInt("Id", int64(tracks[i].TLID))
	}
	return nil
}

func parsePrio(arg string) (int, error) {
	prio, err := protocol.ParseUint(arg)
	if err != nil {
		return 0, err
	}
	if prio > 255 {
		return 0, protocol.Errorf(protocol.AckArg, "Number too large: %s", arg)
	}
	return prio, nil
}

func cmdPrio(ctx context.Context, c *conn, args []string) error {
	prio, err := parsePrio(args[0])
	if err != nil {
		return err
	}
	tracks, err := c.core.TlTracks(ctx)
	if err != nil {
		return err
	}
	// Ranges may overlap, so positions are marked once each: a command
	// of 255 whole-queue ranges costs one pass, not 255.
	marked := make([]bool, len(tracks))
	for _, a := range args[1:] {
		r, err := protocol.ParseRange(a)
		if err != nil {
			return err
		}
		if r, err = clampRange(r, len(tracks)); err != nil {
			return err
		}
		for i := r.Start; i < r.End; i++ {
			marked[i] = true
		}
	}
	var tlids []int
	for i, m := range marked {
		if m {
			tlids = append(tlids, tracks[i].TLID)
		}
	}
	// The core announces the change as a tracklist change, which MPD
	// 0.23.12 reports as a queue change too.
	return c.core.SetPriority(ctx, tlids, prio)
}

func cmdPrioID(ctx context.Context, c *conn, args []string) error {
	prio, err := parsePrio(args[0])
	if err != nil {
		return err
	}
	var tlids []int
	for _, a := range args[1:] {
		id, err := protocol.ParseUint(a)
		if err != nil {
			return err
		}
		if _, err := c.queuePosition(ctx, id); err != nil {
			return err
		}
		tlids = append(tlids, id)
	}
	return c.core.SetPriority(ctx, tlids, prio)
}

// cmdRangeID accepts only ":" (the whole song), because the player cannot
// play part of a song.
func cmdRangeID(ctx context.Context, c *conn, args []string) error {
	id, err := protocol.ParseUint(args[0])
	if err != nil {
		return err
	}
	if _, err := c.queuePosition(ctx, id); err != nil {
		return err
	}
	if args[1] != ":" {
		return protocol.Errorf(protocol.AckUnknown, "song ranges are not supported: the player plays whole songs")
	}
	return nil
}

func cmdAddTagID(ctx context.Context, c *conn, args []string) error {
	id, err := protocol.ParseUint(args[0])
	if err != nil {
		return err
	}
	tag, ok := protocol.ParseTag(args[1])
	if !ok {
		return protocol.Errorf(protocol.AckArg, "Unknown tag type: %s", args[1])
	}
	if _, err := c.queuePosition(ctx, id); err != nil {
		return err
	}
	err = c.s.queueTags.add(id, tag, args[2])
	if errors.Is(err, errQueueTagsFull) {
		if err := c.s.pruneQueueTags(ctx, c.core); err != nil {
			return err
		}
		err = c.s.queueTags.add(id, tag, args[2])
	}
	if errors.Is(err, errQueueTagsFull) {
		return protocol.Errorf(protocol.AckPlaylistMax, "Too many added tags in the queue")
	}
	if err != nil {
		return err
	}
	c.s.notifyAll("playlist")
	return nil
}

func cmdClearTagID(ctx context.Context, c *conn, args []string) error {
	id, err := protocol.ParseUint(args[0])
	if err != nil {
		return err
	}
	tag := ""
	if len(args) == 2 {
		var ok bool
		if tag, ok = protocol.ParseTag(args[1]); !ok {
			return protocol.Errorf(protocol.AckArg, "Unknown tag type: %s", args[1])
		}
	}
	if _, err := c.queuePosition(ctx, id); err != nil {
		return err
	}
	c.s.queueTags.clear(id, tag)
	c.s.notifyAll("playlist")
	return nil
}
