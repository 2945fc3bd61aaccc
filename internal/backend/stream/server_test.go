package stream

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// testMetaInt is the ICY metadata interval of the test streams; small, so
// a short MP3 carries several titles.
const testMetaInt = 4000

// dropAt is the number of audio bytes /stream/drop sends before it drops
// the connection: three metadata intervals and a half.
const dropAt = 3*testMetaInt + testMetaInt/2

// radioServer is a local station: ICY streams of a generated MP3 and
// playlists of every kind, including hostile ones.
type radioServer struct {
	*httptest.Server
	mp3 []byte

	limitedHits atomic.Int64
	dropHits    atomic.Int64

	mu       sync.Mutex
	requests map[string]int
}

func newRadioServer(t *testing.T) *radioServer {
	t.Helper()
	mp3 := readToneMP3(t)
	rs := &radioServer{mp3: mp3, requests: make(map[string]int)}
	mux := http.NewServeMux()
	mux.HandleFunc("/stream/latin1", func(w http.ResponseWriter, r *http.Request) {
		rs.serveICY(w, r, "Radio Caf\xe9", []string{"Caf\xe9 \xc4rger - S\xfc\xdf", "Na\xefve \x01song"})
	})
	mux.HandleFunc("/stream/utf8", func(w http.ResponseWriter, r *http.Request) {
		rs.serveICY(w, r, "Radio ✓", []string{"Ünïcödé – ✓", "日本語"})
	})
	mux.HandleFunc("/stream/plain", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		w.Write(rs.mp3)
	})
	mux.HandleFunc("/stream/drop", rs.serveDrop)
	mux.HandleFunc("/stream/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		w.Write(rs.mp3[:2000])
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/stream/limited", func(w http.ResponseWriter, r *http.Request) {
		if rs.limitedHits.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many requests", http.StatusTooManyRequests)
			return
		}
		rs.serveICY(w, r, "Limited", nil)
	})
	mux.HandleFunc("/hang.pls", func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/huge.m3u", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "audio/x-mpegurl")
		line := "# " + strings.Repeat("x", 1000) + "\n"
		for range 2000 {
			if _, err := w.Write([]byte(line)); err != nil {
				return
			}
		}
		fmt.Fprintln(w, "/stream/utf8")
	})
	mux.Handle("/redirect-private", http.RedirectHandler("http://10.1.2.3/stream", http.StatusFound))
	mux.Handle("/redirect-metadata", http.RedirectHandler("http://169.254.169.254/latest/meta-data/", http.StatusFound))
	mux.Handle("/redirect-ok", http.RedirectHandler("/lists/station.pls", http.StatusFound))

	playlists := map[string]struct{ contentType, body string }{
		"/lists/station.pls": {"audio/x-scpls", "[playlist]\nNumberOfEntries=1\nFile1=../stream/utf8\nTitle1=PLS Radio\n"},
		"/lists/station.m3u": {"audio/x-mpegurl", "#EXTM3U\n#EXTINF:-1,M3U Radio\n" + "/stream/latin1\n"},
		"/lists/station.m3u8": {"application/vnd.apple.mpegurl",
			"#EXTM3U\n#EXTINF:-1,M3U8 Radio\n{{base}}/stream/utf8\n"},
		"/lists/station.xspf": {"application/xspf+xml", `<?xml version="1.0" encoding="UTF-8"?>
<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList>
<track><title>XSPF Radio</title><location>../stream/utf8</location></track></trackList></playlist>`},
		"/lists/station.asx": {"video/x-ms-asf", `<ASX version="3.0"><ENTRY><TITLE>ASX Radio</TITLE>
<REF HREF="/stream/utf8"/></ENTRY></ASX>`},
		"/lists/sniffed.txt":  {"text/plain", "[playlist]\nFile1=/stream/utf8\n"},
		"/lists/nested.pls":   {"audio/x-scpls", "[playlist]\nFile1=inner.m3u\n"},
		"/lists/inner.m3u":    {"audio/x-mpegurl", "inner.xspf\n"},
		"/lists/inner.xspf":   {"application/xspf+xml", `<playlist><trackList><track><location>/stream/utf8</location></track></trackList></playlist>`},
		"/lists/loop-a.m3u":   {"audio/x-mpegurl", "loop-b.m3u\n"},
		"/lists/loop-b.m3u":   {"audio/x-mpegurl", "loop-a.m3u\n"},
		"/lists/hls.m3u8":     {"application/vnd.apple.mpegurl", "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\nseg.ts\n"},
		"/lists/file.m3u":     {"audio/x-mpegurl", "file:///etc/passwd\n"},
		"/lists/private.pls":  {"audio/x-scpls", "[playlist]\nFile1=http://192.168.1.1/stream\n"},
		"/lists/fallback.pls": {"audio/x-scpls", "[playlist]\nFile1=/missing\nFile2=/stream/utf8\n"},
		"/lists/page.html":    {"text/html", "<!doctype html><title>Not a stream</title>"},
	}
	for i := range 10 {
		// deep0.m3u -> deep1.m3u -> ... -> deep9.m3u -> stream
		body := fmt.Sprintf("deep%d.m3u\n", i+1)
		if i == 9 {
			body = "/stream/utf8\n"
		}
		playlists[fmt.Sprintf("/lists/deep%d.m3u", i)] = struct{ contentType, body string }{"audio/x-mpegurl", body}
	}
	for path, pl := range playlists {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", pl.contentType)
			w.Write([]byte(strings.ReplaceAll(pl.body, "{{base}}", "http://"+r.Host)))
		})
	}

	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		rs.requests[r.URL.Path]++
		rs.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *radioServer) count(path string) int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.requests[path]
}

// icyBody interleaves data with metadata blocks every testMetaInt bytes.
// Block i carries titles[i] when there is one and is empty after.
func icyBody(data []byte, titles []string) []byte {
	var out bytes.Buffer
	for i := 0; len(data) > 0; i++ {
		n := min(testMetaInt, len(data))
		out.Write(data[:n])
		data = data[n:]
		if n < testMetaInt {
			break
		}
		if i >= len(titles) {
			out.WriteByte(0)
			continue
		}
		meta := "StreamTitle='" + titles[i] + "';"
		size := (len(meta) + 15) / 16
		out.WriteByte(byte(size))
		out.WriteString(meta)
		out.Write(make([]byte, size*16-len(meta)))
	}
	return out.Bytes()
}

func (rs *radioServer) serveICY(w http.ResponseWriter, r *http.Request, name string, titles []string) {
	w.Header().Set("Content-Type", "audio/mpeg")
	w.Header().Set("Icy-Name", name)
	w.Header().Set("Icy-Br", "64")
	if r.Header.Get("Icy-MetaData") != "1" {
		w.Write(rs.mp3)
		return
	}
	w.Header().Set("Icy-Metaint", fmt.Sprint(testMetaInt))
	w.Write(icyBody(rs.mp3, titles))
}

// serveDrop answers a resolve probe, then sends the first part of the MP3
// on one connection and drops it, then the rest on the next connection.
// Later connections fail with 503.
func (rs *radioServer) serveDrop(w http.ResponseWriter, r *http.Request) {
	hit := rs.dropHits.Add(1)
	w.Header().Set("Content-Type", "audio/mpeg")
	w.Header().Set("Icy-Metaint", fmt.Sprint(testMetaInt))
	// The second connection carries the first dropAt bytes of audio.
	switch hit {
	case 1:
		w.Write(icyBody(rs.mp3, nil)[:2000])
	case 2:
		w.Write(icyBody(rs.mp3[:dropAt], []string{"Before drop"}))
		http.NewResponseController(w).Flush()
		// End the connection without the final chunk: a dropped stream.
		panic(http.ErrAbortHandler)
	case 3:
		w.Header().Set("Icy-Metaint", "0")
		w.Write(rs.mp3[dropAt:])
	default:
		http.Error(w, "gone", http.StatusServiceUnavailable)
	}
}
