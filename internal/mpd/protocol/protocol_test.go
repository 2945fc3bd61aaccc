package protocol

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestTokenize(t *testing.T) {
	cases := []struct {
		line string
		name string
		args []string
		code AckCode
	}{
		{line: "status", name: "status"},
		{line: "  play  3 ", name: "play", args: []string{"3"}},
		{line: `find "(artist == \"A B\")"`, name: "find", args: []string{`(artist == "A B")`}},
		{line: `add 'it\'s here'`, name: "add", args: []string{"it's here"}},
		{line: `add "a\\b"`, name: "add", args: []string{`a\b`}},
		{line: "add é/ü.mp3", name: "add", args: []string{"é/ü.mp3"}},
		{line: `add ""`, name: "add", args: []string{""}},
		{line: "", code: AckUnknown},
		{line: "1play", code: AckUnknown},
		{line: "pl-ay", code: AckUnknown},
		{line: `add "abc`, code: AckArg},
		{line: `add "abc"x`, code: AckArg},
		{line: `add ab"c`, code: AckArg},
		{line: "add a\x00b", code: AckArg},
		{line: "add a\rb", code: AckArg},
		{line: "add \xff", code: AckArg},
		{line: "add " + strings.Repeat("a ", MaxArgs+1), code: AckArg},
	}
	for _, c := range cases {
		name, args, err := Tokenize(c.line)
		if c.code != 0 {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Errorf("Tokenize(%q) error = %v, want ACK %d", c.line, err, c.code)
				continue
			}
			if pe.Code != c.code {
				t.Errorf("Tokenize(%q) code = %d, want %d", c.line, pe.Code, c.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("Tokenize(%q) error = %v", c.line, err)
			continue
		}
		if name != c.name {
			t.Errorf("Tokenize(%q) name = %q, want %q", c.line, name, c.name)
		}
		if !reflect.DeepEqual(args, c.args) {
			t.Errorf("Tokenize(%q) args = %q, want %q", c.line, args, c.args)
		}
	}
}

func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"", "a b", `q"uo\te`, "it's"} {
		_, args, err := Tokenize("add " + Quote(s))
		if err != nil {
			t.Fatalf("Tokenize(Quote(%q)): %v", s, err)
		}
		if len(args) != 1 || args[0] != s {
			t.Errorf("round trip of %q gave %q", s, args)
		}
	}
}

func TestParseRange(t *testing.T) {
	cases := []struct {
		in   string
		want Range
		bad  bool
	}{
		{in: "3", want: Range{3, 4}},
		{in: "2:5", want: Range{2, 5}},
		{in: "2:", want: Range{2, -1}},
		{in: "5:2", bad: true},
		{in: "-1:2", bad: true},
		{in: "a:b", bad: true},
		{in: "99999999999999", bad: true},
	}
	for _, c := range cases {
		got, err := ParseRange(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("ParseRange(%q) = %v, want error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseRange(%q) = %v, %v, want %v", c.in, got, err, c.want)
		}
	}
}

func TestParseScalars(t *testing.T) {
	if _, err := ParseBool("2"); err == nil {
		t.Error("ParseBool(2) accepted")
	}
	if v, err := ParseBool("1"); err != nil || !v {
		t.Errorf("ParseBool(1) = %v, %v", v, err)
	}
	if _, err := ParseUint("-3"); err == nil {
		t.Error("ParseUint(-3) accepted")
	}
	if _, err := ParseFloat("NaN"); err == nil {
		t.Error("ParseFloat(NaN) accepted")
	}
	if s, rel, err := ParseSeekTime("-2.5"); err != nil || !rel || s != -2.5 {
		t.Errorf("ParseSeekTime(-2.5) = %v, %v, %v", s, rel, err)
	}
	if tag, ok := ParseTag("albumartist"); !ok || tag != "AlbumArtist" {
		t.Errorf("ParseTag(albumartist) = %q, %v", tag, ok)
	}
}

func testSong() *Song {
	return &Song{
		URI: "rock/a/01.mp3",
		Tags: map[string][]string{
			"Artist": {"The Band", "Guest"},
			"Album":  {"First"},
			"Title":  {"Hello (World)"},
		},
		Modified:    time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		AudioFormat: "44100:16:2",
		Prio:        10,
	}
}

func TestFilterMatch(t *testing.T) {
	cases := []struct {
		args []string
		fold bool
		want bool
	}{
		{[]string{"(Artist == 'Guest')"}, false, true},
		{[]string{"(artist == 'guest')"}, false, false},
		{[]string{"(artist == 'guest')"}, true, true},
		{[]string{"(Artist != 'Guest')"}, false, false},
		{[]string{"(Title == 'Hello \\(World\\)')"}, false, true},
		{[]string{`(Title == "Hello (World)")`}, false, true},
		{[]string{"(Album contains 'irs')"}, false, true},
		{[]string{"(Album starts_with 'Fi')"}, false, true},
		{[]string{"(Title =~ '^Hel+o')"}, false, true},
		{[]string{"(Title !~ '^Hel+o')"}, false, false},
		{[]string{"(!(Album == 'First'))"}, false, false},
		{[]string{"((Album == 'First') AND (Artist == 'The Band'))"}, false, true},
		{[]string{"((Album == 'First') AND (Artist == 'Nobody'))"}, false, false},
		{[]string{"(base 'rock')"}, false, true},
		{[]string{"(base 'roc')"}, false, false},
		{[]string{"(file == 'rock/a/01.mp3')"}, false, true},
		{[]string{"(modified-since '2024-04-01')"}, false, true},
		{[]string{"(modified-since '1735689600')"}, false, false},
		{[]string{"(AudioFormat == '44100:16:2')"}, false, true},
		{[]string{"(AudioFormat =~ '44100:*:*')"}, false, true},
		{[]string{"(AudioFormat =~ '48000:*:*')"}, false, false},
		{[]string{"(prio >= 5)"}, false, true},
		{[]string{"(Genre == '')"}, false, true},
		{[]string{"(AlbumArtist == 'Guest')"}, false, true},
		{[]string{"(any == 'First')"}, false, true},
		{[]string{"artist", "band"}, true, true},
		{[]string{"artist", "band"}, false, false},
		{[]string{"Artist", "Guest", "album", "First"}, false, true},
		{[]string{"any", "hello"}, true, true},
		{[]string{"base", "rock/a"}, false, true},
	}
	for _, c := range cases {
		f, err := ParseFilter(c.args, c.fold)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", c.args, err)
			continue
		}
		if got := f.Match(testSong()); got != c.want {
			t.Errorf("ParseFilter(%q, fold %v).Match = %v, want %v", c.args, c.fold, got, c.want)
		}
	}
}

func TestFilterErrors(t *testing.T) {
	bad := [][]string{
		{},
		{"(Artist == 'x'"},
		{"(Artist = 'x')"},
		{"(Nope == 'x')"},
		{"(Artist == x)"},
		{"(Artist =~ '(')"},
		{"((Artist == 'a') OR (Artist == 'b'))"},
		{"(Artist == 'x') junk"},
		{"artist"},
		{"nope", "x"},
		{"(prio >= 999)"},
		{"(AudioFormat contains '4')"},
		{strings.Repeat("(!", MaxFilterDepth+1) + "(Artist == 'x')" + strings.Repeat(")", MaxFilterDepth+1)},
		{"(Title =~ '" + strings.Repeat("a", MaxRegexpLength+1) + "')"},
	}
	for _, args := range bad {
		if _, err := ParseFilter(args, false); err == nil {
			t.Errorf("ParseFilter(%.60q) accepted", args)
		} else if AsError(err).Code != AckArg {
			t.Errorf("ParseFilter(%.60q) code = %d, want %d", args, AsError(err).Code, AckArg)
		}
	}
}

func TestWriter(t *testing.T) {
	w := NewWriter(64)
	w.Pair("Title", "a\nb\rc")
	w.PairInt("Id", 7)
	w.Binary([]byte{0, 1, '\n'})
	w.OK()
	want := "Title: a b c\nId: 7\nbinary: 3\n\x00\x01\n\nOK\n"
	if string(w.Bytes()) != want {
		t.Errorf("Writer output %q, want %q", w.Bytes(), want)
	}
	if w.Overflowed() {
		t.Error("Writer overflowed below its limit")
	}
	w.Reset()
	w.Pair("file", strings.Repeat("x", 100))
	if !w.Overflowed() {
		t.Error("Writer did not report overflow")
	}
	if w.Len() != 0 {
		t.Errorf("Writer kept %d bytes past its limit", w.Len())
	}
}

func TestAck(t *testing.T) {
	w := NewWriter(100)
	w.Ack(Errorf(AckNoExist, "No such song"), 2, "play")
	if got := string(w.Bytes()); got != "ACK [50@2] {play} No such song\n" {
		t.Errorf("Ack = %q", got)
	}
	w.Reset()
	w.Ack(errors.New("disk on fire"), 0, "add")
	if got := string(w.Bytes()); got != "ACK [52@0] {add} internal error\n" {
		t.Errorf("Ack of a plain error = %q", got)
	}
}
