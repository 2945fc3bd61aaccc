package core

import (
	"encoding/json"
	"testing"

	"github.com/tonearm/tonearm/internal/models"
)

func TestCriteriaEmptyListSurvivesJSON(t *testing.T) {
	tl := models.TlTrack{TLID: 1, Track: &models.Track{URI: "mem:1", Name: "x"}}
	c := Criteria{Name: []string{}}
	if c.Match(tl) {
		t.Fatal("an empty name list matched a track")
	}
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back Criteria
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("unmarshal %s: %v", out, err)
	}
	if back.Match(tl) {
		t.Fatalf("criteria with an empty name list encoded as %s, which matches every track", out)
	}
}
