package playlist

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParsePLS(t *testing.T) {
	data := "\xEF\xBB\xBF[playlist]\r\nNumberOfEntries=3\r\nFile2=http://b.test/2\r\n" +
		"title2=Second\r\nFILE1=http://a.test/1\r\nTitle1=Caf\xe9\r\nFile3=\r\nLength1=-1\r\nVersion=2\r\n"
	got, err := ParsePLS([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{URI: "http://a.test/1", Title: "Café"}, {URI: "http://b.test/2", Title: "Second"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestParseM3U(t *testing.T) {
	data := "#EXTM3U\n#EXTINF:-1 tvg-id=\"x\",Radio One\nhttp://one.test/live\n\n# comment\r\nrelative/two.mp3\r\n" +
		"#EXTINF:10,\x01Bad\x7f title\nhttps://three.test/\n"
	got, err := ParseM3U([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{URI: "http://one.test/live", Title: "Radio One"},
		{URI: "relative/two.mp3"},
		{URI: "https://three.test/", Title: "Bad title"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestParseM3URejectsHLS(t *testing.T) {
	for _, data := range []string{
		"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nseg1.ts\n",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=128000\nlow.m3u8\n",
	} {
		_, err := ParseM3U([]byte(data))
		if !errors.Is(err, ErrHLS) {
			t.Errorf("ParseM3U(%q) error = %v, want ErrHLS", data, err)
		}
	}
}

func TestParseXSPF(t *testing.T) {
	data := `<?xml version="1.0" encoding="UTF-8"?>
<playlist version="1" xmlns="http://xspf.org/ns/0/">
  <trackList>
    <track><title>Jazz</title><location>http://jazz.test/a</location><location>http://jazz.test/b</location></track>
    <track><title>No location</title></track>
    <track><location> /rel </location></track>
  </trackList>
</playlist>`
	got, err := ParseXSPF([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{URI: "http://jazz.test/a", Title: "Jazz"}, {URI: "/rel"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestParseXSPFLatin1(t *testing.T) {
	data := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><playlist><trackList><track>" +
		"<title>Fran\xe7ais</title><location>http://fr.test/</location></track></trackList></playlist>"
	got, err := ParseXSPF([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Title != "Français" {
		t.Fatalf("got %+v, want one entry titled Français", got)
	}
}

func TestParseXSPFRejectsEntities(t *testing.T) {
	data := `<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<playlist><trackList><track><location>&x;</location></track></trackList></playlist>`
	got, err := ParseXSPF([]byte(data))
	if err == nil {
		t.Fatalf("external entity accepted, got %+v", got)
	}
}

func TestParseASX(t *testing.T) {
	data := `<ASX version="3.0"><TITLE>Station</TITLE>
<Entry><Title>Main</Title><REF HREF="http://asx.test/main"/><ref href="http://asx.test/backup"/></Entry>
<ENTRYREF HREF="http://asx.test/more.asx"/>
<entry><ref/></entry>
</ASX>`
	got, err := ParseASX([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{URI: "http://asx.test/main", Title: "Main"},
		{URI: "http://asx.test/backup", Title: "Main"},
		{URI: "http://asx.test/more.asx"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestParseEntryLimit(t *testing.T) {
	var b strings.Builder
	for i := range MaxEntries + 10 {
		fmt.Fprintf(&b, "http://many.test/%d\n", i)
	}
	got, err := ParseM3U([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != MaxEntries {
		t.Fatalf("%d entries, want %d", len(got), MaxEntries)
	}
}

func TestParseDeepXML(t *testing.T) {
	data := strings.Repeat("<a>", 1000) + strings.Repeat("</a>", 1000)
	if _, err := ParseXSPF([]byte(data)); err == nil {
		t.Error("ParseXSPF accepted 1000 nested elements")
	}
	if _, err := ParseASX([]byte(data)); err == nil {
		t.Error("ParseASX accepted 1000 nested elements")
	}
}

func TestParseEmpty(t *testing.T) {
	_, err := Parse(PLS, []byte("[playlist]\nNumberOfEntries=0\n"))
	if !errors.Is(err, ErrEmpty) {
		t.Fatalf("error = %v, want ErrEmpty", err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		head        string
		want        Kind
	}{
		{"pls header", "audio/x-scpls", "", PLS},
		{"m3u header", "audio/x-mpegurl; charset=utf-8", "", M3U},
		{"hls header", "application/vnd.apple.mpegurl", "", M3U},
		{"xspf header", "application/xspf+xml", "", XSPF},
		{"asx header and body", "video/x-ms-asf", "<asx version=\"3.0\">", ASX},
		{"asf header, binary body", "video/x-ms-asf", "\x30\x26\xb2\x75", Unknown},
		{"mpeg audio", "audio/mpeg", "\xff\xfb\x90\x00", Audio},
		{"aac plus", "audio/aacp", "\xff\xf1\x50\x80", Audio},
		{"ogg", "application/ogg", "OggS\x00", Audio},
		{"pls served as audio", "audio/mpeg", "[playlist]\nFile1=http://x.test/\n", PLS},
		{"sniffed pls", "text/plain", "\r\n[Playlist]\n", PLS},
		{"sniffed extm3u", "", "#EXTM3U\n", M3U},
		{"sniffed uri list", "application/octet-stream", "# radio\nhttp://a.test/\n", M3U},
		{"sniffed xspf", "application/xml", "<?xml version=\"1.0\"?><playlist xmlns=\"http://xspf.org/ns/0/\">", XSPF},
		{"sniffed asx", "text/html", "<ASX version=\"3.0\">", ASX},
		{"sniffed id3", "", "ID3\x04\x00", Audio},
		{"html page", "text/html", "<!doctype html><html>", Unknown},
		{"bad header", ";;;", "", Unknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Detect(tc.contentType, []byte(tc.head)); got != tc.want {
				t.Fatalf("Detect(%q, %q) = %s, want %s", tc.contentType, tc.head, got, tc.want)
			}
		})
	}
}

func TestResolveEntry(t *testing.T) {
	base, _ := url.Parse("http://radio.test/lists/main.pls")
	tests := []struct {
		ref, want string
		ok        bool
	}{
		{"http://other.test/live", "http://other.test/live", true},
		{"stream.mp3", "http://radio.test/lists/stream.mp3", true},
		{"/root.mp3", "http://radio.test/root.mp3", true},
		{"//cdn.test/x", "http://cdn.test/x", true},
		{"file:///etc/passwd", "", false},
		{"rtsp://radio.test/live", "", false},
		{"javascript:alert(1)", "", false},
		{"https://", "", false},
		{"http://a b.test/", "", false},
	}
	for _, tc := range tests {
		got, err := ResolveEntry(base, tc.ref)
		if tc.ok != (err == nil) {
			t.Errorf("ResolveEntry(%q) error = %v, want ok=%v", tc.ref, err, tc.ok)
			continue
		}
		if tc.ok && got.String() != tc.want {
			t.Errorf("ResolveEntry(%q) = %s, want %s", tc.ref, got, tc.want)
		}
	}
}

// checkEntries holds the invariants every parser keeps for any input.
func checkEntries(t *testing.T, entries []Entry) {
	t.Helper()
	if len(entries) > MaxEntries {
		t.Fatalf("%d entries, more than MaxEntries", len(entries))
	}
	for _, e := range entries {
		if e.URI == "" {
			t.Fatal("entry with empty URI")
		}
		if !utf8.ValidString(e.URI) || !utf8.ValidString(e.Title) {
			t.Fatalf("invalid UTF-8 in %+v", e)
		}
		if len(e.Title) > MaxTitleLength {
			t.Fatalf("title of %d bytes", len(e.Title))
		}
		if strings.ContainsAny(e.URI+e.Title, "\r\n\x00") {
			t.Fatalf("control character in %+v", e)
		}
	}
}

func FuzzParsePLS(f *testing.F) {
	f.Add([]byte("[playlist]\nFile1=http://a.test/\nTitle1=A\n"))
	f.Add([]byte("[playlist]\nfile999999=x\nFile0=y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParsePLS(data)
		if err == nil {
			checkEntries(t, entries)
		}
	})
}

func FuzzParseM3U(f *testing.F) {
	f.Add([]byte("#EXTM3U\n#EXTINF:-1,Radio\nhttp://a.test/\n"))
	f.Add([]byte("#EXT-X-VERSION:3\n"))
	f.Add([]byte("\xef\xbb\xbfhttp://a.test/\r\nb\rc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseM3U(data)
		if err == nil {
			checkEntries(t, entries)
		}
	})
}

func FuzzParseXSPF(f *testing.F) {
	f.Add([]byte(`<playlist><trackList><track><location>http://a.test/</location><title>T</title></track></trackList></playlist>`))
	f.Add([]byte(`<?xml version="1.0" encoding="latin1"?><playlist/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseXSPF(data)
		if err == nil {
			checkEntries(t, entries)
		}
	})
}

func FuzzParseASX(f *testing.F) {
	f.Add([]byte(`<asx><entry><title>T</title><ref href="http://a.test/"/></entry></asx>`))
	f.Add([]byte(`<ASX><ENTRYREF HREF="x.asx"><ENTRY><REF HREF=y>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseASX(data)
		if err == nil {
			checkEntries(t, entries)
		}
	})
}

func FuzzDetect(f *testing.F) {
	f.Add("audio/mpeg", []byte("\xff\xfb"))
	f.Add("text/plain", []byte("[playlist]"))
	f.Add("", []byte("<asx>"))
	f.Fuzz(func(t *testing.T, contentType string, head []byte) {
		k := Detect(contentType, head)
		if k < Unknown || k > ASX {
			t.Fatalf("Detect returned kind %d", k)
		}
	})
}

func BenchmarkParseM3U(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("#EXTM3U\n")
	for i := range MaxEntries {
		fmt.Fprintf(&sb, "#EXTINF:-1,Station %d\nhttp://radio%d.test/live\n", i, i)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseM3U(data); err != nil {
			b.Fatal(err)
		}
	}
}
