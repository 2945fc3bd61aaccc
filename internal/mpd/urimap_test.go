package mpd

import "testing"

func TestBackendURI(t *testing.T) {
	cases := map[string]bool{
		"hello:track/1":       true,
		"spotify:track:abc":   true,
		"local:track:a.mp3":   false,
		"file:///etc/passwd":  false,
		"m3u:list.m3u8":       false,
		"Artist: Title/x.mp3": false,
		"A/b.flac":            false,
		"x:":                  false,
		"hello:track/1\x00":   false,
		"Hello:track":         false,
		"../hello:x":          false,
	}
	for in, want := range cases {
		if got := backendURI(in); got != want {
			t.Errorf("backendURI(%q) = %v, want %v", in, got, want)
		}
	}
}
