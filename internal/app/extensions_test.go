package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeExtensionFolder writes a folder that `extension pack` accepts: a
// manifest and a stand-in executable, which these tests never run.
func writeExtensionFolder(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	manifest := `{"name": "` + name + `", "version": "2.1.0", "executable": "run", "schemes": ["` + name + `"], "scopes": ["library:read"]}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run"), []byte("#!/bin/false\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// mustRun runs a command that must succeed and returns its stdout.
func (h *harness) mustRun(args ...string) string {
	h.t.Helper()
	code, stdout, stderr := h.run(context.Background(), args...)
	if code != ExitOK {
		h.t.Fatalf("tonearm %v: exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
	}
	return stdout
}

// mustFail runs a command that must exit with ExitFailure and returns its
// stderr.
func (h *harness) mustFail(args ...string) string {
	h.t.Helper()
	code, stdout, stderr := h.run(context.Background(), args...)
	if code != ExitFailure {
		h.t.Errorf("tonearm %v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, ExitFailure, stdout, stderr)
	}
	return stderr
}

func TestExtensionParseArgs(t *testing.T) {
	inv, err := parseArgs([]string{"extension", "sign", "p.tar.gz", "--key", "k.key"}, &strings.Builder{}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if inv.command != "extension sign" || inv.keyFile != "k.key" || inv.args[0] != "p.tar.gz" {
		t.Errorf("extension sign parsed as %+v", inv)
	}
	inv, err = parseArgs([]string{"extension", "install", "--allow-unsigned", "p.tar.gz"}, &strings.Builder{}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if inv.command != "extension install" || !inv.allowUnsigned || inv.args[0] != "p.tar.gz" {
		t.Errorf("extension install parsed as %+v", inv)
	}

	usage := map[string][]string{
		"extension needs a subcommand":     {"extension"},
		"flag provided but not defined":    {"extension", "list", "--allow-unsigned"},
		"extension pack takes 2 argument":  {"extension", "pack", "dir"},
		"flag provided but not defined: -": {"extension", "install", "p", "--key", "k"},
	}
	for want, args := range usage {
		_, err := parseArgs(args, &strings.Builder{}, &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: err = %v, want %q", args, err, want)
		}
	}
}

func TestExtensionHelp(t *testing.T) {
	h := newHarness(t)
	_, stdout, _ := h.run(context.Background(), "extension", "sign", "--help")
	if !strings.Contains(stdout, "Usage: tonearm extension sign PKG --key KEYFILE") {
		t.Errorf("extension sign --help lacks the usage line:\n%s", stdout)
	}
	if !strings.Contains(stdout, "  --key KEYFILE            the private signing key") {
		t.Errorf("extension sign --help lacks --key:\n%s", stdout)
	}
	_, stdout, _ = h.run(context.Background(), "extension", "install", "--help")
	if !strings.Contains(stdout, "--allow-unsigned") {
		t.Errorf("extension install --help lacks --allow-unsigned:\n%s", stdout)
	}
	_, stdout, _ = h.run(context.Background(), "--help")
	if !strings.Contains(stdout, "extension install  install an extension package") {
		t.Errorf("overview lacks the extension commands:\n%s", stdout)
	}
}

func TestExtensionCommands(t *testing.T) {
	h := newHarness(t)
	work := t.TempDir()
	keyPath := filepath.Join(work, "signing.key")
	pub := strings.TrimSpace(h.mustRun("extension", "keygen", keyPath))
	st, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", st.Mode().Perm())
	}
	if stderr := h.mustFail("extension", "keygen", keyPath); !strings.Contains(stderr, "keygen never overwrites a key") {
		t.Errorf("second keygen to the same file: %s", stderr)
	}

	folder := writeExtensionFolder(t, "radio")
	pkgPath := filepath.Join(work, "radio.tar.gz")
	h.mustRun("extension", "pack", folder, pkgPath)
	stderr := h.mustFail("extension", "pack", folder, filepath.Join(folder, "out.tar.gz"))
	if !strings.Contains(stderr, "is inside the folder being packed") {
		t.Errorf("pack into the packed folder: %s", stderr)
	}
	if stderr := h.mustFail("extension", "sign", pkgPath); !strings.Contains(stderr, "extension sign needs --key KEYFILE") {
		t.Errorf("sign without --key: %s", stderr)
	}
	h.mustRun("extension", "sign", pkgPath, "--key", keyPath)
	if _, err := os.Stat(pkgPath + ".sig"); err != nil {
		t.Fatalf("no signature beside the package: %v", err)
	}

	if stderr := h.mustFail("extension", "install", pkgPath); !strings.Contains(stderr, "is not in [extensions] trusted_keys") {
		t.Errorf("install with an empty trust list: %s", stderr)
	}
	trust := "extensions/trusted_keys=" + pub
	out := h.mustRun("-o", trust, "extension", "install", pkgPath)
	if !strings.Contains(out, "installed radio 2.1.0, signed by key") {
		t.Errorf("install output:\n%s", out)
	}
	list := h.mustRun("-o", trust, "extension", "list")
	if !strings.Contains(list, "radio  2.1.0    key ") {
		t.Errorf("list does not show radio with its key:\n%s", list)
	}
	if !strings.Contains(list, "enabled") {
		t.Errorf("list does not show radio enabled:\n%s", list)
	}
	if list := h.mustRun("extension", "list"); !strings.Contains(list, "key not trusted") {
		t.Errorf("list without the key trusted does not say so:\n%s", list)
	}
	if list := h.mustRun("-o", trust, "-o", "extensions/disabled=radio", "extension", "list"); !strings.Contains(list, "disabled") {
		t.Errorf("list with radio disabled does not say so:\n%s", list)
	}

	h.mustRun("extension", "remove", "radio")
	if list := h.mustRun("extension", "list"); strings.Contains(list, "radio") {
		t.Errorf("radio still listed after remove:\n%s", list)
	}
	stderr = h.mustFail("extension", "remove", "radio")
	if !strings.Contains(stderr, "`tonearm extension list` shows the installed names") {
		t.Errorf("remove of a missing extension: %s", stderr)
	}
}

func TestDoctorExtensionChecks(t *testing.T) {
	h := newHarness(t)
	folder := writeExtensionFolder(t, "loose")
	pkgPath := filepath.Join(t.TempDir(), "loose.tar.gz")
	h.mustRun("extension", "pack", folder, pkgPath)
	h.mustRun("extension", "install", pkgPath, "--allow-unsigned")

	code, stdout, _ := h.run(context.Background(), "-o", "extensions/allow_weak_landlock=true", "doctor")
	if code != ExitFailure {
		t.Errorf("doctor exit = %d, want %d", code, ExitFailure)
	}
	if !strings.Contains(stdout, "INSECURE: extension loose is UNSIGNED") {
		t.Errorf("doctor does not report the unsigned extension:\n%s", stdout)
	}
	if !strings.Contains(stdout, "INSECURE: [extensions] allow_weak_landlock = true") {
		t.Errorf("doctor does not report allow_weak_landlock:\n%s", stdout)
	}
	if !strings.Contains(stdout, "fix: set [extensions] allow_weak_landlock = false") {
		t.Errorf("doctor gives no fix for allow_weak_landlock:\n%s", stdout)
	}
}
