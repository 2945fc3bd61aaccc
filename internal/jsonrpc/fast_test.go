package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"
)

// requestSamples are request bodies for the fast and the slow decoder.
var requestSamples = []string{
	`{"jsonrpc":"2.0","id":1,"method":"core.playback.get_state"}`,
	`{"jsonrpc":"2.0","id":1,"method":"core.playback.get_state","params":{}}`,
	` { "method" : "core.mixer.set_volume" , "params" : {"volume": 5} , "id" : "x\"y" , "jsonrpc" : "2.0" } `,
	`{"jsonrpc":"2.0","method":"core.playback.stop"}`,
	`{"jsonrpc":"2.0","id":null,"method":null,"params":null}`,
	`{"jsonrpc":"2.0","id":[1],"method":"a","params":[1,{"a":"]"}]}`,
	`{"jsonrpc":"2.0","id":-1.5e3,"method":"a"}`,
	`{}`,
	`{"Method":"core.playback.stop","jsonrpc":"2.0","id":1}`,
	`{"method":"a","method":"b","jsonrpc":"2.0","id":1}`,
	`{"method":"caf\u00e9","jsonrpc":"2.0","id":1}`,
	`{"method":"café","jsonrpc":"2.0","id":1}`,
	`{"method":1,"jsonrpc":"2.0","id":1}`,
	`{"jsonrpc":2.0,"method":"a","id":1}`,
	`{"jsonrpc":"2.0","method":"a","id":1,"extra":true}`,
	`{"jsonrpc":"2.0","method":"a","id":1`,
	`{"jsonrpc":"2.0","method":"a","id":01}`,
	`{"jsonrpc":"2.0","method":"a\x01","id":1}`,
	`[]`,
	`"x"`,
}

func TestDecodeRequestMatchesEncodingJSON(t *testing.T) {
	for _, in := range requestSamples {
		checkDecodeRequest(t, []byte(in))
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, in := range requestSamples {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDecodeRequest(t, in)
	})
}

// checkDecodeRequest fails when the fast decoder accepts in and disagrees
// with encoding/json.
func checkDecodeRequest(t *testing.T, in []byte) {
	t.Helper()
	var fast parsedRequest
	if !decodeRequest(in, &fast) {
		return
	}
	slow, err := decodeRequestSlow(in)
	if err != nil {
		t.Fatalf("%s: fast decoder accepted input that encoding/json rejects: %v", in, err)
	}
	if !bytes.Equal(fast.jsonrpc, slow.jsonrpc) || !bytes.Equal(fast.method, slow.method) || fast.hasMethod != slow.hasMethod ||
		!bytes.Equal(fast.params, slow.params) || (fast.params == nil) != (slow.params == nil) ||
		!bytes.Equal(fast.id, slow.id) || (fast.id == nil) != (slow.id == nil) {
		t.Errorf("%s: fast decoder returned %+v, encoding/json %+v", in, fast, slow)
	}
}

func TestDecodeRequestTakesCommonShapes(t *testing.T) {
	for _, in := range requestSamples[:7] {
		var c parsedRequest
		if !decodeRequest([]byte(in), &c) {
			t.Errorf("%s: fast decoder fell back to encoding/json", in)
		}
	}
}

type state string

type marshalled int

func (marshalled) MarshalJSON() ([]byte, error) { return []byte(`"custom"`), nil }

type texted string

func (texted) MarshalText() ([]byte, error) { return []byte("text"), nil }

func TestAppendSuccessMatchesMarshal(t *testing.T) {
	var nilInt *int
	seven := 7
	results := []any{
		nil, true, false, 0, -12, int8(-3), int64(math.MaxInt64), uint8(200), uint64(math.MaxUint64),
		"stopped", state("playing"), "", "a<b", "a\"b", "tab\t", "café", "\u2028",
		nilInt, &seven, (*struct{})(nil), marshalled(1), texted("x"), json.Number("12"),
		1.5, []string{"a"}, map[string]int{"a": 1}, time.Duration(5),
	}
	ids := []string{`1`, `-3`, `"abc"`, `null`, `"a<b"`, `1e2`, `"x\"y"`, `"caf\u00e9"`, `"café"`}
	for _, id := range ids {
		for _, result := range results {
			want := mustMarshal(Response{JSONRPC: "2.0", ID: json.RawMessage(id), Result: result})
			got, ok := appendSuccess([]byte("prefix"), json.RawMessage(id), result)
			if !bytes.HasPrefix(got, []byte("prefix")) {
				t.Fatalf("id %s, result %#v: appendSuccess dropped dst: %s", id, result, got)
			}
			if ok && !bytes.Equal(got[len("prefix"):], want) {
				t.Errorf("id %s, result %#v: appendSuccess wrote %s, json.Marshal %s", id, result, got[len("prefix"):], want)
			}
			if !ok && len(got) != len("prefix") {
				t.Errorf("id %s, result %#v: appendSuccess declined but left %s", id, result, got)
			}
		}
	}
}

func TestAppendSuccessTakesCommonResults(t *testing.T) {
	for _, result := range []any{nil, true, 3, "stopped", state("paused"), (*int)(nil)} {
		if _, ok := appendSuccess(nil, json.RawMessage("1"), result); !ok {
			t.Errorf("result %#v: appendSuccess fell back to encoding/json", result)
		}
	}
}

func TestAppendReplyKeepsPrefixAndSkipsNotifications(t *testing.T) {
	d := testDispatcher(t)
	ctx := context.Background()
	out := d.AppendReply(ctx, []byte("x"), []byte(`{"jsonrpc":"2.0","id":3,"method":"core.mixer.set_volume","params":[50]}`))
	if string(out) != `x{"jsonrpc":"2.0","id":3,"result":true}` {
		t.Errorf("reply %s", out)
	}
	out = d.AppendReply(ctx, []byte("x"), []byte(`{"jsonrpc":"2.0","method":"core.playback.stop"}`))
	if string(out) != "x" {
		t.Errorf("notification got reply %s", out)
	}
}

func FuzzAppendSuccess(f *testing.F) {
	f.Add(`1`, "stopped", int64(3))
	f.Add(`"a<b"`, "a&b", int64(-1))
	f.Fuzz(func(t *testing.T, id, s string, n int64) {
		if !json.Valid([]byte(id)) {
			return
		}
		for _, result := range []any{s, state(s), n} {
			want := mustMarshal(Response{JSONRPC: "2.0", ID: json.RawMessage(id), Result: result})
			if got, ok := appendSuccess(nil, json.RawMessage(id), result); ok && !bytes.Equal(got, want) {
				t.Errorf("id %s, result %#v: appendSuccess wrote %s, json.Marshal %s", id, result, got, want)
			}
		}
	})
}
