package core

import (
	"slices"

	"github.com/tonearm/tonearm/internal/models"
)

// entry is one tracklist item with the version at which its position or
// content last changed.
type entry struct {
	tl      models.TlTrack
	changed int
	// prio is the priority (0 to 255) that MPD's prio command sets: in
	// random mode, entries of a higher priority play first.
	prio int
}

// tracklist is the queue's data. It has no lock: Core's mutex guards it.
type tracklist struct {
	entries  []entry
	nextTLID int
	version  int
	consume  bool
	random   bool
	repeat   bool
	single   bool
	// shuffled holds the tlids random mode has still to play, in order.
	shuffled []int
	shuffle  func(n int, swap func(i, j int))
}

func newTracklist(shuffle func(n int, swap func(i, j int))) *tracklist {
	return &tracklist{nextTLID: 1, shuffle: shuffle}
}

// bump increases the version and rebuilds the random order without the
// current track, as every change of the list requires.
func (t *tracklist) bump(current int) {
	t.version++
	if t.random {
		t.reshuffle(current)
	}
}

// reshuffle fills the random order with every tlid but skip, the higher
// priorities first and each priority in random order, as MPD 0.23.12
// orders its queue in random mode.
func (t *tracklist) reshuffle(skip int) {
	t.shuffled = t.shuffled[:0]
	var prios map[int]int
	for _, e := range t.entries {
		if e.tl.TLID == skip {
			continue
		}
		t.shuffled = append(t.shuffled, e.tl.TLID)
		if e.prio > 0 {
			if prios == nil {
				prios = make(map[int]int)
			}
			prios[e.tl.TLID] = e.prio
		}
	}
	t.shuffle(len(t.shuffled), func(i, j int) {
		t.shuffled[i], t.shuffled[j] = t.shuffled[j], t.shuffled[i]
	})
	if prios != nil {
		slices.SortStableFunc(t.shuffled, func(a, b int) int { return prios[b] - prios[a] })
	}
}

// setPriority sets the priority of the entries with the given tlids and
// returns false when one of them is not in the
// list, changing nothing. It runs in linear time, so that MPD's
// "prio N 0:" on a long queue stays cheap.
func (t *tracklist) setPriority(tlids []int, prio int) bool {
	positions := make(map[int]int, len(t.entries))
	for i, e := range t.entries {
		positions[e.tl.TLID] = i
	}
	for _, tlid := range tlids {
		if _, ok := positions[tlid]; !ok {
			return false
		}
	}
	for _, tlid := range tlids {
		t.entries[positions[tlid]].prio = prio
	}
	return true
}

// markChangedTLIDs stamps the entries with the given tlids with the
// current version.
func (t *tracklist) markChangedTLIDs(tlids []int) {
	set := make(map[int]bool, len(tlids))
	for _, tlid := range tlids {
		set[tlid] = true
	}
	for i := range t.entries {
		if set[t.entries[i].tl.TLID] {
			t.entries[i].changed = t.version
		}
	}
}

// clearPriority sets the priority of the entry with tlid to 0 and, when
// it was not 0, counts that as a change of the list without a reshuffle
// and returns true. MPD 0.23.12 does so when a song starts to play.
func (t *tracklist) clearPriority(tlid int) bool {
	i := t.index(tlid)
	if i < 0 || t.entries[i].prio == 0 {
		return false
	}
	t.entries[i].prio = 0
	t.version++
	t.entries[i].changed = t.version
	return true
}

// priorities returns the non-zero priorities by tlid.
func (t *tracklist) priorities() map[int]int {
	out := make(map[int]int)
	for _, e := range t.entries {
		if e.prio > 0 {
			out[e.tl.TLID] = e.prio
		}
	}
	return out
}

// markChanged stamps the entries in [from, to) with the current version.
func (t *tracklist) markChanged(from, to int) {
	for i := from; i < to && i < len(t.entries); i++ {
		t.entries[i].changed = t.version
	}
}

func (t *tracklist) tlTracks() []models.TlTrack {
	out := make([]models.TlTrack, len(t.entries))
	for i, e := range t.entries {
		out[i] = e.tl
	}
	return out
}

// audioFormats maps the tlid of each entry whose track has an audio format
// to that format, or returns nil when none has one.
func (t *tracklist) audioFormats() map[int]string {
	var out map[int]string
	for _, e := range t.entries {
		if e.tl.Track == nil || e.tl.Track.AudioFormat == "" {
			continue
		}
		if out == nil {
			out = make(map[int]string)
		}
		out[e.tl.TLID] = e.tl.Track.AudioFormat
	}
	return out
}

// index returns the position of tlid, or -1.
func (t *tracklist) index(tlid int) int {
	for i, e := range t.entries {
		if e.tl.TLID == tlid {
			return i
		}
	}
	return -1
}

func (t *tracklist) get(tlid int) (models.TlTrack, bool) {
	if i := t.index(tlid); i >= 0 {
		return t.entries[i].tl, true
	}
	return models.TlTrack{}, false
}

// insert adds tracks at pos (clamped to the list), assigning new tlids.
func (t *tracklist) insert(tracks []models.Track, pos, current int) []models.TlTrack {
	if pos < 0 || pos > len(t.entries) {
		pos = len(t.entries)
	}
	added := make([]entry, len(tracks))
	out := make([]models.TlTrack, len(tracks))
	for i := range tracks {
		track := tracks[i]
		out[i] = models.TlTrack{TLID: t.nextTLID, Track: &track}
		added[i] = entry{tl: out[i]}
		t.nextTLID++
	}
	t.entries = slices.Insert(t.entries, pos, added...)
	t.bump(current)
	t.markChanged(pos, len(t.entries))
	return out
}

// remove deletes the entries matching c and returns them.
func (t *tracklist) remove(c Criteria, current int) []models.TlTrack {
	var removed []models.TlTrack
	first := -1
	kept := t.entries[:0:0]
	for i, e := range t.entries {
		if c.Match(e.tl) {
			removed = append(removed, e.tl)
			if first < 0 {
				first = i
			}
			continue
		}
		kept = append(kept, e)
	}
	if len(removed) == 0 {
		return nil
	}
	t.entries = kept
	t.bump(current)
	t.markChanged(first, len(t.entries))
	return removed
}

func (t *tracklist) filter(c Criteria) []models.TlTrack {
	var out []models.TlTrack
	for _, e := range t.entries {
		if c.Match(e.tl) {
			out = append(out, e.tl)
		}
	}
	return out
}

// move moves [start, end) to toPosition, as Mopidy 3.4 checks and does it.
func (t *tracklist) move(start, end, to, current int) error {
	n := len(t.entries)
	if start == end {
		end++
	}
	switch {
	case start < 0 || start >= n:
		return invalidf("tracklist.move: start %d is outside 0..%d", start, n-1)
	case end < 0 || end > n:
		return invalidf("tracklist.move: end %d is outside 0..%d", end, n)
	case start >= end:
		return invalidf("tracklist.move: start %d must be less than end %d", start, end)
	case to < 0 || to > n:
		return invalidf("tracklist.move: to_position %d is outside 0..%d", to, n)
	}
	block := slices.Clone(t.entries[start:end])
	rest := slices.Delete(slices.Clone(t.entries), start, end)
	to = min(to, len(rest)) // Python's list.insert clamps the same way
	t.entries = slices.Insert(rest, to, block...)
	t.bump(current)
	t.markChanged(min(start, to), max(end, to+len(block)))
	return nil
}

// shuffleRange shuffles [start, end).
func (t *tracklist) shuffleRange(start, end *int, current int) error {
	n := len(t.entries)
	s, e := 0, n
	if start != nil {
		s = *start
	}
	if end != nil {
		e = *end
	}
	switch {
	case start != nil && (s < 0 || s >= n):
		return invalidf("tracklist.shuffle: start %d is outside 0..%d", s, n-1)
	case end != nil && (e < 0 || e > n):
		return invalidf("tracklist.shuffle: end %d is outside 0..%d", e, n)
	case start != nil && end != nil && s >= e:
		return invalidf("tracklist.shuffle: start %d must be less than end %d", s, e)
	}
	part := t.entries[s:e]
	t.shuffle(len(part), func(i, j int) { part[i], part[j] = part[j], part[i] })
	t.bump(current)
	t.markChanged(s, e)
	return nil
}

// slice returns [start, end) with Python's slice rules: negative bounds
// count from the end and bounds are clamped.
func (t *tracklist) slice(start, end int) []models.TlTrack {
	n := len(t.entries)
	clamp := func(i int) int {
		if i < 0 {
			i += n
		}
		return max(0, min(i, n))
	}
	s, e := clamp(start), clamp(end)
	if s >= e {
		return []models.TlTrack{}
	}
	out := make([]models.TlTrack, 0, e-s)
	for _, en := range t.entries[s:e] {
		out = append(out, en.tl)
	}
	return out
}

func (t *tracklist) changes(since int) []Change {
	var out []Change
	for i, e := range t.entries {
		if e.changed > since {
			out = append(out, Change{Position: i, Version: e.changed, TlTrack: e.tl})
		}
	}
	return out
}

// next returns the track after the one with tlid cur (0 for none), as
// Mopidy 3.4's tracklist.next_track does.
func (t *tracklist) next(cur int) (models.TlTrack, bool) {
	if len(t.entries) == 0 {
		return models.TlTrack{}, false
	}
	if t.random {
		if len(t.shuffled) == 0 && (t.repeat || cur == 0) {
			t.reshuffle(0)
		}
		if len(t.shuffled) == 0 {
			return models.TlTrack{}, false
		}
		return t.get(t.shuffled[0])
	}
	i := 0
	if cur != 0 {
		i = t.index(cur) + 1 // -1 + 1 = 0 for a removed track
	}
	if t.repeat {
		if t.consume && len(t.entries) == 1 {
			return models.TlTrack{}, false
		}
		i %= len(t.entries)
	} else if i >= len(t.entries) {
		return models.TlTrack{}, false
	}
	return t.entries[i].tl, true
}

// previous returns the track before cur, as Mopidy 3.4's
// tracklist.previous_track does: with repeat, consume or random it is cur
// itself.
func (t *tracklist) previous(cur int) (models.TlTrack, bool) {
	if t.repeat || t.consume || t.random {
		return t.get(cur)
	}
	i := t.index(cur)
	if i <= 0 {
		return models.TlTrack{}, false
	}
	return t.entries[i-1].tl, true
}

// eot returns the track to play when cur ends, as Mopidy 3.4's
// tracklist.eot_track does: single with repeat plays cur again, single
// alone stops.
func (t *tracklist) eot(cur int) (models.TlTrack, bool) {
	switch {
	case t.single && t.repeat:
		return t.get(cur)
	case t.single:
		return models.TlTrack{}, false
	}
	return t.next(cur)
}

// markPlaying takes tlid out of the random order.
func (t *tracklist) markPlaying(tlid int) {
	if i := slices.Index(t.shuffled, tlid); i >= 0 {
		t.shuffled = slices.Delete(t.shuffled, i, i+1)
	}
}
