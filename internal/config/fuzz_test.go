package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary file contents to Load, which must return a
// config or an error and never panic.
func FuzzLoad(f *testing.F) {
	seed, err := os.ReadFile("testdata/mopidy.conf")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	f.Add("[mpd]\npasswords =\n  $argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA@read,add\n")
	f.Add("[core]\nmax_tracklist_length = 99999999999999999999\n")
	f.Add("key = outside\n[loglevels]\nx = all\n")
	home := f.TempDir()
	f.Fuzz(func(t *testing.T, body string) {
		path := filepath.Join(t.TempDir(), "f.conf")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(Options{Files: []string{path}, HomeDir: home,
			LookupEnv: func(string) (string, bool) { return "", false }})
		if err == nil {
			_ = cfg.Format()
		}
	})
}

func BenchmarkLoadMopidyConfig(b *testing.B) {
	home := b.TempDir()
	opts := Options{Files: []string{"testdata/mopidy.conf"}, HomeDir: home,
		LookupEnv: func(string) (string, bool) { return "", false }}
	for b.Loop() {
		if _, err := Load(opts); err != nil {
			b.Fatal(err)
		}
	}
}
