package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// finish fills the defaults that depend on other values and checks rules
// that span keys.
func (l *loader) finish(cfg *Config) {
	l.finishLogging(cfg)
	if cfg.M3U.PlaylistsDir == "" {
		cfg.M3U.PlaylistsDir = filepath.Join(cfg.Core.DataDir, "m3u")
	}
	if cfg.M3U.BaseDir == "" {
		cfg.M3U.BaseDir = cfg.M3U.PlaylistsDir
	}
	l.finishMPD(cfg)
	l.finishHTTP(cfg)
	l.finishExtensions(cfg)
	if cfg.Proxy.Scheme != "" && cfg.Proxy.Hostname == "" {
		l.problem(l.at("proxy", "hostname", "proxy scheme is set without a host name; set [proxy] hostname"))
	}
	if cfg.Proxy.Password.Inline() {
		l.warn("proxy/password", fmt.Sprintf("%s: [proxy] password is written in the config; "+
			"store it with `tonearm secret set proxy_password` and write password = secret:proxy_password",
			l.sourceOf("proxy", "password")))
	}
}

// at builds a Problem for a key, with its current raw value and source.
func (l *loader) at(section, key, msg string) *Problem {
	e := l.raw[section][key]
	return &Problem{Source: e.source, Section: section, Key: key, Value: e.value, Message: msg}
}

func (l *loader) sourceOf(section, key string) string { return l.raw[section][key].source }

func (l *loader) finishLogging(cfg *Config) {
	switch f := cfg.Logging.Format; {
	case f == "text" || f == "json":
	case strings.Contains(f, "%("):
		l.warn("logging/format", fmt.Sprintf("%s: [logging] format is a Python logging format, "+
			"which Tonearm ignores; write format = text or format = json", l.sourceOf("logging", "format")))
		cfg.Logging.Format = "text"
	default:
		l.problem(l.at("logging", "format", "invalid value, must be text or json"))
	}
	if cfg.Logging.ConfigFile != "" {
		l.warn("logging/config_file", fmt.Sprintf("%s: [logging] config_file is a Python logging "+
			"file, which Tonearm ignores; use [loglevels] instead", l.sourceOf("logging", "config_file")))
	}
}

func (l *loader) finishMPD(cfg *Config) {
	m := &cfg.MPD
	if m.Password.IsSet() {
		l.warn("mpd/password", fmt.Sprintf("%s: [mpd] password is Mopidy's single password, "+
			"kept in plain text; hash it with `tonearm secret hash`, then write "+
			"passwords = HASH@read,add,player,control and remove password",
			l.sourceOf("mpd", "password")))
	}
	if _, set := l.raw["mpd"]["default_permissions"]; !set || len(m.DefaultPermissions) == 0 {
		if len(m.Credentials()) == 0 {
			m.DefaultPermissions = allPermissions()
		} else {
			m.DefaultPermissions = []string{}
		}
	}
	if !m.Enabled {
		return
	}
	if !IsLoopback(m.Hostname) && len(m.Credentials()) == 0 {
		if !m.AllowUnauthenticated {
			l.problem(l.at("mpd", "hostname", "listening beyond loopback without a password; "+
				"set [mpd] passwords, or allow_unauthenticated = true to let anyone on the network in"))
		} else {
			l.warn("mpd/open", fmt.Sprintf("[mpd] listens on %s without a password: anyone "+
				"who reaches port %d controls playback", m.Hostname, m.Port))
		}
	}
	if m.TLSPort != 0 && m.TLSPort == m.Port {
		l.problem(l.at("mpd", "tls_port", "tls_port equals port; pick another port"))
	}
}

func (l *loader) finishHTTP(cfg *Config) {
	h := &cfg.HTTP
	if (h.TLSCert == "") != (h.TLSKey == "") {
		l.problem(l.at("http", "tls_cert", "tls_cert and tls_key must be set together"))
	}
	if h.ACMEDomain != "" && h.TLSCert != "" {
		l.problem(l.at("http", "acme_domain", "set either acme_domain or tls_cert, not both"))
	}
	if !h.Enabled {
		return
	}
	if !h.CSRFProtection {
		l.warn("http/csrf", "[http] csrf_protection = false is ignored: Tonearm always checks "+
			"the origin of state-changing requests; remove the key")
	}
	if !IsLoopback(h.Hostname) && h.AllowUnauthenticated {
		l.warn("http/open", fmt.Sprintf("[http] listens on %s with allow_unauthenticated = true: "+
			"anyone who reaches port %d controls Tonearm", h.Hostname, h.Port))
	}
	if cfg.MPD.Enabled && h.Port != 0 && h.Port == cfg.MPD.Port && h.Hostname == cfg.MPD.Hostname {
		l.problem(l.at("http", "port", fmt.Sprintf("same address as [mpd] (%s:%d); pick another port",
			h.Hostname, h.Port)))
	}
}

// resolveSecrets reads every env: and secret: reference.
func (l *loader) resolveSecrets(cfg *Config, opts Options) {
	var store SecretGetter
	var storeErr error
	opened := false
	openStore := func() (SecretGetter, error) {
		if !opened {
			opened = true
			if opts.OpenSecrets == nil {
				storeErr = fmt.Errorf("no secret store is available")
			} else {
				store, storeErr = opts.OpenSecrets(cfg.Core.ConfigDir)
			}
		}
		return store, storeErr
	}
	for _, ref := range cfg.secretRefs() {
		if err := ref.secret.resolve(l.env.lookupEnv, openStore); err != nil {
			p := l.at(ref.section, ref.key, err.Error())
			p.Value = Mask
			l.problem(p)
		}
	}
	l.resolveExtensionSecrets(cfg, openStore)
}

// secretRef points at one Secret in the configuration.
type secretRef struct {
	section, key string
	secret       *Secret
}

func (c *Config) secretRefs() []secretRef {
	refs := []secretRef{
		{"proxy", "password", &c.Proxy.Password},
		{"mpd", "password", &c.MPD.Password},
	}
	for i := range c.MPD.Passwords {
		refs = append(refs, secretRef{"mpd", "passwords", &c.MPD.Passwords[i].Secret})
	}
	return refs
}

// Credentials returns Passwords plus, when set, Mopidy's single Password
// with read, add, player and control, the rights Mopidy-MPD 3.3 gives it.
func (m *MPD) Credentials() []MPDPassword {
	out := slices.Clone(m.Passwords)
	if m.Password.IsSet() {
		out = append(out, MPDPassword{Secret: m.Password,
			Permissions: []string{PermRead, PermAdd, PermPlayer, PermControl}})
	}
	return out
}

// Secrets returns every resolved secret value, for the log handler to
// redact. Argon2id hashes are included: they let an attacker guess the
// password offline.
func (c *Config) Secrets() []string {
	var out []string
	add := func(s Secret) {
		if s.value != "" && !contains(out, s.value) {
			out = append(out, s.value)
		}
	}
	add(c.Proxy.Password)
	add(c.MPD.Password)
	for _, p := range c.MPD.Passwords {
		add(p.Secret)
	}
	for _, s := range c.extensionSecrets() {
		add(s)
	}
	return out
}

// checkFileModes rejects a config file that contains a secret and that
// other users may read, as ssh does for private keys.
func (l *loader) checkFileModes(cfg *Config) {
	withSecret := map[string]string{}
	for _, ref := range cfg.secretRefs() {
		if !ref.secret.Inline() {
			continue
		}
		src := l.raw[ref.section][ref.key].source
		if src != "" && src != "defaults" && src != "-o" {
			withSecret[src] = fmt.Sprintf("[%s] %s", ref.section, ref.key)
		}
	}
	if src := l.sourceOf("mpd", "password"); cfg.MPD.Password.Inline() && src == "-o" ||
		l.sourceOf("proxy", "password") == "-o" && cfg.Proxy.Password.Inline() {
		l.warn("-o secret", "-o: a secret given on the command line is visible to other "+
			"users in the process list; use env:NAME or secret:NAME")
	}
	for _, file := range cfg.Files {
		what, ok := withSecret[file]
		if !ok {
			continue
		}
		if err := CheckPrivateFile(file); err != nil {
			l.problem(&Problem{Source: file, Message: fmt.Sprintf("contains a secret (%s) and %v",
				what, err)})
		}
	}
}

// CheckPrivateFile returns an error when other users may read or write
// path, with the chmod command that fixes it.
func CheckPrivateFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("cannot check permissions: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("is readable by group or others (mode %04o); run: chmod 600 %s", perm, path)
	}
	return nil
}
