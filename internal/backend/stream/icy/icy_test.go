package icy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// block encodes a metadata block as a server sends it: a length byte in
// units of 16, then the text padded with NUL bytes.
func block(text string) []byte {
	n := (len(text) + 15) / 16
	out := make([]byte, 1+n*16)
	out[0] = byte(n)
	copy(out[1:], text)
	return out
}

func TestReaderStripsMetadata(t *testing.T) {
	audio := bytes.Repeat([]byte("0123456789"), 10)
	var stream bytes.Buffer
	stream.Write(audio[:32])
	stream.Write(block("StreamTitle='First';StreamUrl='';"))
	stream.Write(audio[32:64])
	stream.WriteByte(0)
	stream.Write(audio[64:96])
	stream.Write(block("StreamTitle='Caf\xe9 del Mar';"))
	stream.Write(audio[96:])

	var titles []string
	r, err := NewReader(iotest.OneByteReader(&stream), 32, func(s string) { titles = append(titles, s) })
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, audio) {
		t.Fatalf("audio = %q, want %q", got, audio)
	}
	want := []string{"First", "Café del Mar"}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Fatalf("titles = %q, want %q", titles, want)
	}
}

func TestReaderTruncatedBlock(t *testing.T) {
	stream := append([]byte("abcd"), 2, 'S', 't')
	r, err := NewReader(bytes.NewReader(stream), 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(r)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error = %v, want ErrUnexpectedEOF", err)
	}
}

func TestReaderWithoutMetadata(t *testing.T) {
	r, err := NewReader(strings.NewReader("plain audio"), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	if string(got) != "plain audio" {
		t.Fatalf("got %q", got)
	}
}

func TestNewReaderRejectsMetaInt(t *testing.T) {
	for _, n := range []int{-1, MaxMetaInt + 1} {
		if _, err := NewReader(strings.NewReader(""), n, nil); err == nil {
			t.Errorf("NewReader accepted metaint %d", n)
		}
	}
}

func TestParseTitle(t *testing.T) {
	tests := []struct {
		block string
		want  string
		ok    bool
	}{
		{"StreamTitle='Artist - Song';StreamUrl='http://x';\x00\x00", "Artist - Song", true},
		{"StreamTitle='It's Me';", "It's Me", true},
		{"StreamTitle='No terminator'\x00", "No terminator", true},
		{"StreamTitle='';", "", true},
		{"StreamUrl='x';", "", false},
		{"StreamTitle='Caf\xe9';", "Café", true},
		{"StreamTitle='Ünïcödé ✓';", "Ünïcödé ✓", true},
		{"StreamTitle='Line\r\nbreak\x1b[31m';", "Linebreak[31m", true},
		{"StreamTitle='\x85 C1 \x9f';", "C1", true},
		{"StreamTitle='" + strings.Repeat("é", 1000) + "';", strings.Repeat("é", MaxTitleLength/2), true},
	}
	for _, tc := range tests {
		got, ok := ParseTitle([]byte(tc.block))
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseTitle(%q) = %q, %v; want %q, %v", tc.block, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseTitle(f *testing.F) {
	f.Add([]byte("StreamTitle='Artist - Song';"))
	f.Add([]byte("StreamTitle='\xe9\x00';"))
	f.Fuzz(func(t *testing.T, data []byte) {
		title, _ := ParseTitle(data)
		if !utf8.ValidString(title) {
			t.Fatalf("invalid UTF-8 title %q", title)
		}
		if len(title) > MaxTitleLength {
			t.Fatalf("title of %d bytes", len(title))
		}
		if strings.ContainsAny(title, "\x00\r\n\x7f") {
			t.Fatalf("control character in %q", title)
		}
	})
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("abcd\x01StreamTitle='x'\x00\x00efgh\x00"), 4)
	f.Fuzz(func(t *testing.T, data []byte, metaint int) {
		r, err := NewReader(bytes.NewReader(data), metaint, func(title string) {
			if !utf8.ValidString(title) || title == "" {
				t.Fatalf("bad title %q", title)
			}
		})
		if err != nil {
			return
		}
		out, _ := io.ReadAll(r)
		if len(out) > len(data) {
			t.Fatalf("read %d audio bytes from %d input bytes", len(out), len(data))
		}
	})
}

func TestStatusLineConn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ICY 200 OK\r\nicy-name: x\r\n\r\nbody", "HTTP/1.0 200 OK\r\nicy-name: x\r\n\r\nbody"},
		{"HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n"},
		{"IC", "IC"},
		{"", ""},
	}
	for _, tc := range tests {
		client, server := net.Pipe()
		go func() {
			server.Write([]byte(tc.in))
			server.Close()
		}()
		got, err := io.ReadAll(iotest.OneByteReader(StatusLineConn(client)))
		client.Close()
		if err != nil {
			t.Fatalf("read %q: %v", tc.in, err)
		}
		if string(got) != tc.want {
			t.Errorf("read %q as %q, want %q", tc.in, got, tc.want)
		}
	}
}

// BenchmarkReader measures stripping metadata from a 16000-byte interval
// stream, the interval SHOUTcast servers commonly use.
func BenchmarkReader(b *testing.B) {
	const metaint = 16000
	var stream bytes.Buffer
	chunk := bytes.Repeat([]byte{0xAA}, metaint)
	for i := range 64 {
		stream.Write(chunk)
		if i%8 == 0 {
			stream.Write(block("StreamTitle='Artist - Title';"))
		} else {
			stream.WriteByte(0)
		}
	}
	data := stream.Bytes()
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), metaint, func(string) {})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, r, buf); err != nil {
			b.Fatal(err)
		}
	}
}
