package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// fakeStore is a map behind SecretGetter; the real store is tested in
// package secrets.
type fakeStore map[string]string

func (s fakeStore) Get(name string) (string, error) {
	v, ok := s[name]
	if !ok {
		return "", fmt.Errorf("secret %s not found", name)
	}
	return v, nil
}

const planted = "planted-Secret-9f2c"

func TestSecretNeverPrinted(t *testing.T) {
	s := NewSecret(planted)
	outputs := []string{
		s.String(), fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s),
		fmt.Sprintf("%v", struct{ P Secret }{s}),
	}
	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "password", s)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "password", s)
	outputs = append(outputs, logs.String())
	for _, out := range outputs {
		if strings.Contains(out, planted) {
			t.Errorf("secret printed: %s", out)
		}
	}
	if s.Value() != planted {
		t.Errorf("Value() = %q", s.Value())
	}
}

func TestFormatMasksSecrets(t *testing.T) {
	path := writeConf(t, "[proxy]\nscheme = http\nhostname = proxy.example\npassword = "+planted+
		"\n\n[mpd]\npassword = env:MPD_PW\n", 0o600)
	opts := testOptions(t, map[string]string{"MPD_PW": "env-" + planted})
	opts.Files = []string{path}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	out := cfg.Format()
	if strings.Contains(out, planted) {
		t.Errorf("Format printed a secret:\n%s", out)
	}
	for _, want := range []string{"[proxy]\n", "password = ********\n", "password = env:MPD_PW\n",
		"[mpd]\n", "port = 6600\n", "[loglevels]\n", "excluded_file_extensions =\n  .cue\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("Format output lacks %q:\n%s", want, out)
		}
	}
	secrets := cfg.Secrets()
	if len(secrets) != 2 {
		t.Errorf("Secrets() = %d values, want 2", len(secrets))
	}
}

func TestFormatRoundTrip(t *testing.T) {
	opts := testOptions(t, nil)
	opts.Overrides = []string{"file/media_dirs=/a|A\n/b|B", "audio/mixer_volume=30"}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	path := writeConf(t, cfg.Format(), 0o600)
	opts2 := testOptions(t, nil)
	opts2.HomeDir = opts.HomeDir
	opts2.Files = []string{path}
	cfg2, err := Load(opts2)
	if err != nil {
		t.Fatalf("Format output does not load: %v", err)
	}
	if cfg.Format() != cfg2.Format() {
		t.Errorf("round trip changed the config:\n%s\n---\n%s", cfg.Format(), cfg2.Format())
	}
}

func TestSecretReferences(t *testing.T) {
	opts := testOptions(t, map[string]string{"PROXY_PW": "from-env"})
	opts.Overrides = []string{"proxy/scheme=http", "proxy/hostname=p.example",
		"proxy/password=env:PROXY_PW", "mpd/password=secret:mpd"}
	var gotDir string
	opts.OpenSecrets = func(dir string) (SecretGetter, error) {
		gotDir = dir
		return fakeStore{"mpd": "from-store"}, nil
	}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Proxy.Password.Value() != "from-env" {
		t.Errorf("env: secret = %q", cfg.Proxy.Password.Value())
	}
	if cfg.MPD.Password.Value() != "from-store" {
		t.Errorf("secret: secret = %q", cfg.MPD.Password.Value())
	}
	if gotDir != cfg.Core.ConfigDir {
		t.Errorf("store opened in %q, want %q", gotDir, cfg.Core.ConfigDir)
	}
}

func TestMissingSecretReferences(t *testing.T) {
	opts := testOptions(t, nil)
	opts.Overrides = []string{"mpd/password=env:TONEARM_NO_SUCH_VAR", "proxy/password=secret:nope"}
	opts.OpenSecrets = func(string) (SecretGetter, error) { return fakeStore{}, nil }
	_, err := Load(opts)
	if err == nil {
		t.Fatal("Load succeeded with missing secrets")
	}
	for _, want := range []string{
		"environment variable TONEARM_NO_SUCH_VAR is not set",
		"read secret nope", "tonearm secret set nope",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestReadableConfigWithSecretRejected(t *testing.T) {
	body := "[proxy]\nscheme = http\nhostname = p.example\npassword = " + planted + "\n"
	path := writeConf(t, body, 0o644)
	opts := testOptions(t, nil)
	opts.Files = []string{path}
	_, err := Load(opts)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load = %v, want Errors", err)
	}
	want := "run: chmod 600 " + path
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error:\n%v\nwant %q", err, want)
	}
	if strings.Contains(err.Error(), planted) {
		t.Errorf("error printed the secret: %v", err)
	}

	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(opts); err != nil {
		t.Errorf("Load after chmod 600: %v", err)
	}
}

func TestReadableConfigWithoutSecretAccepted(t *testing.T) {
	path := writeConf(t, "[mpd]\npassword = env:MPD_PW\n", 0o644)
	opts := testOptions(t, map[string]string{"MPD_PW": "x"})
	opts.Files = []string{path}
	if _, err := Load(opts); err != nil {
		t.Errorf("a 0644 config holding only references must load: %v", err)
	}
}

func TestPlainMPDPasswordWarns(t *testing.T) {
	path := writeConf(t, "[mpd]\npassword = "+planted+"\n", 0o600)
	opts := testOptions(t, nil)
	opts.Files = []string{path}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(cfg.Warnings, "\n")
	if !strings.Contains(all, "tonearm secret hash") {
		t.Errorf("warnings do not say how to hash the password: %v", cfg.Warnings)
	}
	if strings.Contains(all, planted) {
		t.Errorf("warning printed the secret")
	}
	creds := cfg.MPD.Credentials()
	if len(creds) != 1 || creds[0].Secret.Value() != planted {
		t.Errorf("credentials = %v", creds)
	}
}
