package output

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	cases := []struct {
		in   string
		want []Spec
	}{
		{"auto", []Spec{{Kind: KindAuto}}},
		{"pulse", []Spec{{Kind: KindPulse}}},
		{"pulse:ci_sink", []Spec{{Kind: KindPulse, Target: "ci_sink"}}},
		{"http", []Spec{{Kind: KindHTTP}}},
		{"null", []Spec{{Kind: KindNull}}},
		{"snapcast:fifo:/tmp/snap/fifo", []Spec{{Kind: KindSnapcastFIFO, Target: "/tmp/snap/fifo"}}},
		{"snapcast:tcp:127.0.0.1:4953", []Spec{{Kind: KindSnapcastTCP, Target: "127.0.0.1:4953"}}},
		{"snapcast:tcp:[::1]:4953", []Spec{{Kind: KindSnapcastTCP, Target: "[::1]:4953"}}},
		{"pulse, http ,null", []Spec{{Kind: KindPulse}, {Kind: KindHTTP}, {Kind: KindNull}}},
		{"autoaudiosink", []Spec{{Kind: KindAuto, Alias: "autoaudiosink"}}},
		{"pulsesink", []Spec{{Kind: KindPulse, Alias: "pulsesink"}}},
		{"fakesink", []Spec{{Kind: KindNull, Alias: "fakesink"}}},
		{"http,pipe:aplay -D hw:1,0 -f S16_LE -r 48000 -c 2", []Spec{
			{Kind: KindHTTP},
			{Kind: KindPipe, Command: []string{"aplay", "-D", "hw:1,0", "-f", "S16_LE", "-r", "48000", "-c", "2"}},
		}},
		{`pipe:sh -c 'cat > "/tmp/a b"'`, []Spec{{Kind: KindPipe, Command: []string{"sh", "-c", `cat > "/tmp/a b"`}}}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := Parse(c.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Parse = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	cases := []string{
		"",
		"alsasink device=hw:1",
		"pulse:",
		"snapcast",
		"snapcast:fifo:relative/path",
		"snapcast:tcp:nohostport",
		"snapcast:udp:1.2.3.4:5",
		"pipe:",
		"pipe:'unterminated",
		"null,,http",
		strings.Repeat("null,", 17) + "null",
	}
	for _, in := range cases {
		t.Run(in, func(t *testing.T) {
			if _, err := Parse(in); err == nil {
				t.Errorf("Parse(%q) returned no error", in)
			}
		})
	}
}

func TestParseErrorListsNames(t *testing.T) {
	_, err := Parse("alsasink")
	if err == nil {
		t.Fatal("no error for alsasink")
	}
	for _, name := range []string{"auto", "pulse", "http", "snapcast:fifo:PATH", "snapcast:tcp:HOST:PORT", "null", "pipe:"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"aplay -q", []string{"aplay", "-q"}},
		{`a "b c" 'd e' f\ g`, []string{"a", "b c", "d e", "f g"}},
		{`a "x\"y" ''`, []string{"a", `x"y`, ""}},
		{"  a\tb  ", []string{"a", "b"}},
	}
	for _, c := range cases {
		got, err := SplitCommand(c.in)
		if err != nil {
			t.Errorf("SplitCommand(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitCommand(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "   ", `a "b`, `a \`, "a\x00b"} {
		if _, err := SplitCommand(bad); err == nil {
			t.Errorf("SplitCommand(%q) returned no error", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{"auto", "pulse:x,http", "snapcast:tcp:h:1", `pipe:a "b" 'c'`, "snapcast:fifo:/a"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, setting string) {
		specs, err := Parse(setting)
		if err != nil {
			return
		}
		if len(specs) == 0 || len(specs) > maxSpecs {
			t.Fatalf("Parse(%q) returned %d specs", setting, len(specs))
		}
		for _, s := range specs {
			if s.Kind == KindPipe && (len(s.Command) == 0 || len(s.Command) > maxCommandArgs) {
				t.Fatalf("pipe spec with %d arguments from %q", len(s.Command), setting)
			}
			again, err := Parse(s.String())
			if s.Kind != KindPipe && (err != nil || len(again) != 1 || again[0].Kind != s.Kind) {
				t.Fatalf("spec %q from %q does not parse back: %v", s.String(), setting, err)
			}
		}
	})
}
