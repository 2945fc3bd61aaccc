package protocol

import (
	"strings"
	"testing"
)

// The messages below are those of MPD 0.23.12 (Debian package mpd) for the
// same arguments.
func TestFilterErrorMessages(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "Incorrect number of filter arguments"},
		{[]string{"(artist == 'x')", "album"}, "Incorrect number of filter arguments"},
		{[]string{"(bogus == 'x')"}, "Unknown filter type: bogus"},
		{[]string{"(Base 'x')"}, "Unknown filter type: Base"},
		{[]string{"bogus", "x"}, "Unknown filter type"},
		{[]string{"base", "../x"}, "Bad URI"},
		{[]string{"base", "/x"}, "Bad URI"},
		{[]string{"base", ""}, "Bad URI"},
		{[]string{"(artist2 == 'x')"}, "'==' or '!=' expected"},
		{[]string{"(artist === 'x')"}, "Quoted string expected"},
		{[]string{"(artist contains'x')"}, "'==' or '!=' expected"},
		{[]string{"(artist contains\t'x')"}, "'==' or '!=' expected"},
		{[]string{"(artist == 'x'"}, "')' expected"},
		{[]string{"(artist == 'x\\"}, "Closing quote not found"},
		{[]string{"(artist == '" + strings.Repeat("x", maxQuotedLength) + "')"}, "Quoted value is too long"},
		{[]string{"(artist == 'x') (album == 'y')"}, "Unparsed garbage after expression"},
		{[]string{"((artist == 'x') OR (album == 'y'))"}, "'AND' expected"},
		{[]string{"((artist == 'x')"}, "Word expected"},
		{[]string{"(!artist == 'x')"}, "'(' expected"},
		{[]string{"()"}, "Word expected"},
		{[]string{"(modified-since 'garbage')"}, "Failed to parse date"},
		{[]string{"(audioformat != '44100:16:2')"}, "'==' or '=~' expected"},
		{[]string{"(audioformat == '0:16:2')"}, "Invalid sample rate: 0"},
		{[]string{"(audioformat == '44100:7:2')"}, "Invalid sample format: 7"},
		{[]string{"(audioformat == '44100:16:9')"}, "Invalid channel count: 9"},
		{[]string{"(audioformat == '44100:16:2x')"}, "Extra data after channel count: x"},
		{[]string{"(audioformat == '*:16:2')"}, "Failed to parse the sample rate"},
	}
	for _, c := range cases {
		_, err := ParseFilter(c.args, false)
		if err == nil {
			t.Errorf("ParseFilter(%.60q) accepted, want %q", c.args, c.want)
			continue
		}
		if got := AsError(err).Message; got != c.want {
			t.Errorf("ParseFilter(%.60q) message = %q, want %q", c.args, got, c.want)
		}
	}
}

func TestFilterForms(t *testing.T) {
	song := testSong()
	cases := [][]string{
		{"(Album=='First')"},
		{"(\tAlbum ==\"First\" )"},
		{"((Album == 'First')AND(Artist == 'The Band'))"},
		{"((Album == 'First'))"},
		{"(Album == 'First')", "(Artist == 'The Band')"},
		{"(Album == 'First')", "artist", "The Band"},
		{"artist", "The Band", "(Album == 'First')"},
		{"(filename == 'rock/a/01.mp3')"},
		{"(FILE == 'rock/a/01.mp3')"},
		{"(AUDIOFORMAT == '44100:16:2')"},
		{"(AudioFormat =~ '*:16:*')"},
		{"(prio >= '5')"},
	}
	for _, args := range cases {
		f, err := ParseFilter(args, false)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", args, err)
			continue
		}
		if !f.Match(song) {
			t.Errorf("ParseFilter(%q) does not match the test song", args)
		}
	}
}

// Nested ANDs of several arguments join one AND, so a base condition in
// any of them is found at the top.
func TestFilterArgumentsFlattened(t *testing.T) {
	f, err := ParseFilter([]string{"((Album == 'First') AND (base 'rock'))", "(Artist == 'The Band')"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if f.Kind != KindAnd {
		t.Fatalf("root kind = %d, want KindAnd", f.Kind)
	}
	if len(f.Children) != 3 {
		t.Errorf("root has %d conditions, want 3", len(f.Children))
	}
}

func TestParseAudioFormat(t *testing.T) {
	cases := []struct {
		in   string
		mask bool
		want string
	}{
		{"44100:16:2", false, "44100:16:2"},
		{"48000:f:2", false, "48000:f:2"},
		{"44100:24_3:2", false, "44100:24:2"},
		{"dsd64:2", false, "352800:dsd:2"},
		{"352800:dsd:2", false, "352800:dsd:2"},
		{"44100:*:*", true, "44100:*:*"},
		{"*:*:1", true, "*:*:1"},
	}
	for _, c := range cases {
		got, err := ParseAudioFormat(c.in, c.mask)
		if err != nil {
			t.Errorf("ParseAudioFormat(%q, %v): %v", c.in, c.mask, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseAudioFormat(%q, %v) = %q, want %q", c.in, c.mask, got, c.want)
		}
	}
	for _, in := range []string{"", "x", "44100", "44100:", "44100:16", "44100:16:0", "1073741824:16:2", "*:16:2"} {
		if _, err := ParseAudioFormat(in, false); err == nil {
			t.Errorf("ParseAudioFormat(%q) accepted", in)
		}
	}
}
