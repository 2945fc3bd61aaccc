package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/stream/playlist"
	"github.com/tonearm/tonearm/internal/netguard"
	"github.com/tonearm/tonearm/internal/ratelimit"
)

// newTestBackend returns a backend whose guard allows 127.0.0.0/8, the
// network of the test server, and nothing else beyond the defaults.
func newTestBackend(t *testing.T, opts Options) *Backend {
	t.Helper()
	guard := netguard.New(netguard.Options{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	limiter := ratelimit.New(ratelimit.Options{Rate: 100, Burst: 100, InitialInterval: 10 * time.Millisecond})
	opts.Guard = guard
	opts.Limiter = limiter
	if opts.ReconnectDelay == 0 {
		opts.ReconnectDelay = 10 * time.Millisecond
	}
	b, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// titleRecorder collects the titles a stream reports.
type titleRecorder struct {
	mu     sync.Mutex
	titles []string
}

func (r *titleRecorder) add(title string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.titles = append(r.titles, title)
}

func (r *titleRecorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.titles...)
}

// play resolves uri, opens it and reads n bytes of audio.
func play(t *testing.T, b *Backend, uri string, n int) ([]byte, []string) {
	t.Helper()
	ctx := context.Background()
	src, err := b.Resolve(ctx, uri)
	if err != nil {
		t.Fatalf("Resolve(%s): %v", uri, err)
	}
	if !src.Live {
		t.Fatal("stream source is not live")
	}
	var rec titleRecorder
	rc, err := src.Open(ctx, rec.add)
	if err != nil {
		t.Fatalf("Open(%s): %v", uri, err)
	}
	defer rc.Close()
	buf := make([]byte, n)
	if _, err := io.ReadFull(rc, buf); err != nil {
		t.Fatalf("read %d bytes of %s: %v", n, uri, err)
	}
	return buf, rec.get()
}

func TestStreamLatin1Titles(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{})

	audio, titles := play(t, b, rs.URL+"/stream/latin1", len(rs.mp3))

	if !bytes.Equal(audio, rs.mp3) {
		t.Fatal("audio differs from the MP3 served: metadata not stripped")
	}
	want := []string{"Café Ärger - Süß", "Naïve song"}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Fatalf("titles = %q, want %q", titles, want)
	}
}

func TestStreamUTF8Titles(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{})

	audio, titles := play(t, b, rs.URL+"/stream/utf8", len(rs.mp3))

	if !bytes.Equal(audio, rs.mp3) {
		t.Fatal("audio differs from the MP3 served: metadata not stripped")
	}
	want := []string{"Ünïcödé – ✓", "日本語"}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Fatalf("titles = %q, want %q", titles, want)
	}
}

func TestSourceFields(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{})
	uri := rs.URL + "/stream/utf8"

	src, err := b.Resolve(context.Background(), uri)
	if err != nil {
		t.Fatal(err)
	}
	if src.URI != uri {
		t.Errorf("URI = %s, want %s", src.URI, uri)
	}
	if src.Format != "audio/mpeg" {
		t.Errorf("Format = %q, want audio/mpeg", src.Format)
	}
}

func TestLookupName(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{})
	tests := []struct{ path, name string }{
		{"/stream/latin1", "Radio Café"},
		{"/stream/utf8", "Radio ✓"},
		{"/stream/plain", ""},
		{"/lists/page.html", ""},
	}
	for _, tc := range tests {
		tracks, err := b.Lookup(context.Background(), rs.URL+tc.path)
		if err != nil {
			t.Fatalf("Lookup(%s): %v", tc.path, err)
		}
		if len(tracks) != 1 {
			t.Fatalf("Lookup(%s) returned %d tracks, want 1", tc.path, len(tracks))
		}
		if tracks[0].URI != rs.URL+tc.path {
			t.Errorf("Lookup(%s) URI = %s", tc.path, tracks[0].URI)
		}
		if tracks[0].Name != tc.name {
			t.Errorf("Lookup(%s) name = %q, want %q", tc.path, tracks[0].Name, tc.name)
		}
	}
}

func TestLookupUsesPlaylistTitle(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{})

	tracks, err := b.Lookup(context.Background(), rs.URL+"/lists/deep9.m3u")
	if err != nil {
		t.Fatal(err)
	}
	// The stream's icy-name wins over a playlist title.
	if tracks[0].Name != "Radio ✓" {
		t.Fatalf("name = %q, want Radio ✓", tracks[0].Name)
	}
	if tracks[0].Bitrate != 64000 {
		t.Fatalf("bitrate = %d, want 64000", tracks[0].Bitrate)
	}
}

func TestLookupRejectsOtherSchemes(t *testing.T) {
	b := newTestBackend(t, Options{Schemes: []string{"http", "rtsp"}})
	if got := b.Backend().Schemes; len(got) != 1 || got[0] != "http" {
		t.Fatalf("schemes = %v, want [http]", got)
	}
	for _, uri := range []string{"https://radio.test/", "file:///etc/passwd", "http:///nohost"} {
		if _, err := b.Lookup(context.Background(), uri); err == nil {
			t.Errorf("Lookup(%s) succeeded", uri)
		}
	}
	_, err := b.Resolve(context.Background(), "https://radio.test/")
	if !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("Resolve of an unowned scheme = %v, want ErrNotFound", err)
	}
}

func TestPlaylistKinds(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{})
	tests := []struct {
		path   string
		stream string
	}{
		{"/lists/station.pls", "/stream/utf8"},
		{"/lists/station.m3u", "/stream/latin1"},
		{"/lists/station.m3u8", "/stream/utf8"},
		{"/lists/station.xspf", "/stream/utf8"},
		{"/lists/station.asx", "/stream/utf8"},
		{"/lists/sniffed.txt", "/stream/utf8"},
		{"/lists/nested.pls", "/stream/utf8"},
		{"/lists/fallback.pls", "/stream/utf8"},
		{"/redirect-ok", "/stream/utf8"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			st, err := b.resolve(context.Background(), rs.URL+tc.path)
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if st.url.String() != rs.URL+tc.stream {
				t.Fatalf("stream URL = %s, want %s", st.url, rs.URL+tc.stream)
			}
		})
	}
}

func TestPlaylistPlays(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{})

	audio, titles := play(t, b, rs.URL+"/lists/station.asx", len(rs.mp3))

	if !bytes.Equal(audio, rs.mp3) {
		t.Fatal("audio through a playlist differs from the MP3 served")
	}
	if len(titles) != 2 {
		t.Fatalf("titles = %q, want 2", titles)
	}
}

func TestPlaylistFailures(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{Timeout: time.Second, MaxPlaylistSize: 64 << 10})
	tests := []struct {
		path string
		want error
		text string
	}{
		{"/lists/loop-a.m3u", ErrPlaylistLoop, ""},
		{"/lists/hls.m3u8", playlist.ErrHLS, "HLS is not supported yet"},
		{"/lists/file.m3u", nil, `scheme "file"`},
		{"/lists/private.pls", netguard.ErrBlocked, ""},
		{"/lists/page.html", ErrNotAudio, ""},
		{"/lists/deep0.m3u", nil, "nested deeper than 5"},
		{"/huge.m3u", netguard.ErrTooLarge, ""},
		{"/hang.pls", context.DeadlineExceeded, "timed out"},
		{"/redirect-private", netguard.ErrBlocked, ""},
		{"/redirect-metadata", netguard.ErrBlocked, ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			_, err := b.Resolve(context.Background(), rs.URL+tc.path)
			if err == nil {
				t.Fatal("Resolve succeeded, want an error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if tc.text != "" && !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.text)
			}
		})
	}
}

func TestHangingHostDoesNotBlockOthers(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{Timeout: 3 * time.Second})

	hung := make(chan error, 1)
	go func() {
		_, err := b.Resolve(context.Background(), rs.URL+"/hang.pls")
		hung <- err
	}()
	// Wait until the hanging request has reached the server.
	for rs.count("/hang.pls") == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := b.Resolve(context.Background(), rs.URL+"/stream/utf8"); err != nil {
		t.Fatalf("Resolve of a working station while another hangs: %v", err)
	}
	select {
	case err := <-hung:
		t.Fatalf("hanging resolve returned early: %v", err)
	default:
	}
	if err := <-hung; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hanging resolve error = %v, want a timeout", err)
	}
}

func TestResolveHonoursCallerContext(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	_, err := b.Resolve(ctx, rs.URL+"/hang.pls")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want the caller's deadline", err)
	}
}

func TestRateLimitedStationRetried(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{})

	start := time.Now()
	audio, _ := play(t, b, rs.URL+"/stream/limited", len(rs.mp3))

	if !bytes.Equal(audio, rs.mp3) {
		t.Fatal("audio differs after the 429")
	}
	if n := rs.limitedHits.Load(); n != 3 {
		t.Fatalf("server got %d requests, want 3 (429, resolve, open)", n)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Fatalf("finished %v after start, want the 1s Retry-After honoured", waited)
	}
}

func TestStreamReconnectsAfterDrop(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{})

	audio, titles := play(t, b, rs.URL+"/stream/drop", len(rs.mp3))

	if !bytes.Equal(audio, rs.mp3) {
		t.Fatal("audio across the reconnect differs from the MP3 served")
	}
	if n := rs.dropHits.Load(); n != 3 {
		t.Fatalf("server got %d requests, want 3 (resolve, first, reconnect)", n)
	}
	if len(titles) != 1 || titles[0] != "Before drop" {
		t.Fatalf("titles = %q, want [Before drop]", titles)
	}
}

func TestStreamLostAfterMaxReconnects(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{MaxReconnects: 2})
	src, err := b.Resolve(context.Background(), rs.URL+"/stream/drop")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := src.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()

	data, err := io.ReadAll(rc)
	if !errors.Is(err, ErrStreamLost) {
		t.Fatalf("error = %v, want ErrStreamLost", err)
	}
	if !bytes.Equal(data, rs.mp3) {
		t.Fatalf("read %d bytes before the loss, want the %d of the MP3", len(data), len(rs.mp3))
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{ReadTimeout: time.Minute})
	src, err := b.Resolve(context.Background(), rs.URL+"/stream/stall")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := src.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, rc)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Read of a stalled stream returned before Close: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	rc.Close()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Read after Close = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read still blocked 10s after Close")
	}
}

func TestStalledStreamReconnects(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{ReadTimeout: 200 * time.Millisecond, MaxReconnects: 1})
	src, err := b.Resolve(context.Background(), rs.URL+"/stream/stall")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := src.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()

	data, err := io.ReadAll(rc)
	if !errors.Is(err, ErrStreamLost) {
		t.Fatalf("error = %v, want ErrStreamLost", err)
	}
	if len(data) != 4000 {
		t.Fatalf("read %d bytes, want 4000 (2000 from each of two connections)", len(data))
	}
	if n := rs.count("/stream/stall"); n != 3 {
		t.Fatalf("server got %d requests, want 3 (resolve, open, one reconnect)", n)
	}
}

func TestNewNeedsGuard(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without a guard succeeded")
	}
}

func TestLookupSkipsBlacklisted(t *testing.T) {
	rs := newRadioServer(t)
	b := newTestBackend(t, Options{MetadataBlacklist: []string{"http://127.0.0.1:*/stream/lat*"}})

	tracks, err := b.Lookup(context.Background(), rs.URL+"/stream/latin1")
	if err != nil {
		t.Fatal(err)
	}
	if tracks[0].Name != "" {
		t.Fatalf("name = %q, want none for a blacklisted URI", tracks[0].Name)
	}
	if n := rs.count("/stream/latin1"); n != 0 {
		t.Fatalf("server got %d requests for a blacklisted URI, want 0", n)
	}
	tracks, err = b.Lookup(context.Background(), rs.URL+"/stream/utf8")
	if err != nil {
		t.Fatal(err)
	}
	if tracks[0].Name != "Radio ✓" {
		t.Fatalf("name = %q for a URI not blacklisted", tracks[0].Name)
	}
}

func TestShoutcastStatusLine(t *testing.T) {
	mp3 := readToneMP3(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				// Read the request head before answering, as a server does.
				buf := make([]byte, 4096)
				conn.Read(buf)
				fmt.Fprintf(conn, "ICY 200 OK\r\nicy-name: Old School\r\nicy-metaint: %d\r\ncontent-type: audio/mpeg\r\n\r\n", testMetaInt)
				conn.Write(icyBody(mp3, []string{"SHOUTcast 1"}))
			}()
		}
	}()
	b := newTestBackend(t, Options{})

	tracks, err := b.Lookup(context.Background(), "http://"+ln.Addr().String()+"/")
	if err != nil {
		t.Fatal(err)
	}
	if tracks[0].Name != "Old School" {
		t.Fatalf("name = %q, want Old School", tracks[0].Name)
	}
	audio, titles := play(t, b, "http://"+ln.Addr().String()+"/", len(mp3))
	if !bytes.Equal(audio, mp3) {
		t.Fatal("audio from an ICY server differs from the MP3 sent")
	}
	if len(titles) != 1 || titles[0] != "SHOUTcast 1" {
		t.Fatalf("titles = %q", titles)
	}
}

func TestDefaultGuardRejectsLoopbackStation(t *testing.T) {
	rs := newRadioServer(t)
	b, err := New(Options{Guard: netguard.New(netguard.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Resolve(context.Background(), rs.URL+"/stream/utf8")
	if !errors.Is(err, netguard.ErrBlocked) {
		t.Fatalf("error = %v, want ErrBlocked", err)
	}
	if n := rs.count("/stream/utf8"); n != 0 {
		t.Fatalf("server got %d requests, want 0", n)
	}
}
