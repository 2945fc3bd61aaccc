package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tonearm/tonearm/internal/models"
)

// identity leaves the order as it is.
func identity(n int, swap func(i, j int)) {}

// reverse reverses the order, a deterministic stand-in for a shuffle.
func reverse(n int, swap func(i, j int)) {
	for i := 0; i < n/2; i++ {
		swap(i, n-1-i)
	}
}

func threeTracks(consume, random, repeat, single bool) *tracklist {
	t := newTracklist(identity)
	t.insert([]models.Track{{URI: "m:1"}, {URI: "m:2"}, {URI: "m:3"}}, -1, 0)
	t.consume, t.random, t.repeat, t.single = consume, random, repeat, single
	if random {
		t.reshuffle(0)
	}
	return t
}

func TestTracklistOrderEveryMode(t *testing.T) {
	// Columns: next after none, 1 and 3; previous of 2 and 1; eot after
	// 1 and 3. 0 means none. In random mode the current track is marked
	// playing first, as playback does.
	cases := []struct {
		mode                              string // consume, random, repeat, single
		next0, next1, next3, prev2, prev1 int
		eot1, eot3                        int
	}{
		{"----", 1, 2, 0, 1, 0, 2, 0},
		{"---S", 1, 2, 0, 1, 0, 0, 0},
		{"--R-", 1, 2, 1, 2, 1, 2, 1},
		{"--RS", 1, 2, 1, 2, 1, 1, 3},
		{"C---", 1, 2, 0, 2, 1, 2, 0},
		{"C--S", 1, 2, 0, 2, 1, 0, 0},
		{"C-R-", 1, 2, 1, 2, 1, 2, 1},
		{"C-RS", 1, 2, 1, 2, 1, 1, 3},
		{"-X--", 1, 2, 1, 2, 1, 2, 1},
		{"-X-S", 1, 2, 1, 2, 1, 0, 0},
		{"-XR-", 1, 2, 1, 2, 1, 2, 1},
		{"-XRS", 1, 2, 1, 2, 1, 1, 3},
		{"CX--", 1, 2, 1, 2, 1, 2, 1},
		{"CX-S", 1, 2, 1, 2, 1, 0, 0},
		{"CXR-", 1, 2, 1, 2, 1, 2, 1},
		{"CXRS", 1, 2, 1, 2, 1, 1, 3},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			consume, random := tc.mode[0] == 'C', tc.mode[1] == 'X'
			repeat, single := tc.mode[2] == 'R', tc.mode[3] == 'S'
			check := func(name string, cur int, fn func(*tracklist, int) (models.TlTrack, bool), want int) {
				t.Helper()
				tl := threeTracks(consume, random, repeat, single)
				if cur != 0 {
					tl.markPlaying(cur)
				}
				got, ok := fn(tl, cur)
				gotID := 0
				if ok {
					gotID = got.TLID
				}
				if gotID != want {
					t.Errorf("%s(%d) = %d, want %d", name, cur, gotID, want)
				}
			}
			check("next", 0, (*tracklist).next, tc.next0)
			check("next", 1, (*tracklist).next, tc.next1)
			check("next", 3, (*tracklist).next, tc.next3)
			check("previous", 2, (*tracklist).previous, tc.prev2)
			check("previous", 1, (*tracklist).previous, tc.prev1)
			check("eot", 1, (*tracklist).eot, tc.eot1)
			check("eot", 3, (*tracklist).eot, tc.eot3)
		})
	}
}

func TestTracklistOrderEdges(t *testing.T) {
	t.Run("repeat consume last track", func(t *testing.T) {
		tl := newTracklist(identity)
		tl.insert([]models.Track{{URI: "m:1"}}, -1, 0)
		tl.repeat, tl.consume = true, true
		if _, ok := tl.next(1); ok {
			t.Error("next = a track, want none: the last track is consumed")
		}
	})
	t.Run("random exhausted", func(t *testing.T) {
		tl := threeTracks(false, true, false, false)
		for _, id := range []int{1, 2, 3} {
			tl.markPlaying(id)
		}
		if _, ok := tl.next(3); ok {
			t.Error("next = a track, want none once every track played")
		}
		tl.repeat = true
		if got, ok := tl.next(3); !ok || got.TLID != 1 {
			t.Errorf("next with repeat = %d %v, want 1: the order is rebuilt", got.TLID, ok)
		}
	})
	t.Run("empty", func(t *testing.T) {
		tl := newTracklist(identity)
		for name, fn := range map[string]func(int) (models.TlTrack, bool){
			"next": tl.next, "previous": tl.previous, "eot": tl.eot} {
			if _, ok := fn(0); ok {
				t.Errorf("%s on empty = a track", name)
			}
		}
	})
}

func TestTracklistMove(t *testing.T) {
	cases := []struct {
		start, end, to int
		want           []int // nil: invalid
	}{
		{0, 0, 2, []int{2, 3, 1, 4, 5}},
		{0, 2, 3, []int{3, 4, 5, 1, 2}},
		{3, 5, 0, []int{4, 5, 1, 2, 3}},
		{1, 3, 5, []int{1, 4, 5, 2, 3}},
		{4, 5, 4, []int{1, 2, 3, 4, 5}},
		{-1, 1, 0, nil},
		{5, 6, 0, nil},
		{0, 6, 0, nil},
		{2, 1, 0, nil},
		{0, 1, 6, nil},
		{0, 1, -1, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d,%d,%d", tc.start, tc.end, tc.to), func(t *testing.T) {
			e := newEnv(t)
			e.add("1", "2", "3", "4", "5")
			v0, _ := e.core.Tracklist().GetVersion(e.ctx)
			err := e.core.Tracklist().Move(e.ctx, tc.start, tc.end, tc.to)
			v1, _ := e.core.Tracklist().GetVersion(e.ctx)
			if tc.want == nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("error = %v, want ErrInvalid", err)
				}
				if v1 != v0 {
					t.Errorf("version %d -> %d on a failed move", v0, v1)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := e.tlids(); !slices.Equal(got, tc.want) {
				t.Errorf("order = %v, want %v", got, tc.want)
			}
			if v1 != v0+1 {
				t.Errorf("version %d -> %d, want +1", v0, v1)
			}
		})
	}
}

func TestTracklistShuffleRanges(t *testing.T) {
	cases := []struct {
		start, end *int
		want       []int
	}{
		{nil, nil, []int{5, 4, 3, 2, 1}},
		{intp(1), intp(3), []int{1, 3, 2, 4, 5}},
		{intp(3), nil, []int{1, 2, 3, 5, 4}},
		{nil, intp(2), []int{2, 1, 3, 4, 5}},
		{intp(3), intp(1), nil},
		{intp(-1), nil, nil},
		{nil, intp(6), nil},
		{intp(5), nil, nil},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.Shuffle = reverse })
			e.add("1", "2", "3", "4", "5")
			err := e.core.Tracklist().Shuffle(e.ctx, tc.start, tc.end)
			if tc.want == nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("error = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := e.tlids(); !slices.Equal(got, tc.want) {
				t.Errorf("order = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTracklistTlidsNeverReused(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2", "3")
	if err := e.core.Tracklist().Clear(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.expect("tracklist_changed")
	got := e.add("4", "5")
	if got[0].TLID != 4 || got[1].TLID != 5 {
		t.Errorf("tlids after clear = %d, %d, want 4, 5", got[0].TLID, got[1].TLID)
	}
	e.core.Tracklist().Remove(e.ctx, Criteria{TLID: []int{5}})
	got = e.add("6")
	if got[0].TLID != 6 {
		t.Errorf("tlid after remove = %d, want 6", got[0].TLID)
	}
}

func TestTracklistVersionGrows(t *testing.T) {
	e := newEnv(t)
	tr := e.core.Tracklist()
	steps := []struct {
		name string
		op   func() error
	}{
		{"add", func() error { _, err := tr.Add(e.ctx, nil, nil, []string{"mem:1", "mem:2", "mem:3"}); return err }},
		{"add at 0", func() error { _, err := tr.Add(e.ctx, []models.Track{{URI: "mem:9"}}, intp(0), nil); return err }},
		{"move", func() error { return tr.Move(e.ctx, 0, 1, 2) }},
		{"shuffle", func() error { return tr.Shuffle(e.ctx, nil, nil) }},
		{"remove", func() error { _, err := tr.Remove(e.ctx, Criteria{URI: []string{"mem:2"}}); return err }},
		{"clear", func() error { return tr.Clear(e.ctx) }},
	}
	prev, _ := tr.GetVersion(e.ctx)
	for _, s := range steps {
		if err := s.op(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		v, _ := tr.GetVersion(e.ctx)
		if v != prev+1 {
			t.Errorf("%s: version %d -> %d, want +1", s.name, prev, v)
		}
		prev = v
	}
	// no change, no version
	tr.Remove(e.ctx, Criteria{URI: []string{"mem:none"}})
	tr.SetRandom(e.ctx, true)
	if v, _ := tr.GetVersion(e.ctx); v != prev {
		t.Errorf("version changed to %d without a tracklist change", v)
	}
}

func TestTracklistAddAndFilter(t *testing.T) {
	e := newEnv(t)
	tr := e.core.Tracklist()
	got, err := tr.Add(e.ctx, nil, nil, []string{"mem:album", "mem:missing", "other:1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Track.URI != "mem:a1" || got[1].Track.URI != "mem:a2" {
		t.Fatalf("added = %+v, want mem:a1, mem:a2", got)
	}
	e.expect("tracklist_changed")
	at, _ := tr.Add(e.ctx, nil, intp(1), []string{"mem:x"})
	if idx, _ := tr.Index(e.ctx, nil, &at[0].TLID); idx == nil || *idx != 1 {
		t.Errorf("index of added at 1 = %v", idx)
	}
	if _, err := tr.Add(e.ctx, nil, nil, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("add with neither = %v, want ErrInvalid", err)
	}
	if _, err := tr.Add(e.ctx, []models.Track{{URI: "mem:1"}}, nil, []string{"mem:1"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("add with both = %v, want ErrInvalid", err)
	}
	cases := []struct {
		json string
		want []int
	}{
		{`{"tlid":[1,3]}`, []int{1, 3}},
		{`{"uri":["mem:a1","mem:x"]}`, []int{1, 3}},
		{`{"uri":["mem:a1","mem:x"],"tlid":[3]}`, []int{3}},
		{`{"name":["Track a2"]}`, []int{2}},
		{`{"genre":["Genre x"]}`, []int{3}},
		{`{"uri":[]}`, nil},
		{`{}`, []int{1, 3, 2}},
	}
	for _, tc := range cases {
		var c Criteria
		if err := json.Unmarshal([]byte(tc.json), &c); err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		res, _ := tr.Filter(e.ctx, c)
		var ids []int
		for _, r := range res {
			ids = append(ids, r.TLID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("filter %s = %v, want %v", tc.json, ids, tc.want)
		}
	}
	var c Criteria
	if err := json.Unmarshal([]byte(`{"artist":["x"]}`), &c); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown criteria field error = %v, want ErrInvalid", err)
	}
}

func TestTracklistFull(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxTracklistLength = 3 })
	e.add("1", "2")
	_, err := e.core.Tracklist().Add(e.ctx, nil, nil, []string{"mem:3", "mem:4"})
	if !errors.Is(err, ErrTracklistFull) {
		t.Fatalf("error = %v, want ErrTracklistFull", err)
	}
	if n, _ := e.core.Tracklist().GetLength(e.ctx); n != 2 {
		t.Errorf("length = %d, want 2", n)
	}
}

func TestTracklistSlice(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2", "3", "4")
	cases := []struct {
		start, end int
		want       []int
	}{
		{0, 2, []int{1, 2}},
		{1, 10, []int{2, 3, 4}},
		{-2, 4, []int{3, 4}},
		{3, 1, nil},
		{0, -1, []int{1, 2, 3}},
	}
	for _, tc := range cases {
		res, _ := e.core.Tracklist().Slice(e.ctx, tc.start, tc.end)
		var ids []int
		for _, r := range res {
			ids = append(ids, r.TLID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("slice(%d, %d) = %v, want %v", tc.start, tc.end, ids, tc.want)
		}
	}
}

func TestTracklistOptionsChangedOnlyOnChange(t *testing.T) {
	e := newEnv(t)
	tr := e.core.Tracklist()
	setters := map[string]func(bool) error{
		"consume": func(v bool) error { return tr.SetConsume(e.ctx, v) },
		"random":  func(v bool) error { return tr.SetRandom(e.ctx, v) },
		"repeat":  func(v bool) error { return tr.SetRepeat(e.ctx, v) },
		"single":  func(v bool) error { return tr.SetSingle(e.ctx, v) },
	}
	for name, set := range setters {
		set(true)
		e.expect("options_changed")
		set(true)
		e.quiet()
		set(false)
		e.expect("options_changed")
		_ = name
	}
}

func TestTracklistChanges(t *testing.T) {
	e := newEnv(t)
	tr := e.core.Tracklist()
	e.add("1", "2", "3", "4")
	v, _ := tr.GetVersion(e.ctx)
	tr.Move(e.ctx, 2, 3, 3) // [1 2 4 3]
	ch, _ := tr.GetChanges(e.ctx, v)
	var got []string
	for _, c := range ch {
		got = append(got, fmt.Sprintf("%d@%d", c.TlTrack.TLID, c.Position))
	}
	if want := []string{"4@2", "3@3"}; !slices.Equal(got, want) {
		t.Errorf("changes after move = %v, want %v", got, want)
	}
	v, _ = tr.GetVersion(e.ctx)
	tr.Remove(e.ctx, Criteria{TLID: []int{1}}) // [2 4 3]
	ch, _ = tr.GetChanges(e.ctx, v)
	if len(ch) != 3 || ch[0].Position != 0 || ch[0].TlTrack.TLID != 2 {
		t.Errorf("changes after removing the first = %+v, want all three shifted", ch)
	}
	all, _ := tr.GetChanges(e.ctx, 0)
	if len(all) != 3 {
		t.Errorf("changes since 0 = %d entries, want 3", len(all))
	}
}
