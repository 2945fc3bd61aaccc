package mpd_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/passhash"
)

// noCore is the core of a server that never serves a request.
func noCore(mpd.Principal) mpd.Core { return nil }

func TestPlainPasswordWarns(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cfg := mpd.Config{Passwords: []mpd.Password{{Secret: "plain-secret", Permissions: mpd.PermAll}}}
	if _, err := mpd.New(cfg, noCore, log); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "plain text") {
		t.Errorf("no plain-text warning in the log: %q", out)
	}
	if !strings.Contains(out, "tonearm secret hash") {
		t.Errorf("the warning does not say how to hash the password: %q", out)
	}
	if strings.Contains(out, "plain-secret") {
		t.Errorf("the log contains the password: %q", out)
	}
}

func TestHashedPasswordDoesNotWarn(t *testing.T) {
	hash, err := passhash.Hash("secret")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cfg := mpd.Config{Passwords: []mpd.Password{{Secret: hash, Permissions: mpd.PermAll}}}
	if _, err := mpd.New(cfg, noCore, log); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "plain text") {
		t.Errorf("a hashed password logs a plain-text warning: %q", logs.String())
	}
}
