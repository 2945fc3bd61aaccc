package mpd

import (
	"errors"
	"slices"
	"sort"
	"sync"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// Bounds of the per-tracklist-entry data the frontend keeps.
const (
	maxTaggedEntries = 10000
	maxTagsPerEntry  = 64
	maxTagValueLen   = 1024
)

// queueTags keeps, per tlid, the priority set with prio or prioid and the
// tags added with addtagid.
//
// NOTE: the core has no priorities, so they are stored and reported here
// but do not change the order of random play as they do in MPD 0.23.
type queueTags struct {
	mu     sync.Mutex
	prios  map[int]int
	extras map[int][]tagValue
}

func newQueueTags() *queueTags {
	return &queueTags{prios: make(map[int]int), extras: make(map[int][]tagValue)}
}

func (q *queueTags) setPrio(tlids []int, prio int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, id := range tlids {
		if prio == 0 {
			delete(q.prios, id)
			continue
		}
		if len(q.prios) < maxTaggedEntries {
			q.prios[id] = prio
		}
	}
}

func (q *queueTags) prio(tlid int) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.prios[tlid]
}

func (q *queueTags) add(tlid int, tag, value string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(value) > maxTagValueLen {
		return protocol.Errorf(protocol.AckArg, "Tag value too long")
	}
	if _, ok := q.extras[tlid]; !ok && len(q.extras) >= maxTaggedEntries {
		return protocol.Errorf(protocol.AckPlaylistMax, "Too many songs with added tags")
	}
	if len(q.extras[tlid]) >= maxTagsPerEntry {
		return protocol.Errorf(protocol.AckArg, "Too many added tags")
	}
	q.extras[tlid] = append(q.extras[tlid], tagValue{tag, value})
	return nil
}

func (q *queueTags) clear(tlid int, tag string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if tag == "" {
		delete(q.extras, tlid)
		return
	}
	q.extras[tlid] = slices.DeleteFunc(q.extras[tlid], func(tv tagValue) bool { return tv.name == tag })
}

func (q *queueTags) tags(tlid int) []tagValue {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.extras[tlid]
}

func isNotFound(err error) bool { return errors.Is(err, backend.ErrNotFound) }

func sortByPath(uris []string) {
	sort.Slice(uris, func(i, j int) bool { return uriToPath(uris[i]) < uriToPath(uris[j]) })
}
