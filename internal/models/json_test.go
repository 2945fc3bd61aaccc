package models

import (
	"encoding/json"
	"testing"
)

func TestTlTrackJSONMatchesMopidy(t *testing.T) {
	// Recorded from Mopidy 3.4.1 with the file backend.
	want := `{"__model__":"TlTrack","tlid":1,"track":{"__model__":"Track","uri":"file:///tmp/mop/music/a.wav","name":"a.wav","length":5000,"bitrate":128000}}`
	got, err := json.Marshal(TlTrack{TLID: 1, Track: &Track{
		URI: "file:///tmp/mop/music/a.wav", Name: "a.wav", Length: 5000, Bitrate: 128000,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestEmptyModelJSON(t *testing.T) {
	got, err := json.Marshal(Ref{})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"__model__":"Ref"}` {
		t.Errorf("got %s", got)
	}
}

func TestTrackJSONRoundTrip(t *testing.T) {
	in := Track{
		URI: "local:track:a.flac", Name: "A",
		Artists: []Artist{{Name: "X"}, {Name: "Y"}},
		Album:   &Album{Name: "Z", Date: "2019-05"},
		TrackNo: 3,
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Track
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Name != "A" || len(out.Artists) != 2 || out.Album.Date != "2019-05" || out.TrackNo != 3 {
		t.Errorf("round trip changed the track: %+v", out)
	}
}

func TestUnmarshalRejectsBadModel(t *testing.T) {
	cases := map[string]string{
		"unknown field":    `{"__model__":"Track","name":"a","evil":1}`,
		"wrong model":      `{"__model__":"Album","name":"a"}`,
		"model not string": `{"__model__":1}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			var tr Track
			if err := json.Unmarshal([]byte(in), &tr); err == nil {
				t.Errorf("accepted %s", in)
			}
		})
	}
}
