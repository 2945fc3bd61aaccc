package pkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tonearm/tonearm/internal/extension/manifest"
)

func testPackage(t *testing.T) []byte {
	t.Helper()
	m := &manifest.Manifest{Name: "hello", Version: "1.0.0", Executable: "bin/hello", Schemes: []string{"hello"}}
	var buf bytes.Buffer
	files := []File{
		{Name: "bin/hello", Data: []byte("#!/bin/true\n"), Executable: true},
		{Name: "share/readme.txt", Data: []byte("hi")},
	}
	if err := Build(&buf, m, files); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func TestInstallSigned(t *testing.T) {
	pub, priv := testKey(t)
	data := testPackage(t)
	sig, err := Sign(data, priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "extensions")
	inst, err := Install(InstallOptions{Dir: dir, Package: data, Signature: sig, Trusted: []ed25519.PublicKey{pub}})
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	if !inst.Record.Signed || inst.Record.Key != Fingerprint(pub) {
		t.Errorf("record = %+v, want signed by %s", inst.Record, Fingerprint(pub))
	}
	modes := map[string]os.FileMode{
		"":                 0o700,
		"bin":              0o700,
		"bin/hello":        0o700,
		"share/readme.txt": 0o600,
		manifest.FileName:  0o600,
		RecordName:         0o600,
	}
	for name, want := range modes {
		fi, err := os.Stat(filepath.Join(inst.Dir, name))
		if err != nil {
			t.Errorf("stat %s: %v", name, err)
			continue
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %q = %o, want %o", name, got, want)
		}
	}
	list, errs := List(dir)
	if len(errs) != 0 || len(list) != 1 || !list[0].Record.Signed {
		t.Errorf("List = %+v, %v; want one signed extension", list, errs)
	}
}

func TestInstallTamperedRejected(t *testing.T) {
	pub, priv := testKey(t)
	data := testPackage(t)
	sig, err := Sign(data, priv)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(data)
	tampered[len(tampered)/2] ^= 0xff
	dir := filepath.Join(t.TempDir(), "extensions")
	_, err = Install(InstallOptions{Dir: dir, Package: tampered, Signature: sig, Trusted: []ed25519.PublicKey{pub}, AllowUnsigned: true})
	if !errors.Is(err, ErrUntrusted) {
		t.Fatalf("tampered package: err %v, want ErrUntrusted", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "hello")); !os.IsNotExist(err) {
		t.Errorf("tampered package left files: stat err %v", err)
	}
}

func TestInstallUntrustedKeyRejected(t *testing.T) {
	pub, _ := testKey(t)
	_, other := testKey(t)
	data := testPackage(t)
	sig, err := Sign(data, other)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Install(InstallOptions{Dir: t.TempDir(), Package: data, Signature: sig, Trusted: []ed25519.PublicKey{pub}})
	if !errors.Is(err, ErrUntrusted) {
		t.Fatalf("package signed by an unknown key: err %v, want ErrUntrusted", err)
	}
}

func TestInstallUnsignedNeedsFlag(t *testing.T) {
	data := testPackage(t)
	dir := filepath.Join(t.TempDir(), "extensions")
	if _, err := Install(InstallOptions{Dir: dir, Package: data}); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("unsigned package without AllowUnsigned: err %v, want ErrUntrusted", err)
	}
	inst, err := Install(InstallOptions{Dir: dir, Package: data, AllowUnsigned: true})
	if err != nil {
		t.Fatalf("unsigned package with AllowUnsigned: %v", err)
	}
	if inst.Record.Signed {
		t.Error("unsigned package recorded as signed")
	}
	loaded, err := Load(inst.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Record.Signed {
		t.Error("listing shows the unsigned package as signed")
	}
}

// rawPackage builds a package from raw tar headers, to test hostile
// archives that Build would refuse to write.
func rawPackage(t *testing.T, entries map[string]*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	mdata := []byte(`{"name":"evil","version":"1","executable":"evil"}`)
	hdrs := []*tar.Header{{Name: "manifest.json", Mode: 0o644, Size: int64(len(mdata)), Typeflag: tar.TypeReg}}
	bodies := [][]byte{mdata}
	for _, h := range entries {
		hdrs = append(hdrs, h)
		bodies = append(bodies, make([]byte, h.Size))
	}
	for i, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(bodies[i]); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestInstallHostileArchive(t *testing.T) {
	cases := map[string]*tar.Header{
		"parent path":  {Name: "../evil", Mode: 0o755, Typeflag: tar.TypeReg},
		"absolute":     {Name: "/etc/evil", Mode: 0o755, Typeflag: tar.TypeReg},
		"symlink":      {Name: "evil", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink},
		"hard link":    {Name: "evil", Linkname: "manifest.json", Typeflag: tar.TypeLink},
		"device":       {Name: "evil", Typeflag: tar.TypeChar},
		"unclean path": {Name: "a/../../evil", Typeflag: tar.TypeReg},
	}
	for name, hdr := range cases {
		data := rawPackage(t, map[string]*tar.Header{"x": hdr})
		dir := t.TempDir()
		if _, err := Install(InstallOptions{Dir: dir, Package: data, AllowUnsigned: true}); err == nil {
			t.Errorf("%s: hostile archive installed", name)
		}
	}
}

func TestParseTrustedKeys(t *testing.T) {
	if _, err := ParseTrustedKeys([]string{"not base64!"}); err == nil {
		t.Error("invalid key accepted")
	}
	if _, err := ParseTrustedKeys([]string{"AAAA"}); err == nil {
		t.Error("3-byte key accepted")
	}
	keys, err := ParseTrustedKeys([]string{"", "  "})
	if err != nil || len(keys) != 0 {
		t.Errorf("blank keys: %v, %v", keys, err)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add([]byte("pkg"), []byte(`{"public_key":"","signature":""}`))
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	f.Fuzz(func(t *testing.T, data, sig []byte) {
		if _, err := Verify(data, sig, []ed25519.PublicKey{pub}); err == nil {
			var got, want Signature
			good, _ := Sign(data, priv)
			_ = json.Unmarshal(good, &want)
			_ = json.Unmarshal(sig, &got)
			// ed25519 signatures are deterministic, so any other
			// accepted signature would be a forgery.
			if got.Signature != want.Signature {
				t.Fatalf("Verify accepted a signature the key did not produce: %q", sig)
			}
		}
	})
}
