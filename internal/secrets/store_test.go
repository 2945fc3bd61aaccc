package secrets

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config")
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, dir
}

func TestStoreRoundTrip(t *testing.T) {
	s, dir := openTemp(t)
	if err := s.Set("spotify_token", "tok-123"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := s.Set("mpd", "pw"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := s.Set("mpd", "pw2"); err != nil {
		t.Fatalf("Set again: %v", err)
	}

	// A second Store on the same folder reads the same secrets.
	s2, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s2.Get("mpd")
	if err != nil || got != "pw2" {
		t.Errorf("Get(mpd) = %q, %v; want pw2", got, err)
	}
	names, err := s2.List()
	if err != nil || !slices.Equal(names, []string{"mpd", "spotify_token"}) {
		t.Errorf("List = %v, %v", names, err)
	}
	if err := s2.Delete("mpd"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s2.Get("mpd"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	if err := s2.Delete("mpd"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
}

func TestStoreEncryptedAndPrivate(t *testing.T) {
	s, dir := openTemp(t)
	const value = "plain-Value-77ab"
	if err := s.Set("x", value); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, StoreFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(value)) {
		t.Error("store file contains the plaintext value")
	}
	if !bytes.HasPrefix(data, []byte("age-encryption.org/v1")) {
		t.Errorf("store file is not an age file: %q", data[:min(len(data), 40)])
	}
	for path, want := range map[string]os.FileMode{
		dir:                              0o700,
		filepath.Join(dir, StoreFile):    0o600,
		filepath.Join(dir, IdentityFile): 0o600,
	} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s mode %04o, want %04o", path, st.Mode().Perm(), want)
		}
	}
}

func TestStoreRejectsReadableFiles(t *testing.T) {
	for _, file := range []string{StoreFile, IdentityFile} {
		t.Run(file, func(t *testing.T) {
			s, dir := openTemp(t)
			if err := s.Set("x", "v"); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, file)
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			want := "run: chmod 600 " + path
			if _, err := Open(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Open = %v, want an error containing %q", err, want)
			}
			if _, err := s.Get("x"); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Get = %v, want an error containing %q", err, want)
			}
		})
	}
}

func TestStoreMissingIdentity(t *testing.T) {
	s, dir := openTemp(t)
	if err := s.Set("x", "v"); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, IdentityFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("x"); err == nil || !strings.Contains(err.Error(), "is missing") {
		t.Errorf("Get = %v, want a missing identity error", err)
	}
}

func TestStoreWrongIdentity(t *testing.T) {
	s, dir := openTemp(t)
	if err := s.Set("x", "v"); err != nil {
		t.Fatal(err)
	}
	other, otherDir := openTemp(t)
	if err := other.Set("y", "w"); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(otherDir, IdentityFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, IdentityFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("x"); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("Get = %v, want a decrypt error", err)
	}
}

func TestStoreRejectsBadInput(t *testing.T) {
	s, _ := openTemp(t)
	cases := map[string]string{
		"../x": "v", "": "v", strings.Repeat("a", 65): "v", "a b": "v",
		"empty": "", "big": strings.Repeat("v", MaxValueSize+1),
	}
	for name, value := range cases {
		if err := s.Set(name, value); err == nil {
			t.Errorf("Set(%q, %d bytes) succeeded", name, len(value))
		}
	}
}

func TestStoreLogsNamesNotValues(t *testing.T) {
	var logs bytes.Buffer
	dir := filepath.Join(t.TempDir(), "c")
	s, err := Open(Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set("token", "value-Planted-55"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "name=token") {
		t.Errorf("log lacks the name: %s", logs.String())
	}
	if strings.Contains(logs.String(), "value-Planted-55") {
		t.Errorf("log contains the value: %s", logs.String())
	}
}
