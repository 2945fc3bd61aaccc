package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testKey is a valid base64 ed25519 public key (32 zero bytes).
const testKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

// fakeInstall creates <dataDir>/extensions/<name>/manifest.json, which is
// what makes [name] an installed extension's section.
func fakeInstall(t *testing.T, dataDir, name string) {
	t.Helper()
	dir := filepath.Join(dataDir, "extensions", name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestExtensionsDefaults(t *testing.T) {
	cfg, err := Load(testOptions(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	x := cfg.Extensions
	if len(x.TrustedKeys) != 0 || len(x.AllowedScopes) != 0 || len(x.Disabled) != 0 {
		t.Errorf("[extensions] lists = %+v, want all empty", x)
	}
	if x.AllowWeakLandlock {
		t.Error("allow_weak_landlock must default to false")
	}
	if want := filepath.Join(cfg.Core.DataDir, "extensions"); cfg.Core.ExtensionsDir() != want {
		t.Errorf("ExtensionsDir = %q, want %q", cfg.Core.ExtensionsDir(), want)
	}
}

func TestExtensionsSection(t *testing.T) {
	path := writeConf(t, "[extensions]\ntrusted_keys =\n  "+testKey+"\n  "+testKey+
		"\nallowed_scopes = library:read, events:ext.hello\ndisabled = noisy\n", 0o600)
	opts := testOptions(t, nil)
	opts.Files = []string{path}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	x := cfg.Extensions
	if !slices.Equal(x.TrustedKeys, []string{testKey, testKey}) {
		t.Errorf("trusted_keys = %q", x.TrustedKeys)
	}
	if !slices.Equal(x.AllowedScopes, []string{"library:read", "events:ext.hello"}) {
		t.Errorf("allowed_scopes = %q", x.AllowedScopes)
	}
	if !slices.Equal(x.Disabled, []string{"noisy"}) {
		t.Errorf("disabled = %q", x.Disabled)
	}
	if !strings.Contains(cfg.Format(), "[extensions]\ntrusted_keys =\n  "+testKey) {
		t.Errorf("Format lacks the trusted keys:\n%s", cfg.Format())
	}
}

func TestExtensionsInvalidValues(t *testing.T) {
	cases := map[string]string{
		"trusted_keys = not-base64":           `[extensions] trusted_keys = "not-base64": invalid key "not-base64"`,
		"trusted_keys = AAAA":                 `invalid key "AAAA": expected a 32-byte ed25519 public key`,
		"allowed_scopes = library:read, root": `[extensions] allowed_scopes = "library:read, root": unknown scope "root"`,
		"allowed_scopes = events:ext.Bad":     `invalid scope "events:ext.Bad"`,
		"disabled = Hello":                    `[extensions] disabled = "Hello": invalid extension name "Hello"`,
		"allow_weak_landlock = sometimes":     `[extensions] allow_weak_landlock = "sometimes"`,
		"trusted_key = " + testKey:            `[extensions] trusted_key = "********": unknown key`,
	}
	for line, want := range cases {
		opts := testOptions(t, nil)
		opts.Files = []string{writeConf(t, "[extensions]\n"+line+"\n", 0o600)}
		_, err := Load(opts)
		var errs Errors
		if !errors.As(err, &errs) {
			t.Errorf("%s: err = %v, want Errors", line, err)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want it to contain %q", line, err, want)
		}
	}
}

func TestAllowWeakLandlockWarns(t *testing.T) {
	opts := testOptions(t, nil)
	opts.Overrides = []string{"extensions/allow_weak_landlock=true"}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Extensions.AllowWeakLandlock {
		t.Error("allow_weak_landlock = false after the override")
	}
	if !strings.Contains(strings.Join(cfg.Warnings, "\n"), "-o: [extensions] allow_weak_landlock = true") {
		t.Errorf("warnings = %q, want one about allow_weak_landlock", cfg.Warnings)
	}
}

func TestInstalledExtensionSection(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	fakeInstall(t, dataDir, "hello")
	path := writeConf(t, "[core]\ndata_dir = "+dataDir+"\n[hello]\nGreeting = bonjour\nempty =\n[spotify]\nusername = x\n", 0o600)
	opts := testOptions(t, nil)
	opts.Files = []string{path}
	opts.Overrides = []string{"hello/volume=7"}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.ExtensionSettingsOf()["hello"]
	want := map[string]string{"greeting": "bonjour", "empty": "", "volume": "7"}
	if len(got) != len(want) {
		t.Errorf("[hello] settings = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("[hello] %s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := cfg.ExtensionSettings["spotify"]; ok {
		t.Error("[spotify] is kept as settings, but no spotify extension is installed")
	}
	warnings := strings.Join(cfg.Warnings, "\n")
	if strings.Contains(warnings, "[hello]") {
		t.Errorf("warnings mention the installed extension's section:\n%s", warnings)
	}
	if !strings.Contains(warnings, "[spotify] ignored") {
		t.Errorf("warnings lack the Mopidy [spotify] warning:\n%s", warnings)
	}
	if !strings.Contains(cfg.Format(), "[hello]\nempty =\ngreeting = bonjour\nvolume = 7\n") {
		t.Errorf("Format lacks the [hello] section:\n%s", cfg.Format())
	}
}

func TestUninstalledExtensionSectionWarns(t *testing.T) {
	opts := testOptions(t, nil)
	opts.Overrides = []string{"hello/greeting=hi"}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.ExtensionSettings) != 0 {
		t.Errorf("settings = %v, want none without an installed extension", cfg.ExtensionSettings)
	}
	if !strings.Contains(strings.Join(cfg.Warnings, "\n"), "-o: [hello] ignored") {
		t.Errorf("warnings = %q, want [hello] ignored", cfg.Warnings)
	}
}

func TestExtensionSettingReferences(t *testing.T) {
	const token = "tok-3f9a"
	dataDir := filepath.Join(t.TempDir(), "data")
	fakeInstall(t, dataDir, "radio")
	path := writeConf(t, "[core]\ndata_dir = "+dataDir+"\n[radio]\napi_key = env:RADIO_KEY\npassword = inline-pw\n", 0o600)
	opts := testOptions(t, map[string]string{"RADIO_KEY": token})
	opts.Files = []string{path}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.ExtensionSettingsOf()["radio"]["api_key"]; got != token {
		t.Errorf("api_key = %q, want the environment's value", got)
	}
	if !slices.Contains(cfg.Secrets(), token) {
		t.Error("Secrets lacks the resolved reference, so logs would not redact it")
	}
	out := cfg.Format()
	if !strings.Contains(out, "api_key = env:RADIO_KEY") {
		t.Errorf("Format does not show the reference as written:\n%s", out)
	}
	if strings.Contains(out, token) || strings.Contains(out, "inline-pw") {
		t.Errorf("Format shows a secret:\n%s", out)
	}

	opts.LookupEnv = func(string) (string, bool) { return "", false }
	_, err = Load(opts)
	if err == nil || !strings.Contains(err.Error(), `[radio] api_key = "********": environment variable RADIO_KEY is not set`) {
		t.Errorf("err = %v, want the unset variable named", err)
	}
}

func TestExtensionSettingBounds(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	fakeInstall(t, dataDir, "big")
	var b strings.Builder
	b.WriteString("[core]\ndata_dir = " + dataDir + "\n[big]\n")
	for i := range 65 {
		b.WriteString("k" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + " = v\n")
	}
	b.WriteString("long = " + strings.Repeat("v", 4097) + "\n")
	opts := testOptions(t, nil)
	opts.Files = []string{writeConf(t, b.String(), 0o600)}
	_, err := Load(opts)
	if err == nil {
		t.Fatal("Load accepted a section over the bounds")
	}
	if !strings.Contains(err.Error(), "[big]: 66 keys exceed the 64") {
		t.Errorf("err = %v, want the key count named", err)
	}
	if !strings.Contains(err.Error(), `[big] long = "********": value exceeds 4096 bytes`) {
		t.Errorf("err = %v, want the long value named", err)
	}
}
