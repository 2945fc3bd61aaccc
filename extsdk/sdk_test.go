package extsdk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

type testBackend struct{}

func (testBackend) Browse(ctx context.Context, uri string) ([]Ref, error) {
	return []Ref{{URI: "t:1", Name: "one", Type: RefTrack}}, nil
}

func (testBackend) Lookup(ctx context.Context, uri string) ([]Track, error) {
	if uri != "t:1" {
		return nil, ErrNotFound
	}
	return []Track{{URI: uri, Name: "one"}}, nil
}

func (testBackend) Search(ctx context.Context, q Query, uris []string, exact bool) (SearchResult, error) {
	return SearchResult{}, nil
}

func (testBackend) Open(ctx context.Context, uri string) (io.ReadCloser, string, error) {
	return io.NopCloser(strings.NewReader("audio bytes")), "wav", nil
}

// fakeServer is the server's end of the pipe.
type fakeServer struct {
	t   *testing.T
	in  io.Writer
	out *bufio.Scanner
}

func (s *fakeServer) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		s.t.Fatal(err)
	}
}

func (s *fakeServer) receive() map[string]json.RawMessage {
	s.t.Helper()
	if !s.out.Scan() {
		s.t.Fatalf("extension closed its output: %v", s.out.Err())
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(s.out.Bytes(), &m); err != nil {
		s.t.Fatalf("extension sent %q: %v", s.out.Text(), err)
	}
	return m
}

func startFake(t *testing.T, o Options) (*fakeServer, chan error) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	o.In, o.Out = inR, outW
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), o); outW.Close() }()
	t.Cleanup(func() { inW.Close() })
	sc := bufio.NewScanner(outR)
	sc.Buffer(make([]byte, 64<<10), MaxMessage+1)
	return &fakeServer{t: t, in: inW, out: sc}, done
}

func TestServeBackend(t *testing.T) {
	events := make(chan Event, 1)
	s, _ := startFake(t, Options{
		Root:    &Ref{URI: "t:", Name: "T", Type: RefDirectory},
		Backend: testBackend{},
		OnEvent: func(ctx context.Context, x *Extension, e Event) { events <- e },
	})
	s.send(`{"jsonrpc":"2.0","id":1,"method":"extension.initialize","params":{"name":"t","version":"1","scopes":["library:read"]}}`)
	if got := string(s.receive()["result"]); !strings.Contains(got, `"uri":"t:"`) {
		t.Errorf("initialize result %s lacks the root", got)
	}
	s.send(`{"jsonrpc":"2.0","id":2,"method":"library.lookup","params":{"uri":"t:9"}}`)
	if got := string(s.receive()["result"]); got != "[]" {
		t.Errorf("lookup of an unknown URI = %s, want []", got)
	}
	s.send(`{"jsonrpc":"2.0","id":3,"method":"playback.open","params":{"uri":"t:1"}}`)
	var open struct{ Stream uint64 }
	if err := json.Unmarshal(s.receive()["result"], &open); err != nil || open.Stream == 0 {
		t.Fatalf("open: stream %d, %v", open.Stream, err)
	}
	s.send(`{"jsonrpc":"2.0","id":4,"method":"playback.read","params":{"stream":1,"size":1024}}`)
	var chunk struct {
		Data []byte
		EOF  bool
	}
	if err := json.Unmarshal(s.receive()["result"], &chunk); err != nil || string(chunk.Data) != "audio bytes" || !chunk.EOF {
		t.Errorf("read = %q eof %v, %v", chunk.Data, chunk.EOF, err)
	}
	s.send(`{"jsonrpc":"2.0","method":"event","params":{"volume":5,"event":"volume_changed"}}`)
	select {
	case e := <-events:
		if e.Name != "volume_changed" {
			t.Errorf("event name %q", e.Name)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnEvent not called")
	}
}

func TestCallCore(t *testing.T) {
	started := make(chan *Extension, 1)
	s, _ := startFake(t, Options{OnStart: func(ctx context.Context, x *Extension) { started <- x }})
	s.send(`{"jsonrpc":"2.0","id":1,"method":"extension.initialize","params":{"name":"t"}}`)
	s.receive()
	x := <-started
	result := make(chan string, 1)
	go func() {
		var v string
		if err := x.Call(context.Background(), "core.get_version", nil, &v); err != nil {
			result <- "error: " + err.Error()
			return
		}
		result <- v
	}()
	req := s.receive()
	if string(req["method"]) != `"core.get_version"` {
		t.Fatalf("request %v", req)
	}
	s.send(`{"jsonrpc":"2.0","id":` + string(req["id"]) + `,"result":"1.2.3"}`)
	if got := <-result; got != "1.2.3" {
		t.Errorf("Call returned %q", got)
	}
	go func() {
		err := x.Call(context.Background(), "core.tracklist.clear", nil, nil)
		if err == nil {
			result <- "no error"
			return
		}
		result <- err.Error()
	}()
	req = s.receive()
	s.send(`{"jsonrpc":"2.0","id":` + string(req["id"]) + `,"error":{"code":0,"message":"permission denied"}}`)
	if got := <-result; !strings.Contains(got, "permission denied") {
		t.Errorf("denied Call returned %q", got)
	}
}

func TestServeRejectsHugeMessage(t *testing.T) {
	s, done := startFake(t, Options{})
	go s.send(string(bytes.Repeat([]byte("x"), MaxMessage+10)))
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "exceeds") {
			t.Errorf("Serve returned %v, want a size error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve kept reading a message over the limit")
	}
}

func TestSineWAVHeader(t *testing.T) {
	wav := SineWAV(440, 100, 8000)
	if string(wav[:4]) != "RIFF" || string(wav[8:12]) != "WAVE" || len(wav) != 44+2*800 {
		t.Errorf("WAV header %q, length %d", wav[:12], len(wav))
	}
}
