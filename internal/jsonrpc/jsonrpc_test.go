package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

type validationError string

func (e validationError) Error() string  { return string(e) }
func (e validationError) Kind() string   { return "ValidationError" }
func (e validationError) Public() string { return string(e) }

func testDispatcher(t *testing.T) *Dispatcher {
	t.Helper()
	methods := []Method{
		{
			Name: "core.mixer.set_volume", Description: "Set the volume.",
			Params: []Param{{Name: "volume"}},
			Call: func(_ context.Context, args []json.RawMessage) (any, error) {
				var v int
				if err := json.Unmarshal(args[0], &v); err != nil {
					return nil, validationError("volume must be an integer")
				}
				return v >= 0 && v <= 100, nil
			},
		},
		{
			Name: "core.playback.play", Description: "Play.",
			Params: []Param{{Name: "tl_track", Default: json.RawMessage("null")}, {Name: "tlid", Default: json.RawMessage("null")}},
			Call: func(_ context.Context, args []json.RawMessage) (any, error) {
				return string(args[0]) + "," + string(args[1]), nil
			},
		},
		{
			Name: "core.playback.stop",
			Call: func(context.Context, []json.RawMessage) (any, error) { return nil, nil },
		},
		{
			Name: "core.library.refresh",
			Call: func(context.Context, []json.RawMessage) (any, error) {
				return nil, errors.New("open /home/user/secret.db: permission denied")
			},
		},
	}
	d, err := New(methods, Options{MaxBatch: 3})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func call(t *testing.T, d *Dispatcher, body string) map[string]any {
	t.Helper()
	out := d.Handle(context.Background(), []byte(body))
	if out == nil {
		t.Fatalf("no reply to %s", body)
	}
	var reply map[string]any
	if err := json.Unmarshal(out, &reply); err != nil {
		t.Fatalf("reply %s: %v", out, err)
	}
	return reply
}

func errorCode(reply map[string]any) float64 {
	e, ok := reply["error"].(map[string]any)
	if !ok {
		return 1
	}
	return e["code"].(float64)
}

func TestHandleErrorCodes(t *testing.T) {
	d := testDispatcher(t)
	cases := []struct {
		name string
		body string
		code float64
	}{
		{"parse error", `{"jsonrpc":`, CodeParseError},
		{"missing version", `{"method":"core.playback.stop","id":1}`, CodeInvalidRequest},
		{"method not string", `{"jsonrpc":"2.0","method":1,"id":1}`, CodeInvalidRequest},
		{"method in upper case", `{"jsonrpc":"2.0","METHOD":"core.playback.stop","id":1}`, CodeInvalidRequest},
		{"version in title case", `{"Jsonrpc":"2.0","method":"core.playback.stop","id":1}`, CodeInvalidRequest},
		{"method repeated in other case", `{"jsonrpc":"2.0","method":"core.nope","Method":"core.playback.stop","id":1}`, CodeMethodNotFound},
		{"repeated method last wins", `{"jsonrpc":"2.0","method":"core.playback.stop","method":"core.nope","id":1}`, CodeMethodNotFound},
		{"unknown method", `{"jsonrpc":"2.0","method":"core.nope","id":1}`, CodeMethodNotFound},
		{"private method", `{"jsonrpc":"2.0","method":"core.playback._secret","id":1}`, CodeMethodNotFound},
		{"too many positional", `{"jsonrpc":"2.0","method":"core.mixer.set_volume","params":[1,2],"id":1}`, CodeInvalidParams},
		{"unknown named", `{"jsonrpc":"2.0","method":"core.mixer.set_volume","params":{"vol":1},"id":1}`, CodeInvalidParams},
		{"missing required", `{"jsonrpc":"2.0","method":"core.mixer.set_volume","id":1}`, CodeInvalidParams},
		{"params not container", `{"jsonrpc":"2.0","method":"core.mixer.set_volume","params":5,"id":1}`, CodeInvalidParams},
		{"empty batch", `[]`, CodeInvalidRequest},
		{"batch over limit", `[1,2,3,4]`, CodeInvalidRequest},
		{"application error", `{"jsonrpc":"2.0","method":"core.mixer.set_volume","params":["x"],"id":1}`, CodeApplication},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := errorCode(call(t, d, c.body)); got != c.code {
				t.Errorf("code = %v, want %v", got, c.code)
			}
		})
	}
}

func TestHandlePositionalAndNamed(t *testing.T) {
	d := testDispatcher(t)
	pos := call(t, d, `{"jsonrpc":"2.0","method":"core.playback.play","params":[null,7],"id":"a"}`)
	if pos["result"] != "null,7" {
		t.Errorf("positional result = %v", pos["result"])
	}
	named := call(t, d, `{"jsonrpc":"2.0","method":"core.playback.play","params":{"tlid":7},"id":"a"}`)
	if named["result"] != "null,7" {
		t.Errorf("named result = %v", named["result"])
	}
	if named["id"] != "a" {
		t.Errorf("id = %v, want a", named["id"])
	}
}

func TestHandleNullResultPresent(t *testing.T) {
	d := testDispatcher(t)
	out := string(d.Handle(context.Background(), []byte(`{"jsonrpc":"2.0","method":"core.playback.stop","id":1}`)))
	if !strings.Contains(out, `"result":null`) {
		t.Errorf("reply %s lacks result null", out)
	}
}

func TestHandleNotificationsGetNoReply(t *testing.T) {
	d := testDispatcher(t)
	if out := d.Handle(context.Background(), []byte(`{"jsonrpc":"2.0","method":"core.playback.stop"}`)); out != nil {
		t.Errorf("notification got reply %s", out)
	}
	if out := d.Handle(context.Background(), []byte(`[{"jsonrpc":"2.0","method":"core.playback.stop"}]`)); out != nil {
		t.Errorf("batch of notifications got reply %s", out)
	}
	if out := d.Handle(context.Background(), []byte("  ")); out != nil {
		t.Errorf("empty body got reply %s", out)
	}
}

func TestHandleBatch(t *testing.T) {
	d := testDispatcher(t)
	out := d.Handle(context.Background(), []byte(`[
		{"jsonrpc":"2.0","method":"core.mixer.set_volume","params":[50],"id":1},
		{"jsonrpc":"2.0","method":"core.playback.stop"},
		{"jsonrpc":"2.0","method":"core.nope","id":2}]`))
	var replies []map[string]any
	if err := json.Unmarshal(out, &replies); err != nil {
		t.Fatal(err)
	}
	if len(replies) != 2 {
		t.Fatalf("got %d replies, want 2: %s", len(replies), out)
	}
	if replies[0]["result"] != true {
		t.Errorf("first result = %v", replies[0]["result"])
	}
	if errorCode(replies[1]) != CodeMethodNotFound {
		t.Errorf("second reply = %v", replies[1])
	}
}

func TestInternalErrorHidesDetail(t *testing.T) {
	d := testDispatcher(t)
	out := string(d.Handle(context.Background(), []byte(`{"jsonrpc":"2.0","method":"core.library.refresh","id":1}`)))
	if strings.Contains(out, "/home/user") || strings.Contains(out, "permission denied") {
		t.Errorf("reply leaks the internal error: %s", out)
	}
	if !strings.Contains(out, `"request_id"`) {
		t.Errorf("reply lacks a request id: %s", out)
	}
}

func TestNewRejectsPrivateAndDuplicateNames(t *testing.T) {
	noop := func(context.Context, []json.RawMessage) (any, error) { return nil, nil }
	if _, err := New([]Method{{Name: "core._private", Call: noop}}, Options{}); err == nil {
		t.Error("private method accepted")
	}
	if _, err := New([]Method{{Name: "a.b", Call: noop}, {Name: "a.b", Call: noop}}, Options{}); err == nil {
		t.Error("duplicate method accepted")
	}
}

func TestDescribeListsParams(t *testing.T) {
	d := testDispatcher(t)
	b, err := json.Marshal(d.Describe())
	if err != nil {
		t.Fatal(err)
	}
	want := `"core.playback.play":{"description":"Play.","params":[{"default":null,"name":"tl_track"},{"default":null,"name":"tlid"}]}`
	if !strings.Contains(string(b), want) {
		t.Errorf("describe = %s\nlacks %s", b, want)
	}
}

func FuzzHandle(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","method":"core.playback.play","params":[null,1],"id":1}`))
	f.Add([]byte(`[{"jsonrpc":"2.0","method":"core.mixer.set_volume","params":{"volume":3},"id":"x"}]`))
	f.Add([]byte(`{"jsonrpc":"2.0","method":"core.playback.stop","id":{}}`))
	f.Add([]byte(`[{"jsonrpc":"2.0","method":"core.playback.play","id":7},{"jsonrpc":"2.0","method":"core.playback.play"}]`))
	d, err := New([]Method{{
		Name: "core.playback.play", Params: []Param{{Name: "tl_track", Default: json.RawMessage("null")}},
		Call: func(context.Context, []json.RawMessage) (any, error) { return nil, nil },
	}}, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out := d.Handle(context.Background(), body)
		if out == nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON reply %q to %q", out, body)
		}
		var batch []json.RawMessage
		if err := json.Unmarshal(out, &batch); err != nil {
			checkFuzzResponse(t, body, out)
			return
		}
		var items []json.RawMessage
		if err := json.Unmarshal(bytes.TrimSpace(body), &items); err != nil {
			t.Fatalf("batch reply %q to %q, which is not a batch", out, body)
		}
		if len(batch) == 0 || len(batch) > len(items) {
			t.Fatalf("%d responses to a batch of %d requests: %q", len(batch), len(items), body)
		}
		for _, resp := range batch {
			checkFuzzResponse(t, body, resp)
		}
	})
}

// checkFuzzResponse checks that resp is one JSON-RPC 2.0 response object:
// version "2.0", an id that is null, a string or a number, and exactly one
// of result and error.
func checkFuzzResponse(t *testing.T, body, resp []byte) {
	t.Helper()
	var members map[string]json.RawMessage
	if err := json.Unmarshal(resp, &members); err != nil {
		t.Fatalf("response %q to %q is not an object: %v", resp, body, err)
	}
	if string(members["jsonrpc"]) != `"2.0"` {
		t.Fatalf("response %q to %q lacks jsonrpc 2.0", resp, body)
	}
	id, ok := members["id"]
	if !ok || len(id) == 0 || !strings.ContainsRune(`"n-0123456789`, rune(id[0])) {
		t.Fatalf("response %q to %q has an id that is not null, a string or a number", resp, body)
	}
	_, hasResult := members["result"]
	_, hasError := members["error"]
	if hasResult == hasError {
		t.Fatalf("response %q to %q must carry exactly one of result and error", resp, body)
	}
}
