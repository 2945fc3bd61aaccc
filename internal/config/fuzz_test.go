package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary file contents to Load, which must return a
// config or an error and never panic. An accepted config, formatted,
// must load again and format to the same text.
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
		if err != nil {
			return
		}
		// What `tonearm config` prints loads again and prints the same.
		out := cfg.Format()
		again := filepath.Join(t.TempDir(), "again.conf")
		if err := os.WriteFile(again, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg2, err := Load(Options{Files: []string{again}, HomeDir: home,
			LookupEnv: func(string) (string, bool) { return "", false }})
		if err != nil {
			t.Fatalf("formatted config does not load: %v\n%s", err, out)
		}
		if out2 := cfg2.Format(); out2 != out {
			t.Fatalf("formatted config changes when loaded again:\n%s\nthen:\n%s", out, out2)
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
