package mpd

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// queryFields maps MPD tags to the Mopidy search fields they narrow.
var queryFields = map[string]string{
	"Artist": "artist", "Album": "album", "AlbumArtist": "albumartist",
	"Title": "track_name", "Genre": "genre", "Date": "date",
	"Composer": "composer", "Performer": "performer", "Track": "track_no",
	"Disc": "disc_no", "MUSICBRAINZ_ALBUMID": "musicbrainz_albumid",
	"MUSICBRAINZ_ARTISTID": "musicbrainz_artistid",
	"MUSICBRAINZ_TRACKID":  "musicbrainz_trackid",
}

// coreQuery returns a core query that finds a superset of the songs f
// matches among the tracks of backends other than the local library, so
// the core does the heavy narrowing and f.Match the exact test. Only the
// plain conditions of a top-level AND are used.
func coreQuery(f *protocol.Filter) (models.Query, bool) {
	conds := []*protocol.Filter{f}
	if f.Kind == protocol.KindAnd {
		conds = f.Children
	}
	exact := models.Query{}
	contains := models.Query{}
	for _, c := range conds {
		field := ""
		switch c.Kind {
		case protocol.KindTag:
			field = queryFields[c.Tag]
		case protocol.KindAny:
			field = "any"
		}
		if field == "" || c.Value == "" {
			continue
		}
		switch c.Op {
		case protocol.OpEqual:
			exact[field] = append(exact[field], c.Value)
			if field != "track_no" && field != "disc_no" {
				contains[field] = append(contains[field], c.Value)
			}
		case protocol.OpContains:
			if field != "track_no" && field != "disc_no" {
				contains[field] = append(contains[field], c.Value)
			}
		}
	}
	if len(contains) > len(exact) || len(exact) == 0 {
		return contains, false
	}
	return exact, true
}

// findTracks returns the library tracks that match f, in the order of
// MPD 0.23.12's database walk.
func (c *conn) findTracks(ctx context.Context, f *protocol.Filter) ([]models.Track, error) {
	tracks, _, err := c.findTracksWithPaths(ctx, f)
	return tracks, err
}

// findTracksWithPaths is findTracks that also returns each track's path,
// computed once, because decoding a URI is the costly part of sorting.
// It filters the whole library that the core returns for an empty query,
// which CoreAdapter keeps in memory, and not the core's search of the
// local library. That search may stop at a maximum number of results,
// but MPD 0.23's find returns every match. The tracks of other backends,
// such as extensions, come from the core's search.
func (c *conn) findTracksWithPaths(ctx context.Context, f *protocol.Filter) ([]models.Track, []string, error) {
	all, err := c.core.Search(ctx, models.Query{}, false)
	if err != nil {
		return nil, nil, err
	}
	tracks, paths := c.sortedLibrary(all)
	if f == nil {
		return tracks, paths, nil
	}
	if base, ok := filterBase(f); ok && !pathExists(paths, base) {
		return nil, nil, protocol.Errorf(protocol.AckNoExist, "No such directory")
	}
	out, outPaths := c.filterLibrary(tracks, paths, f)
	q, exact := coreQuery(f)
	if len(q) == 0 {
		return out, outPaths, nil
	}
	others, err := c.core.Search(ctx, q, exact)
	if err != nil || len(others) == 0 {
		return out, outPaths, err
	}
	for i := range others {
		p := c.s.paths.get(others[i].URI)
		if f.Match(filterSongAt(&others[i], p)) {
			out = append(out, others[i])
			outPaths = append(outPaths, p)
		}
	}
	out, outPaths = inWalkOrder(out, outPaths)
	return out, outPaths, nil
}

// filterLibrary returns the tracks of the sorted library that f matches,
// and their paths.
func (c *conn) filterLibrary(tracks []models.Track, paths []string, f *protocol.Filter) ([]models.Track, []string) {
	needles := filterNeedles(f)
	var haystacks []string
	if len(needles) > 0 {
		haystacks = c.s.sorted.tagText(tracks)
	}
	var out []models.Track
	var outPaths []string
	for i := range tracks {
		if haystacks != nil && !containsAll(haystacks[i], needles) {
			continue
		}
		if f.Match(filterSongAt(&tracks[i], paths[i])) {
			out = append(out, tracks[i])
			outPaths = append(outPaths, paths[i])
		}
	}
	return out, outPaths
}

// inWalkOrder returns tracks and their paths in the order of MPD 0.23.12's
// database walk.
func inWalkOrder(tracks []models.Track, paths []string) ([]models.Track, []string) {
	out, outPaths, _ := inWalkOrderTree(tracks, paths)
	return out, outPaths
}

// inWalkOrderTree is inWalkOrder that also returns the folder tree of the
// result, so that the tree built to find the order serves listall and
// lsinfo too.
func inWalkOrderTree(tracks []models.Track, paths []string) ([]models.Track, []string, *dirTree) {
	tree := buildTree(tracks, paths, "")
	out := make([]models.Track, len(tracks))
	outPaths := make([]string, len(tracks))
	next := 0
	tree.eachSong(func(s *treeSong) {
		out[next], outPaths[next] = tracks[s.index], paths[s.index]
		s.track, s.index = &out[next], next
		next++
	})
	return out, outPaths, tree
}

// sortedLibrary returns all, the whole library, in the order of MPD
// 0.23.12's database walk, and each track's path, from the cache while
// the core returns the same slice.
func (c *conn) sortedLibrary(all []models.Track) ([]models.Track, []string) {
	return c.s.sortedLibrary(all)
}

func (s *Server) sortedLibrary(all []models.Track) ([]models.Track, []string) {
	if tracks, paths, ok := s.sorted.lookup(all); ok {
		return tracks, paths
	}
	// The core may share the returned slice with other callers, so the
	// sorted list goes to a new one.
	paths := make([]string, len(all))
	for i := range all {
		paths[i] = s.paths.get(all[i].URI)
	}
	out, outPaths, tree := inWalkOrderTree(all, paths)
	s.sorted.store(all, out, outPaths, tree)
	return out, outPaths
}

// filterNeedles returns the lower-case values that every song f matches
// must contain among its tag values: those of the positive tag and any
// conditions of a top-level AND that compare with ==, contains or
// starts_with. A song whose lower-cased tag text lacks one of them cannot
// match, so the costly exact test runs only on the others.
func filterNeedles(f *protocol.Filter) []string {
	conds := []*protocol.Filter{f}
	if f.Kind == protocol.KindAnd {
		conds = f.Children
	}
	var needles []string
	for _, c := range conds {
		if c.Kind != protocol.KindTag && c.Kind != protocol.KindAny {
			continue
		}
		switch c.Op {
		case protocol.OpEqual, protocol.OpContains, protocol.OpStartsWith:
			// An invalid UTF-8 value could lower-case differently on its
			// own than inside a longer text.
			if c.Value != "" && utf8.ValidString(c.Value) {
				needles = append(needles, strings.ToLower(c.Value))
			}
		}
	}
	return needles
}

func containsAll(haystack string, needles []string) bool {
	for _, n := range needles {
		if !strings.Contains(haystack, n) {
			return false
		}
	}
	return true
}

// tagText returns the text of each track's tag values, lower-cased and
// joined by NUL bytes, for filterNeedles. Lower-casing maps each rune on
// its own, so a value that equals, contains or starts with a filter value
// in any case has the lower-cased filter value in its text.
func tagText(t *models.Track, buf []tagValue) (string, []tagValue) {
	buf = appendSongTags(buf[:0], t)
	var b strings.Builder
	for i, tv := range buf {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(tv.value)
	}
	return strings.ToLower(b.String()), buf
}

// sortedCache keeps the whole library in walk order for as long as the
// core returns the same shared slice of every track, which CoreAdapter
// does until the library changes. Callers must not modify what it returns.
type sortedCache struct {
	mu     sync.Mutex
	source *models.Track
	n      int
	tracks []models.Track
	paths  []string
	// tree is the folder tree of tracks, built by the first listall or
	// listallinfo of the whole library.
	tree *dirTree
	// folderTimes holds the Last-Modified value of each folder that
	// listallinfo wrote since the library last changed, "" for a folder
	// that could not be read.
	folderTimes map[string]string
	// playlists holds the playlist files of each folder that listall or
	// listallinfo wrote since the library last changed.
	playlists map[string][]musicPlaylistFile
	// text holds the tagText of each track of tracks, built by the first
	// filtered search.
	text []string
}

func (sc *sortedCache) lookup(all []models.Track) ([]models.Track, []string, bool) {
	if len(all) == 0 {
		return nil, nil, false
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.source != &all[0] || sc.n != len(all) {
		return nil, nil, false
	}
	return sc.tracks, sc.paths, true
}

// store keeps tracks, the library all in walk order, their paths and
// their folder tree.
func (sc *sortedCache) store(all, tracks []models.Track, paths []string, tree *dirTree) {
	if len(all) == 0 {
		return
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.source, sc.n, sc.tracks, sc.paths = &all[0], len(all), tracks, paths
	sc.tree, sc.folderTimes, sc.playlists, sc.text = tree, nil, nil, nil
}

// tagText returns the tagText of each track of tracks, from the cache when
// tracks is the cached sorted library.
func (sc *sortedCache) tagText(tracks []models.Track) []string {
	sc.mu.Lock()
	cached := sc.isSorted(tracks)
	text := sc.text
	sc.mu.Unlock()
	if cached && text != nil {
		return text
	}
	text = make([]string, len(tracks))
	var buf []tagValue
	for i := range tracks {
		text[i], buf = tagText(&tracks[i], buf)
	}
	sc.mu.Lock()
	if sc.isSorted(tracks) {
		sc.text = text
	}
	sc.mu.Unlock()
	return text
}

// libraryTree returns the folder tree of tracks, the sorted library that
// lookup returned, and calls build only when the cache holds no tree of
// that same slice.
func (sc *sortedCache) libraryTree(tracks []models.Track, build func() *dirTree) *dirTree {
	sc.mu.Lock()
	cached := sc.isSorted(tracks)
	tree := sc.tree
	sc.mu.Unlock()
	if cached && tree != nil {
		return tree
	}
	tree = build()
	sc.mu.Lock()
	if sc.isSorted(tracks) {
		sc.tree = tree
	}
	sc.mu.Unlock()
	return tree
}

// isSorted reports whether tracks is the cached sorted library itself.
// The caller holds sc.mu.
func (sc *sortedCache) isSorted(tracks []models.Track) bool {
	return len(tracks) > 0 && len(sc.tracks) == len(tracks) && &sc.tracks[0] == &tracks[0]
}

// folderTime returns the cached Last-Modified value of folder p, or calls
// read and caches what it returns. The cache is emptied with the sorted
// library, when the library changes.
func (sc *sortedCache) folderTime(p string, read func(string) string) string {
	sc.mu.Lock()
	v, ok := sc.folderTimes[p]
	sc.mu.Unlock()
	if ok {
		return v
	}
	v = read(p)
	sc.mu.Lock()
	if sc.folderTimes == nil {
		sc.folderTimes = make(map[string]string)
	}
	sc.folderTimes[p] = v
	sc.mu.Unlock()
	return v
}

// folderPlaylists returns the cached playlist files of folder p, or calls
// read and caches what it returns, as folderTime does.
func (sc *sortedCache) folderPlaylists(p string, read func(string) []musicPlaylistFile) []musicPlaylistFile {
	sc.mu.Lock()
	v, ok := sc.playlists[p]
	sc.mu.Unlock()
	if ok {
		return v
	}
	v = read(p)
	sc.mu.Lock()
	if sc.playlists == nil {
		sc.playlists = make(map[string][]musicPlaylistFile)
	}
	sc.playlists[p] = v
	sc.mu.Unlock()
	return v
}

// findArgs splits the trailing "sort TAG" and "window START:END" of find
// and search from the filter arguments.
type findArgs struct {
	filter  []string
	sortTag string
	descend bool
	window  *protocol.Range
}

// parseFindArgs splits "FILTER [sort TAG] [window START:END]" as MPD 0.23
// does: window only as the last pair and sort only before it.
func parseFindArgs(args []string) (findArgs, error) {
	fa := findArgs{filter: args}
	if n := len(fa.filter); n >= 3 && fa.filter[n-2] == "window" {
		r, err := protocol.ParseRange(fa.filter[n-1])
		if err != nil {
			return fa, err
		}
		fa.window = &r
		fa.filter = fa.filter[:n-2]
	}
	if n := len(fa.filter); n >= 3 && fa.filter[n-2] == "sort" {
		tag := fa.filter[n-1]
		fa.descend = strings.HasPrefix(tag, "-")
		name := strings.TrimPrefix(tag, "-")
		canon, ok := protocol.ParseTag(name)
		switch {
		case strings.EqualFold(name, "Last-Modified"):
			canon = "Last-Modified"
		case !ok:
			// The message of MPD 0.23, which leaves out the tag.
			return fa, protocol.Errorf(protocol.AckArg, "Unknown sort tag")
		}
		fa.sortTag = canon
		fa.filter = fa.filter[:n-2]
	}
	return fa, nil
}

func (c *conn) find(ctx context.Context, args []string, fold bool) ([]models.Track, error) {
	fa, err := parseFindArgs(args)
	if err != nil {
		return nil, err
	}
	f, err := parseFilter(fa.filter, fold)
	if err != nil {
		return nil, err
	}
	tracks, err := c.findTracks(ctx, f)
	if err != nil {
		return nil, err
	}
	if fa.sortTag != "" {
		tracks = slices.Clone(tracks)
		sortTracks(tracks, fa.sortTag, fa.descend)
		// MPD 0.23.12 writes no Format line for the songs of a sorted
		// result.
		for i := range tracks {
			tracks[i].AudioFormat = ""
		}
	}
	if fa.window != nil {
		r := fa.window.Clamp(len(tracks))
		tracks = tracks[r.Start:r.End]
	}
	return tracks, nil
}

// sortTracks sorts tracks by tag as MPD 0.23.12 sorts find and search
// results. The sort is stable and compares the tag's first value, "" when
// missing, with the fallbacks of trackTagValues. Track and Disc compare as
// numbers, Last-Modified as times in seconds and other tags as bytes.
func sortTracks(tracks []models.Track, tag string, descend bool) {
	value := func(t *models.Track) string {
		if vs := trackTagValues(t, tag); len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	var less func(a, b *models.Track) bool
	switch tag {
	case "Last-Modified":
		// MPD keeps modification times in whole seconds, so tracks of the
		// same second keep their order.
		less = func(a, b *models.Track) bool { return a.LastModified/1000 < b.LastModified/1000 }
	case "Track", "Disc":
		less = func(a, b *models.Track) bool { return leadingInt(value(a)) < leadingInt(value(b)) }
	default:
		less = func(a, b *models.Track) bool { return value(a) < value(b) }
	}
	sort.SliceStable(tracks, func(i, j int) bool {
		if descend {
			return less(&tracks[j], &tracks[i])
		}
		return less(&tracks[i], &tracks[j])
	})
}

// leadingInt returns the integer at the start of s as C's strtol reads
// it in base 10, and 0 when s starts with no number.
func leadingInt(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	digits := end
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == digits {
		return 0
	}
	n, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil {
		// strtol saturates at the limits of long.
		if s[0] == '-' {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return n
}

func (c *conn) writeTracks(tracks []models.Track) {
	for i := range tracks {
		c.writeSong(&tracks[i])
	}
}

func cmdFind(ctx context.Context, c *conn, args []string) error {
	tracks, err := c.find(ctx, args, false)
	if err != nil {
		return err
	}
	c.writeTracks(tracks)
	return nil
}

func cmdSearch(ctx context.Context, c *conn, args []string) error {
	tracks, err := c.find(ctx, args, true)
	if err != nil {
		return err
	}
	c.writeTracks(tracks)
	return nil
}

func (c *conn) addTracks(ctx context.Context, args []string, fold bool) error {
	pos := -1
	if n := len(args); n >= 3 && args[n-2] == "position" {
		tracks, err := c.core.TlTracks(ctx)
		if err != nil {
			return err
		}
		if pos, err = c.parsePosition(ctx, args[n-1], len(tracks)); err != nil {
			return err
		}
		args = args[:n-2]
	}
	tracks, err := c.find(ctx, args, fold)
	if err != nil || len(tracks) == 0 {
		return err
	}
	uris := make([]string, len(tracks))
	for i := range tracks {
		uris[i] = tracks[i].URI
	}
	_, err = c.core.Add(ctx, uris, pos)
	return coreError(err, "No such song")
}

func cmdFindAdd(ctx context.Context, c *conn, args []string) error {
	return c.addTracks(ctx, args, false)
}

func cmdSearchAdd(ctx context.Context, c *conn, args []string) error {
	return c.addTracks(ctx, args, true)
}

// cmdSearchAddPl runs "searchaddpl NAME FILTER [sort TAG] [window RANGE]
// [position POS]", as MPD 0.23.12 accepts it.
func cmdSearchAddPl(ctx context.Context, c *conn, args []string) error {
	name, args := args[0], args[1:]
	pos := -1
	if n := len(args); n >= 3 && args[n-2] == "position" {
		var err error
		if pos, err = protocol.ParseUint(args[n-1]); err != nil {
			return err
		}
		args = args[:n-2]
	}
	tracks, err := c.find(ctx, args, true)
	if err != nil {
		return err
	}
	return c.appendToPlaylist(ctx, name, tracks, pos)
}

func cmdCount(ctx context.Context, c *conn, args []string) error {
	group := ""
	if n := len(args); n >= 2 && args[n-2] == "group" {
		tag, ok := protocol.ParseTag(args[n-1])
		if !ok {
			return protocol.Errorf(protocol.AckArg, "Unknown tag type: %s", args[n-1])
		}
		group = tag
		args = args[:n-2]
	}
	var f *protocol.Filter
	if len(args) > 0 {
		var err error
		if f, err = parseFilter(args, false); err != nil {
			return err
		}
	} else if group == "" {
		return protocol.Errorf(protocol.AckArg, "wrong number of arguments for \"count\"")
	}
	tracks, err := c.findTracks(ctx, f)
	if err != nil {
		return err
	}
	if group == "" {
		writeCount(c, tracks)
		return nil
	}
	groups := map[string][]models.Track{}
	for i := range tracks {
		vs := trackTagValues(&tracks[i], group)
		if len(vs) == 0 {
			vs = []string{""}
		}
		for _, v := range vs {
			groups[v] = append(groups[v], tracks[i])
		}
	}
	for _, v := range sortedKeys(groups) {
		c.w.Pair(group, v)
		writeCount(c, groups[v])
	}
	return nil
}

func writeCount(c *conn, tracks []models.Track) {
	var ms int64
	for i := range tracks {
		ms += int64(tracks[i].Length)
	}
	c.w.PairInt("songs", int64(len(tracks)))
	c.w.PairInt("playtime", ms/1000)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// cmdList lists the distinct values of a tag, optionally filtered and
// grouped by further tags, as MPD 0.23 does.
func cmdList(ctx context.Context, c *conn, args []string) error {
	tag := ""
	if strings.EqualFold(args[0], "file") || strings.EqualFold(args[0], "filename") {
		// MPD 0.23.12 takes "filename", the older name, for "file".
		tag = "file"
	} else {
		var ok bool
		if tag, ok = protocol.ParseTag(args[0]); !ok {
			return protocol.Errorf(protocol.AckArg, "Unknown tag type: %s", args[0])
		}
	}
	args = args[1:]
	var groups []string
	for len(args) >= 2 && args[len(args)-2] == "group" {
		g, ok := protocol.ParseTag(args[len(args)-1])
		if !ok {
			return protocol.Errorf(protocol.AckArg, "Unknown tag type: %s", args[len(args)-1])
		}
		groups = append([]string{g}, groups...)
		args = args[:len(args)-2]
	}
	var f *protocol.Filter
	var err error
	switch {
	case len(args) == 1 && !strings.HasPrefix(args[0], "("):
		// "list album ARTIST", the form of MPD before 0.12.
		if tag != "Album" {
			return protocol.Errorf(protocol.AckArg, "should be \"Album\" for 3 arguments")
		}
		f, err = parseFilter([]string{"Artist", args[0]}, false)
	case len(args) > 0:
		f, err = parseFilter(args, false)
	}
	if err != nil {
		return err
	}
	tracks, paths, err := c.findTracksWithPaths(ctx, f)
	if err != nil {
		return err
	}
	c.writeGrouped(tracks, paths, append(groups, tag))
	return nil
}

// writeGrouped writes the values of tags[len-1] grouped by the tags before
// it: each group's value once, then the values within it. A song without
// the tag counts as an empty value, which MPD 0.23 lists too.
func (c *conn) writeGrouped(tracks []models.Track, paths []string, tags []string) {
	type node struct {
		children map[string]*node
	}
	root := &node{children: map[string]*node{}}
	for i := range tracks {
		level := []*node{root}
		for _, tag := range tags {
			var values []string
			if tag == "file" {
				values = []string{paths[i]}
			} else {
				values = trackTagValues(&tracks[i], tag)
			}
			if len(values) == 0 {
				values = []string{""}
			}
			var next []*node
			for _, n := range level {
				for _, v := range values {
					child, ok := n.children[v]
					if !ok {
						child = &node{children: map[string]*node{}}
						n.children[v] = child
					}
					next = append(next, child)
				}
			}
			level = next
		}
	}
	var walk func(n *node, depth int)
	walk = func(n *node, depth int) {
		for _, v := range sortedKeys(n.children) {
			c.w.Pair(tags[depth], v)
			walk(n.children[v], depth+1)
		}
	}
	walk(root, 0)
}
