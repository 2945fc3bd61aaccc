package mpd

import (
	"errors"
	"strings"
	"testing"
)

// fillQueueTags adds tags of 1 KiB to tlids from 1 up until the budget is
// full, and returns the number of tags added.
func fillQueueTags(t *testing.T, q *queueTags) int {
	t.Helper()
	value := strings.Repeat("v", maxTagValueLen)
	added := 0
	for tlid := 1; ; tlid++ {
		for range maxTagsPerEntry {
			err := q.add(tlid, "Comment", value)
			if errors.Is(err, errQueueTagsFull) {
				return added
			}
			if err != nil {
				t.Fatalf("add to tlid %d: %v", tlid, err)
			}
			added++
		}
	}
}

func TestQueueTagsBudget(t *testing.T) {
	q := newQueueTags()
	added := fillQueueTags(t, q)
	if q.bytes > maxAddedTagBytes {
		t.Errorf("added tags charged %d bytes, want at most %d", q.bytes, maxAddedTagBytes)
	}
	if values := added * maxTagValueLen; values > maxAddedTagBytes {
		t.Errorf("%d tags of %d bytes were added, %d bytes of values, past the budget of %d", added, maxTagValueLen, values, maxAddedTagBytes)
	}
	if err := q.add(1_000_000, "Comment", strings.Repeat("v", maxTagValueLen)); !errors.Is(err, errQueueTagsFull) {
		t.Errorf("add past the budget = %v, want errQueueTagsFull", err)
	}
}

func TestQueueTagsPruneFreesBudget(t *testing.T) {
	q := newQueueTags()
	fillQueueTags(t, q)
	before, _ := q.snapshot()
	q.prune(map[int]bool{3: true}, before)
	if got := len(q.tags(1)); got != 0 {
		t.Errorf("tags of a removed entry = %d, want 0", got)
	}
	if got := len(q.tags(3)); got != maxTagsPerEntry {
		t.Errorf("tags of an entry still queued = %d, want %d", got, maxTagsPerEntry)
	}
	if want := maxTagsPerEntry * tagCost("Comment", strings.Repeat("v", maxTagValueLen)); q.bytes != want {
		t.Errorf("bytes after prune = %d, want %d for the entry still queued", q.bytes, want)
	}
	if err := q.add(9, "Comment", "new"); err != nil {
		t.Errorf("add after prune = %v, want nil", err)
	}
}

func TestQueueTagsPruneKeepsLaterEntries(t *testing.T) {
	q := newQueueTags()
	if err := q.add(1, "Comment", "old"); err != nil {
		t.Fatal(err)
	}
	before, _ := q.snapshot()
	// The entry 1000000 changes after the snapshot, so prune must keep it
	// even though the tracklist read before does not have it.
	if err := q.add(1_000_000, "Comment", "late"); err != nil {
		t.Fatal(err)
	}
	q.prune(map[int]bool{}, before)
	if got := len(q.tags(1)); got != 0 {
		t.Errorf("tags of a removed entry = %d, want 0", got)
	}
	if got := len(q.tags(1_000_000)); got != 1 {
		t.Errorf("tags of an entry changed after the snapshot = %d, want 1", got)
	}
}
