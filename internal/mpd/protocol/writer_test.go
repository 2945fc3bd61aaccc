package protocol

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// hasControlByByte is the plain form of hasControl.
func hasControlByByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func TestHasControl(t *testing.T) {
	// Each interesting byte at each position of strings around the 8-byte
	// step, among neighbors that carry borrows (0x00, 0x20) or have the
	// high bit set (0x80, 0xff).
	special := []byte{0x00, 0x01, 0x09, 0x0a, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0x9f, 0xff}
	for n := 0; n <= 17; n++ {
		for _, fill := range []byte{'a', 0x20, 0x80, 0xff} {
			for pos := 0; pos < n; pos++ {
				for _, b := range special {
					buf := []byte(strings.Repeat(string([]byte{fill}), n))
					buf[pos] = b
					s := string(buf)
					if got, want := hasControl(s), hasControlByByte(s); got != want {
						t.Errorf("hasControl(%q) = %v, want %v", s, got, want)
					}
				}
			}
		}
	}
}

func FuzzHasControl(f *testing.F) {
	f.Add("Artist: plain text")
	f.Add("tab\there")
	f.Add("\x7f\x80\xff\x1f")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > fuzzMaxInput {
			return
		}
		if got, want := hasControl(s), hasControlByByte(s); got != want {
			t.Errorf("hasControl(%q) = %v, want %v", s, got, want)
		}
	})
}

func TestWriterPairFloatAndTime(t *testing.T) {
	w := NewWriter(200)
	w.PairFloat("duration", 61.0005, 3)
	w.PairFloat("elapsed", 0, 3)
	w.PairTime("Last-Modified", time.Date(2024, 1, 2, 3, 4, 5, 600, time.FixedZone("CET", 3600)))
	want := "duration: 61.001\nelapsed: 0.000\nLast-Modified: 2024-01-02T02:04:05Z\n"
	if got := string(w.Bytes()); got != want {
		t.Errorf("Writer output %q, want %q", got, want)
	}

	w = NewWriter(20)
	w.PairTime("Last-Modified", time.Unix(0, 0))
	if !w.Overflowed() || w.Len() != 0 {
		t.Errorf("PairTime past the limit: overflowed %v with %d bytes, want overflow with 0 bytes", w.Overflowed(), w.Len())
	}
}

func BenchmarkWriterSong(b *testing.B) {
	w := NewWriter(1 << 20)
	modified := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for b.Loop() {
		w.Reset()
		w.Pair("file", "Some Artist/Some Album (Deluxe Edition)/07 A Fairly Long Song Title.flac")
		w.PairTime("Last-Modified", modified)
		w.Pair("Artist", "Some Artist")
		w.Pair("AlbumArtist", "Some Artist")
		w.Pair("Title", "A Fairly Long Song Title")
		w.Pair("Album", "Some Album (Deluxe Edition)")
		w.PairInt("Track", 7)
		w.Pair("Date", "2001")
		w.Pair("Genre", "Rock")
		w.PairInt("Time", 241)
		w.PairFloat("duration", 240.813, 3)
	}
}

func TestWriterReplacesInvalidUTF8(t *testing.T) {
	w := NewWriter(1 << 10)
	w.Pair("file", "A\xff\xfeB/\xc3.mp3")
	w.Pair("Title", "Été")
	w.Line("x\x80y")
	want := "file: A\uFFFDB/\uFFFD.mp3\nTitle: Été\nx\uFFFDy\n"
	if got := string(w.Bytes()); got != want {
		t.Errorf("written %q, want %q", got, want)
	}
	if !utf8.Valid(w.Bytes()) {
		t.Error("the response is not UTF-8")
	}
}
