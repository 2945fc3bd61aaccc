package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSystemdUnit checks contrib/tonearm.service with systemd-analyze:
// the unit must parse and keep its exposure rating at or below 2.0.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze not found: install the Debian package systemd")
	}
	unit, err := os.ReadFile("../../contrib/tonearm.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, directive := range []string{"NoNewPrivileges=yes", "ProtectSystem=strict",
		"ProtectHome=read-only", "PrivateTmp=yes", "CapabilityBoundingSet=\n", "UMask=0077",
		"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallFilter=@system-service"} {
		if !strings.Contains(string(unit), directive) {
			t.Errorf("unit lacks %q", directive)
		}
	}

	// verify needs ExecStart to exist, so point it at a built binary.
	bin := buildBinary(t)
	body := strings.ReplaceAll(string(unit), "/usr/local/bin/tonearm", bin)
	path := filepath.Join(t.TempDir(), "tonearm.service")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err := exec.Command(analyze, "security", "--offline=true", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	level, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	if level > 2.0 {
		t.Errorf("exposure level %.1f, want at most 2.0:\n%s", level, out)
	}
}
