package pkg

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommandsRoundTrip(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "src")
	if err := os.MkdirAll(filepath.Join(src, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"manifest.json": `{"name":"demo","version":"1.0.0","executable":"bin/demo","schemes":["demo"]}`,
		"bin/demo":      "#!/bin/true\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	keyPath := filepath.Join(work, "key")
	pub, err := GenerateKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(keyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v, %v; want 0600", fi, err)
	}
	if _, err := GenerateKey(keyPath); err == nil {
		t.Error("GenerateKey overwrote an existing key")
	}
	pkgPath := filepath.Join(work, "demo.tar.gz")
	var buf bytes.Buffer
	if err := BuildDir(src, &buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pkgPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "extensions")
	if _, err := InstallFile(dir, pkgPath, []string{pub}, false); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("install before signing: %v, want ErrUntrusted", err)
	}
	if err := SignFile(pkgPath, keyPath); err != nil {
		t.Fatal(err)
	}
	if _, err := InstallFile(dir, pkgPath, []string{pub}, false); err != nil {
		t.Fatalf("install signed: %v", err)
	}
	var out bytes.Buffer
	if err := WriteList(&out, dir); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "demo") || strings.Contains(out.String(), "UNSIGNED") {
		t.Errorf("list after signed install:\n%s", out.String())
	}

	os.Remove(pkgPath + SignatureSuffix)
	if _, err := InstallFile(dir, pkgPath, []string{pub}, true); err != nil {
		t.Fatalf("install unsigned with the flag: %v", err)
	}
	out.Reset()
	if err := WriteList(&out, dir); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "UNSIGNED") {
		t.Errorf("list after unsigned install lacks UNSIGNED:\n%s", out.String())
	}
	if err := Remove(dir, "demo"); err != nil {
		t.Fatal(err)
	}
	if err := Remove(dir, "../etc"); err == nil {
		t.Error("Remove accepted a path as a name")
	}
}
