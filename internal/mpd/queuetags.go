package mpd

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// Bounds of the per-tracklist-entry data the frontend keeps. MPD 0.23
// stores added tags in the queued song and bounds them only by the line
// length. Here the tags of all entries share maxAddedTagBytes, each
// charged its name and value plus tagOverhead bytes for its slice element
// and strings, so they take at most a few MiB.
const (
	maxTaggedEntries = 10000
	maxTagsPerEntry  = 64
	maxTagValueLen   = 1024
	maxAddedTagBytes = 4 << 20
	tagOverhead      = 64
)

// errQueueTagsFull reports that a tag does not fit in maxAddedTagBytes or
// maxTaggedEntries.
var errQueueTagsFull = errors.New("added tags full")

// queueTags keeps, per tlid, the tags added with addtagid. Entries that
// left the tracklist are dropped by prune.
type queueTags struct {
	mu      sync.Mutex
	entries map[int]*taggedEntry
	// bytes is the memory charged for the added tags of all entries.
	bytes int
	// seq numbers the changes, so prune can tell entries changed after
	// its tracklist snapshot.
	seq uint64
}

type taggedEntry struct {
	tags []tagValue
	// changed is the seq of the entry's last change.
	changed uint64
}

func newQueueTags() *queueTags {
	return &queueTags{entries: make(map[int]*taggedEntry)}
}

// entry returns the entry of tlid, creating it unless maxTaggedEntries
// entries exist. The caller holds q.mu.
func (q *queueTags) entry(tlid int) *taggedEntry {
	e, ok := q.entries[tlid]
	if !ok {
		if len(q.entries) >= maxTaggedEntries {
			return nil
		}
		e = &taggedEntry{}
		q.entries[tlid] = e
	}
	q.seq++
	e.changed = q.seq
	return e
}

func tagCost(tag, value string) int { return len(tag) + len(value) + tagOverhead }

// add adds a tag to the entry of tlid. It returns errQueueTagsFull when
// the tag does not fit, so the caller may prune and try again.
func (q *queueTags) add(tlid int, tag, value string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(value) > maxTagValueLen {
		return protocol.Errorf(protocol.AckArg, "Tag value too long")
	}
	if e, ok := q.entries[tlid]; ok && len(e.tags) >= maxTagsPerEntry {
		return protocol.Errorf(protocol.AckArg, "Too many added tags")
	}
	cost := tagCost(tag, value)
	if q.bytes+cost > maxAddedTagBytes {
		return errQueueTagsFull
	}
	e := q.entry(tlid)
	if e == nil {
		return errQueueTagsFull
	}
	e.tags = append(e.tags, tagValue{tag, value})
	q.bytes += cost
	return nil
}

func (q *queueTags) clear(tlid int, tag string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.entries[tlid]
	if !ok {
		return
	}
	remaining := e.tags[:0]
	for _, tv := range e.tags {
		if tag == "" || tv.name == tag {
			q.bytes -= tagCost(tv.name, tv.value)
		} else {
			remaining = append(remaining, tv)
		}
	}
	clear(e.tags[len(remaining):])
	e.tags = remaining
	if len(e.tags) == 0 {
		delete(q.entries, tlid)
	}
}

func (q *queueTags) tags(tlid int) []tagValue {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e, ok := q.entries[tlid]; ok {
		return slices.Clone(e.tags)
	}
	return nil
}

// snapshot returns the seq to pass to prune with a tracklist read after
// this call, and whether any entry exists to prune.
func (q *queueTags) snapshot() (uint64, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.seq, len(q.entries) > 0
}

// prune drops the tags of entries not in live, a tracklist
// read after snapshot returned before. Entries changed after that
// snapshot are remaining, because they may have joined the tracklist since it
// was read.
func (q *queueTags) prune(live map[int]bool, before uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for tlid, e := range q.entries {
		if live[tlid] || e.changed > before {
			continue
		}
		for _, tv := range e.tags {
			q.bytes -= tagCost(tv.name, tv.value)
		}
		delete(q.entries, tlid)
	}
}

// pruneQueueTags drops the added tags of entries that left
// the tracklist.
func (s *Server) pruneQueueTags(ctx context.Context, core Core) error {
	before, nonEmpty := s.queueTags.snapshot()
	if !nonEmpty {
		return nil
	}
	tracks, err := core.TlTracks(ctx)
	if err != nil {
		return err
	}
	live := make(map[int]bool, len(tracks))
	for _, t := range tracks {
		live[t.TLID] = true
	}
	s.queueTags.prune(live, before)
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, backend.ErrNotFound) }
