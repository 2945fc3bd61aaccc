package mpd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConversationsCoverEveryCommand checks that every command of the
// command table is sent by at least one conversation file.
func TestConversationsCoverEveryCommand(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no conversation files: %v", err)
	}
	sent := map[string]bool{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if command, ok := strings.CutPrefix(line, "> "); ok {
				sent[strings.Fields(command + " ")[0]] = true
			}
		}
	}
	for name := range commandTable() {
		if !sent[name] {
			t.Errorf("no conversation file sends %q", name)
		}
	}
}
