package wire

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestDecodeShapes(t *testing.T) {
	cases := []struct {
		line string
		ok   bool
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"core.get_version"}`, true},
		{`{"jsonrpc":"2.0","method":"log","params":{"message":"x"}}`, true},
		{`{"jsonrpc":"2.0","id":"a","result":null}`, true},
		{`{"jsonrpc":"2.0","id":2,"error":{"code":1,"message":"x"}}`, true},
		{`{"jsonrpc":"1.0","id":1,"method":"x"}`, false},
		{`{"jsonrpc":"2.0","id":1}`, false},
		{`{"jsonrpc":"2.0","id":1,"method":"x","result":1}`, false},
		{`{"jsonrpc":"2.0","result":1}`, false},
		{`{"jsonrpc":"2.0","id":{},"method":"x"}`, false},
		{`{"jsonrpc":"2.0","id":1,"method":"x","params":3}`, false},
		{`{"jsonrpc":"2.0","id":1,"method":"x","extra":1}`, false},
		{`{"jsonrpc":"2.0","id":1,"method":"x"} {}`, false},
		{`[{"jsonrpc":"2.0","id":1,"method":"x"}]`, false},
		{`not json`, false},
		{`{"jsonrpc":"2.0","id":1,"method":"` + strings.Repeat("m", 200) + `"}`, false},
	}
	for _, tc := range cases {
		_, err := Decode([]byte(tc.line))
		if (err == nil) != tc.ok {
			t.Errorf("Decode(%.60s) = %v, want ok %v", tc.line, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%.60s) error %v does not match ErrMalformed", tc.line, err)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	req, err := NewRequest(7, "library.lookup", map[string]string{"uri": "hello:1"})
	if err != nil {
		t.Fatal(err)
	}
	line, err := Encode(req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
		t.Fatalf("encoded %q is not one line", line)
	}
	got, err := Decode(line)
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := got.IntID(); !ok || id != 7 || !got.IsRequest() {
		t.Errorf("decoded id %s request %v", got.ID, got.IsRequest())
	}
}

func TestReaderLimit(t *testing.T) {
	msg := `{"jsonrpc":"2.0","method":"log"}` + "\n"
	big := strings.Repeat("x", 200<<10) + "\n"
	r := NewReader(strings.NewReader(msg+big+msg), 100<<10)
	if _, err := r.Read(); err != nil {
		t.Fatalf("first message: %v", err)
	}
	if _, err := r.ReadLine(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("line of 200 KiB under a 100 KiB limit: err %v, want ErrTooLarge", err)
	}
}

func TestReaderUnterminated(t *testing.T) {
	r := NewReader(strings.NewReader(`{"jsonrpc":"2.0"`), 0)
	if _, err := r.ReadLine(); !errors.Is(err, ErrMalformed) {
		t.Errorf("unterminated line: err %v, want ErrMalformed", err)
	}
	r = NewReader(strings.NewReader(""), 0)
	if _, err := r.ReadLine(); !errors.Is(err, io.EOF) {
		t.Errorf("empty stream: err %v, want EOF", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"core.get_version"}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":"x","error":{"code":0,"message":"m"}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","method":"event","params":{"event":"seeked"}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		m, err := Decode(line)
		if err != nil {
			return
		}
		out, err := Encode(m)
		if err != nil {
			t.Fatalf("Decode accepted %q but Encode rejects it: %v", line, err)
		}
		if _, err := Decode(out); err != nil {
			t.Fatalf("re-encoded %q does not decode: %v", out, err)
		}
	})
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("{\"jsonrpc\":\"2.0\",\"method\":\"log\"}\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), 256)
		for i := 0; i < 100; i++ {
			line, err := r.ReadLine()
			if err != nil {
				return
			}
			if len(line) > 256 {
				t.Fatalf("line of %d bytes passed a 256-byte limit", len(line))
			}
		}
	})
}
