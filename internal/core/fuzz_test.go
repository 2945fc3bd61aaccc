package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func FuzzCriteria(f *testing.F) {
	f.Add([]byte(`{"tlid":[1,2],"uri":["a"]}`))
	f.Add([]byte(`{"name":[],"genre":["x"],"date":["2020"],"comment":["c"],"musicbrainz_id":["m"]}`))
	f.Add([]byte(`{"tlid":["x"]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"uri":[],"tlid":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Criteria
		if err := json.Unmarshal(data, &c); err != nil {
			return
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal accepted criteria: %v", err)
		}
		var back Criteria
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("criteria do not round-trip: %s: %v", out, err)
		}
		// An empty tlid list matches like a missing one, so only the
		// other fields must keep the difference between nil and empty.
		if len(c.TLID) == 0 {
			c.TLID = nil
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("criteria %#v from %s round-trip through %s to %#v", c, data, out, back)
		}
	})
}

func FuzzReadState(f *testing.F) {
	f.Add([]byte(`{"format":1,"state":"stopped","tracklist":[{"__model__":"TlTrack","tlid":1,"track":{"__model__":"Track","uri":"mem:1"}}],"history":[[1,{"__model__":"Ref","uri":"mem:1","type":"track"}]]}`))
	f.Add([]byte(`{"format":1,"state":"playing","current_tlid":1,"tracklist":[]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decodeState(bytes.NewReader(data), 100)
		if err != nil {
			return
		}
		if len(s.Tracklist) > 100 || s.Volume < 0 || s.Volume > 100 || len(s.History) > MaxHistory {
			t.Fatalf("accepted state out of bounds: %+v", s)
		}
		for _, tl := range s.Tracklist {
			if tl.TLID >= s.NextTLID {
				t.Fatalf("tlid %d not below next_tlid %d", tl.TLID, s.NextTLID)
			}
		}
		if _, err := ParseState(string(s.State)); errors.Is(err, ErrInvalid) {
			t.Fatalf("accepted state %q", s.State)
		}
	})
}
