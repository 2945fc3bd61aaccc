package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/secrets"
)

// TestSecretSetFromTerminal types a secret into a pseudo-terminal made by
// script(1) and checks that it is stored and never echoed.
func TestSecretSetFromTerminal(t *testing.T) {
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Fatalf("script not found: install the Debian package bsdutils")
	}
	b := newBinary(t, buildBinary(t))
	cmd := exec.Command(scriptBin, "-qfec", b.path+" --allow-root secret set tok", "/dev/null")
	cmd.Env = b.env
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Type only after the prompt, when echo is already off.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "Value for secret tok:") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := stdin.Write([]byte(planted + "\r")); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("secret set: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), planted) {
		t.Errorf("the terminal echoed the secret:\n%s", out.String())
	}
	store, err := secrets.Open(secrets.Options{Dir: filepath.Join(b.home, ".config/tonearm")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.Get("tok")
	if err != nil || got != planted {
		t.Errorf("stored value %q, %v; want the typed secret", got, err)
	}
}
