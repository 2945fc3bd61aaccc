package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestScanReply(t *testing.T) {
	cases := []struct {
		in   string
		want reply
	}{
		{`{"jsonrpc":"2.0","id":7,"result":"stopped"}`, reply{id: 7, hasID: true, hasResult: true}},
		{` { "jsonrpc" : "2.0" , "id" : 7 , "result" : null } `, reply{id: 7, hasID: true, hasResult: true}},
		{`{"result":{"id":3,"a":[1,{"b":"}"}]},"id":12}`, reply{id: 12, hasID: true, hasResult: true}},
		{`{"jsonrpc":"2.0","id":"7","result":1}`, reply{hasResult: true}},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":0,"message":"x\"y"}}`, reply{id: 1, hasID: true, hasError: true}},
		{`{"event":"volume_changed","volume":40}`, reply{isEvent: true}},
		{`{}`, reply{}},
	}
	for _, c := range cases {
		got, err := scanReply([]byte(c.in))
		if err != nil {
			t.Errorf("scanReply(%s): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("scanReply(%s) = %+v, expected %+v", c.in, got, c.want)
		}
	}
}

func TestScanReplyRejectsInvalidInput(t *testing.T) {
	for _, in := range []string{``, `[]`, `{"id":1`, `{"id":1,}`, `{"id" 1}`, `{"id":1} x`, `{"a":"b}`, `{"a":[1,2}`, `{id:1}`,
		strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100)} {
		if _, err := scanReply([]byte(in)); err == nil {
			t.Errorf("scanReply(%q) returned no error", in)
		}
	}
}

func TestCheckSuccess(t *testing.T) {
	if err := checkSuccess([]byte(`{"jsonrpc":"2.0","id":3,"result":0}`), 3); err != nil {
		t.Errorf("success reply: %v", err)
	}
	for _, in := range []string{
		`{"jsonrpc":"2.0","id":4,"result":0}`,
		`{"jsonrpc":"2.0","id":3,"error":{"code":-32601}}`,
		`{"jsonrpc":"2.0","id":3}`,
		`{"jsonrpc":"2.0","result":0}`,
	} {
		if err := checkSuccess([]byte(in), 3); err == nil {
			t.Errorf("checkSuccess(%s, 3) returned no error", in)
		}
	}
}

// rpcServer replies to POST /mopidy/rpc and /mopidy/ws with reply(id), where
// id is the request's id.
func rpcServer(t *testing.T, reply func(id json.RawMessage) string) target {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /mopidy/rpc", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ ID json.RawMessage }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		body := reply(req.ID)
		if r.URL.Query().Has("chunked") {
			w.(http.Flusher).Flush() // forces chunked encoding
		}
		fmt.Fprint(w, body)
	})
	mux.HandleFunc("GET /mopidy/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		ctx := r.Context()
		// The pong arrives through the Read loop below.
		go func() { _ = conn.Ping(ctx) }()
		for {
			_, msg, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var req struct{ ID json.RawMessage }
			if json.Unmarshal(msg, &req) != nil {
				return
			}
			if err := conn.Write(ctx, websocket.MessageText, []byte(`{"event":"tracklist_changed"}`)); err != nil {
				return
			}
			if err := conn.Write(ctx, websocket.MessageText, []byte(reply(req.ID))); err != nil {
				return
			}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return target{name: "test", url: srv.URL}
}

func success(id json.RawMessage) string {
	return `{"jsonrpc": "2.0", "id": ` + string(id) + `, "result": "stopped"}`
}

func TestPostConnCountsSuccess(t *testing.T) {
	tg := rpcServer(t, success)
	c := newPostConn(tg, "core.playback.get_state", 1, time.Now().Add(time.Minute))
	defer c.close()
	for i := range 3 {
		if err := c.call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

func TestPostConnReadsChunkedBody(t *testing.T) {
	tg := rpcServer(t, success)
	c := newPostConn(tg, "core.playback.get_state", 1, time.Now().Add(time.Minute))
	defer c.close()
	c.request = []byte(strings.Replace(string(c.request), "/mopidy/rpc", "/mopidy/rpc?chunked", 1))
	for i := range 2 {
		if err := c.call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

func TestPostConnRejectsErrors(t *testing.T) {
	replies := map[string]func(json.RawMessage) string{
		"error": func(id json.RawMessage) string {
			return `{"jsonrpc":"2.0","id":` + string(id) + `,"error":{"code":-32601,"message":"Method not found"}}`
		},
		"wrong id": func(json.RawMessage) string { return `{"jsonrpc":"2.0","id":2,"result":"stopped"}` },
		"not JSON": func(json.RawMessage) string { return `stopped` },
	}
	for name, reply := range replies {
		c := newPostConn(rpcServer(t, reply), "core.playback.get_state", 1, time.Now().Add(time.Minute))
		if err := c.call(); err == nil {
			t.Errorf("%s: call returned no error", name)
		}
		c.close()
	}
}

func TestPostRateFailsOnErrorReply(t *testing.T) {
	tg := rpcServer(t, func(id json.RawMessage) string {
		return `{"jsonrpc":"2.0","id":` + string(id) + `,"error":{"code":0,"message":"Application error"}}`
	})
	if _, err := postRate(tg, "core.playback.get_state", settings{duration: time.Minute, maxCalls: 10, clients: 2}); err == nil {
		t.Error("postRate returned no error")
	}
}

func TestSocketRateCountsEveryCall(t *testing.T) {
	tg := rpcServer(t, success)
	rate, err := socketRate(tg, "core.playback.get_state", settings{duration: time.Minute, maxCalls: 500, window: 8})
	if err != nil {
		t.Fatal(err)
	}
	if rate <= 0 {
		t.Errorf("rate %f, expected a positive rate", rate)
	}
}

func TestSocketRateFailsOnBadReply(t *testing.T) {
	replies := map[string]func(json.RawMessage) string{
		"error": func(id json.RawMessage) string {
			return `{"jsonrpc":"2.0","id":` + string(id) + `,"error":{"code":0,"message":"Application error"}}`
		},
		"unknown id":  func(json.RawMessage) string { return `{"jsonrpc":"2.0","id":100000,"result":"stopped"}` },
		"repeated id": func(json.RawMessage) string { return `{"jsonrpc":"2.0","id":1,"result":"stopped"}` },
	}
	for name, reply := range replies {
		_, err := socketRate(rpcServer(t, reply), "core.playback.get_state", settings{duration: time.Minute, maxCalls: 50, window: 4})
		if err == nil {
			t.Errorf("%s: socketRate returned no error", name)
		}
	}
}

func TestWebSocketFramesReachLibraryServer(t *testing.T) {
	ctx := context.Background()
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		conn.SetReadLimit(1 << 20)
		_, msg, err := conn.Read(ctx)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(msg)
	}))
	defer srv.Close()
	conn, err := dialWebSocket(target{url: srv.URL}, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.close()
	long := strings.Repeat("x", 70000)
	if err := conn.write(appendFrame(nil, opText, []byte(long))); err != nil {
		t.Fatal(err)
	}
	if msg := <-got; msg != long {
		t.Errorf("server read %q, expected %d bytes of x", truncate([]byte(msg)), len(long))
	}
}
