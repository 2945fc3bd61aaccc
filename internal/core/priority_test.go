package core

import (
	"errors"
	"maps"
	"slices"
	"testing"
)

// playOrder plays the tracklist in random mode and returns the tlids in
// the order they play. The test env's shuffle keeps the list's order, so
// only priorities reorder it.
func (e *env) playOrder(n int) []int {
	e.t.Helper()
	e.play(nil)
	order := []int{e.currentTLID()}
	for len(order) < n {
		if err := e.core.Playback().Next(e.ctx); err != nil {
			e.t.Fatalf("next: %v", err)
		}
		order = append(order, e.currentTLID())
	}
	return order
}

func TestPriorityOrdersRandomPlay(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2", "3", "4", "5")
	tr := e.core.Tracklist()
	if err := tr.SetRandom(e.ctx, true); err != nil {
		t.Fatal(err)
	}
	before, _ := tr.GetVersion(e.ctx)
	if err := tr.SetPriority(e.ctx, []int{3}, 10); err != nil {
		t.Fatal(err)
	}
	if err := tr.SetPriority(e.ctx, []int{4, 5}, 200); err != nil {
		t.Fatal(err)
	}
	if after, _ := tr.GetVersion(e.ctx); after != before+2 {
		t.Errorf("version after two priority changes = %d, want %d", after, before+2)
	}
	want := map[int]int{3: 10, 4: 200, 5: 200}
	if got, _ := tr.GetPriorities(e.ctx); !maps.Equal(got, want) {
		t.Errorf("priorities = %v, want %v", got, want)
	}

	// The highest priority first, equal priorities in shuffled order,
	// priority 0 last.
	got := e.playOrder(5)
	if wantOrder := []int{4, 5, 3, 1, 2}; !slices.Equal(got, wantOrder) {
		t.Errorf("random play order = %v, want %v", got, wantOrder)
	}

	if err := tr.SetPriority(e.ctx, []int{4}, 0); err != nil {
		t.Fatal(err)
	}
	if got, _ := tr.GetPriorities(e.ctx); got[4] != 0 {
		t.Errorf("priority of tlid 4 after setting 0 = %d, want none", got[4])
	}
}

func TestPriorityWithoutRandomKeepsOrder(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2", "3")
	if err := e.core.Tracklist().SetPriority(e.ctx, []int{3}, 255); err != nil {
		t.Fatal(err)
	}
	if got := e.playOrder(3); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("play order without random = %v, want [1 2 3], as MPD 0.23 ignores priorities there", got)
	}
}

func TestPriorityRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	tr := e.core.Tracklist()
	for _, p := range []int{-1, MaxPriority + 1} {
		err := tr.SetPriority(e.ctx, []int{1}, p)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("priority %d: err = %v, want ErrInvalid", p, err)
		}
	}
	// One unknown tlid changes nothing, not even the known ones.
	if err := tr.SetPriority(e.ctx, []int{1, 99}, 7); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown tlid: err = %v, want ErrInvalid", err)
	}
	if got, _ := tr.GetPriorities(e.ctx); len(got) != 0 {
		t.Errorf("priorities after rejected calls = %v, want none", got)
	}
}

func TestStateRestorePriorities(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, restoring(dir))
	e.add("1", "2", "3")
	if err := e.core.Tracklist().SetPriority(e.ctx, []int{2}, 42); err != nil {
		t.Fatal(err)
	}
	if err := e.core.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	r := newEnv(t, restoring(dir))
	if got, _ := r.core.Tracklist().GetPriorities(r.ctx); !maps.Equal(got, map[int]int{2: 42}) {
		t.Errorf("priorities after restart = %v, want map[2:42]", got)
	}
}

// MPD 0.23.12 resets a song's priority when it starts to play, so in
// random mode with repeat a song of a high priority does not open every
// round.
func TestPriorityClearedWhenTrackStarts(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2", "3")
	tr := e.core.Tracklist()
	if err := tr.SetRandom(e.ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := tr.SetPriority(e.ctx, []int{3}, 100); err != nil {
		t.Fatal(err)
	}
	before, _ := tr.GetVersion(e.ctx)
	e.play(nil)
	if got := e.currentTLID(); got != 3 {
		t.Fatalf("first track in random mode = %d, want 3 of priority 100", got)
	}
	if got, _ := tr.GetPriorities(e.ctx); len(got) != 0 {
		t.Errorf("priorities after track 3 started = %v, want none", got)
	}
	if after, _ := tr.GetVersion(e.ctx); after != before+1 {
		t.Errorf("version after the priority reset = %d, want %d", after, before+1)
	}
}
