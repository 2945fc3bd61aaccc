package app

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/tonearm/tonearm/internal/config"
	"github.com/tonearm/tonearm/internal/secrets"
)

// finding is one insecure setting and its fix.
type finding struct {
	problem string
	fix     string
}

// runDoctor prints every insecure setting it finds and returns 1 when
// there is any.
func (r *runner) runDoctor() int {
	cfg, err := config.Load(r.configOptions(true))
	var findings []finding
	var errs config.Errors
	switch {
	case errors.As(err, &errs):
		for _, p := range errs {
			findings = append(findings, finding{problem: "invalid configuration: " + p.Error(),
				fix: "correct the value as the message says"})
		}
	case err != nil:
		fmt.Fprintf(r.opts.Stderr, "tonearm: %v\n", err)
		return ExitFailure
	}
	findings = append(findings, doctorChecks(cfg, r.opts.Getuid())...)
	for _, f := range findings {
		fmt.Fprintf(r.opts.Stdout, "INSECURE: %s\n  fix: %s\n", f.problem, f.fix)
	}
	// A missing decoder program limits what plays but is no insecure
	// setting, so it does not change the exit status.
	for _, m := range missingPrograms(r.opts.LookPath) {
		fmt.Fprintf(r.opts.Stdout, "MISSING: %s\n  fix: %s\n", m.problem, m.fix)
	}
	if len(findings) > 0 {
		fmt.Fprintf(r.opts.Stdout, "%d insecure setting(s) found\n", len(findings))
		return ExitFailure
	}
	fmt.Fprintln(r.opts.Stdout, "no insecure settings found")
	return ExitOK
}

// doctorChecks runs every check on a loaded configuration.
func doctorChecks(cfg *config.Config, uid int) []finding {
	var out []finding
	if uid == 0 {
		out = append(out, finding{"Tonearm runs as root, so a flaw in it would own the machine",
			"run it as an unprivileged user, for example with contrib/tonearm.service"})
	}
	out = append(out, checkMPD(cfg)...)
	out = append(out, checkHTTP(cfg)...)
	if cfg.Proxy.Password.Inline() {
		out = append(out, finding{"[proxy] password is written in the config file",
			"run `tonearm secret set proxy_password`, then write password = secret:proxy_password"})
	}
	out = append(out, checkFiles(cfg)...)
	out = append(out, checkExtensions(cfg)...)
	return out
}

func checkMPD(cfg *config.Config) []finding {
	m := cfg.MPD
	if !m.Enabled {
		return nil
	}
	var out []finding
	if m.Password.Inline() {
		out = append(out, finding{"[mpd] password is a plain-text password in the config file",
			"run `tonearm secret hash`, write passwords = HASH@read,add,player,control and remove password"})
	}
	if config.IsLoopback(m.Hostname) {
		return out
	}
	addr := net.JoinHostPort(m.Hostname, strconv.Itoa(m.Port))
	creds := m.Credentials()
	if len(creds) == 0 {
		out = append(out, finding{fmt.Sprintf("MPD listens on %s without a password: anyone "+
			"on the network controls playback", addr),
			"set [mpd] passwords = HASH@read,add,player,control (hash from `tonearm secret hash`), " +
				"or hostname = 127.0.0.1 and reach it through ssh -L 6600:127.0.0.1:6600"})
		return out
	}
	for _, p := range m.DefaultPermissions {
		if p != config.PermRead {
			out = append(out, finding{fmt.Sprintf("MPD on %s gives clients without a password "+
				"the permissions %s", addr, strings.Join(m.DefaultPermissions, ",")),
				"set [mpd] default_permissions = read, or leave it empty"})
			break
		}
	}
	if m.TLSPort == 0 {
		out = append(out, finding{fmt.Sprintf("MPD on %s receives passwords in clear text", addr),
			"set [mpd] tls_port and connect through TLS, or bind to 127.0.0.1 and use ssh -L " +
				"6600:127.0.0.1:6600"})
	}
	return out
}

func checkHTTP(cfg *config.Config) []finding {
	h := cfg.HTTP
	if !h.Enabled {
		return nil
	}
	var out []finding
	if !h.CSRFProtection {
		out = append(out, finding{"[http] csrf_protection = false lets any web page the user " +
			"visits control Tonearm", "set [http] csrf_protection = true"})
	}
	if config.IsLoopback(h.Hostname) {
		return out
	}
	addr := net.JoinHostPort(h.Hostname, strconv.Itoa(h.Port))
	if h.AllowUnauthenticated {
		out = append(out, finding{fmt.Sprintf("HTTP on %s lets anyone in without a login", addr),
			"set [http] allow_unauthenticated = false"})
	}
	if h.TLSCert == "" && h.ACMEDomain == "" {
		out = append(out, finding{fmt.Sprintf("HTTP on %s is plain HTTP: logins and session "+
			"cookies cross the network readable", addr),
			"set [http] tls_cert and tls_key, or acme_domain for a public name"})
	}
	return out
}

// checkFiles reports config files others may change and secret or data
// files others may read.
func checkFiles(cfg *config.Config) []finding {
	var out []finding
	for _, f := range cfg.Files {
		st, err := os.Stat(f)
		if err == nil && st.Mode().Perm()&0o022 != 0 {
			out = append(out, finding{fmt.Sprintf("config file %s is writable by group or "+
				"others (mode %04o)", f, st.Mode().Perm()), "run: chmod go-w " + f})
		}
	}
	// Open checks the mode and owner of the identity and the store.
	if _, err := secrets.Open(secrets.Options{Dir: cfg.Core.ConfigDir}); err != nil {
		out = append(out, finding{err.Error(), "run the command the message names"})
	}
	for _, dir := range []string{cfg.Core.DataDir, cfg.Core.CacheDir} {
		path, mode, err := findExposed(dir)
		if err != nil {
			out = append(out, finding{fmt.Sprintf("cannot check %s: %v", dir, err),
				"make it readable by the user running Tonearm"})
		} else if path != "" {
			out = append(out, finding{fmt.Sprintf("%s is accessible by group or others (mode %04o)",
				path, mode), "run: chmod -R go-rwx " + dir})
		}
	}
	return out
}

// decoderPrograms are the programs that internal/audio/decode runs as
// sandboxed fallbacks, with the Debian package that installs each and
// what does not play without it.
var decoderPrograms = []struct {
	name, pkg, needed string
}{
	{"ffmpeg", "ffmpeg", "M4A (AAC, ALAC), MPEG-2.5 and free-format MP3, Ogg FLAC and AIFF files"},
	{"flac", "flac", "FLAC files that the built-in decoder rejects, such as 32-bit FLAC"},
}

// missingPrograms returns a finding for each decoder program that
// lookPath does not find.
func missingPrograms(lookPath func(string) (string, error)) []finding {
	var out []finding
	for _, p := range decoderPrograms {
		if _, err := lookPath(p.name); err != nil {
			out = append(out, finding{
				problem: fmt.Sprintf("%s not found in PATH, so these do not play: %s", p.name, p.needed),
				fix:     fmt.Sprintf("install the Debian package %s", p.pkg),
			})
		}
	}
	return out
}
