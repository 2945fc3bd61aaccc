package server

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadOutputState(t *testing.T) {
	dir := t.TempDir()
	if names, err := readOutputState(filepath.Join(dir, "missing.json")); err != nil || names != nil {
		t.Errorf("missing file: %q, %v; want nothing", names, err)
	}
	write := func(name, body string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	names, err := readOutputState(write("good.json", `{"disabled":["http","pulse:desk"]}`))
	if err != nil || !slices.Equal(names, []string{"http", "pulse:desk"}) {
		t.Errorf("good file: %q, %v", names, err)
	}
	if _, err := readOutputState(write("bad.json", `{"disabled":`)); err == nil {
		t.Error("truncated file read without an error")
	}
	big := `{"disabled":["` + strings.Repeat("x", maxOutputState) + `"]}`
	if _, err := readOutputState(write("big.json", big)); err == nil {
		t.Errorf("a file over %d bytes read without an error", maxOutputState)
	}
}

func TestMPDPluginNames(t *testing.T) {
	for name, want := range map[string]string{
		"http": "httpd", "pulse": "pulse", "pulse:desk": "pulse", "null": "null",
		"pipe:aplay": "pipe", "snapcast:fifo:/tmp/snapfifo": "fifo", "snapcast:tcp:127.0.0.1:4953": "snapcast",
	} {
		if got := mpdPlugin(name); got != want {
			t.Errorf("mpdPlugin(%q) = %q, want %q", name, got, want)
		}
	}
}
