package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestRecordAppendsPrivateLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit", "audit.log")
	l, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Record(context.Background(), Event{Kind: LoginFailed, Principal: "alice", Address: "127.0.0.1"})
	l.Record(context.Background(), Event{Kind: Lockout, Principal: "alice"})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var kinds []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if e.Time.IsZero() {
			t.Errorf("event %q has no time", e.Kind)
		}
		kinds = append(kinds, e.Kind)
	}
	if len(kinds) != 2 || kinds[0] != LoginFailed || kinds[1] != Lockout {
		t.Errorf("kinds = %v", kinds)
	}
}
