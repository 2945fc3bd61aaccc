package config

import (
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/tonearm/tonearm/internal/passhash"
)

// Levels beyond slog's four, for Mopidy's names.
const (
	// LevelTrace is Mopidy's "trace", below debug.
	LevelTrace slog.Level = slog.LevelDebug - 4
	// LevelCritical is Mopidy's "critical", above error.
	LevelCritical slog.Level = slog.LevelError + 4
	// LevelAll is Mopidy's "all": every record passes.
	LevelAll slog.Level = math.MinInt32
)

// parseBool reads a Boolean as Mopidy 3.4 does: 1/yes/true/on and
// 0/no/false/off in any case.
func parseBool(raw string) (bool, error) {
	switch strings.ToLower(raw) {
	case "1", "yes", "true", "on":
		return true, nil
	case "0", "no", "false", "off":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean, must be true or false (also yes/no, on/off, 1/0)")
}

// parseInt reads an Integer within [min, max].
func parseInt(raw string, min, max int64) (int64, error) {
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid integer, must be a whole number from %d to %d", min, max)
	}
	if n < min || n > max {
		return 0, fmt.Errorf("out of range, must be %d..%d", min, max)
	}
	return n, nil
}

// parsePort reads a Port: 0..65535, where 0 lets the kernel pick one.
func parsePort(raw string) (int, error) {
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 || n > 65535 {
		return 0, fmt.Errorf("invalid port, must be 0..65535")
	}
	return n, nil
}

// splitList splits a List as Mopidy 3.4 does: on newlines when the value
// has any, else on commas. Items are trimmed and empty ones dropped.
func splitList(raw string) []string {
	sep := ","
	if strings.Contains(raw, "\n") {
		sep = "\n"
	}
	var out []string
	for item := range strings.SplitSeq(raw, sep) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parseHostname checks a listen address: an IP literal, a DNS name or
// "unix:PATH". Unlike Mopidy 3.4, names are not resolved here, so loading
// a config never touches the network.
func parseHostname(raw string) (string, error) {
	if path, ok := strings.CutPrefix(raw, "unix:"); ok {
		if !strings.HasPrefix(path, "/") {
			return "", fmt.Errorf("invalid Unix socket, must be unix:/absolute/path")
		}
		return raw, nil
	}
	if _, err := netip.ParseAddr(raw); err == nil {
		return raw, nil
	}
	if !validDNSName(raw) {
		return "", fmt.Errorf("invalid hostname, must be an IP address " +
			"(127.0.0.1, ::1, 0.0.0.0, ::), a host name or unix:/path")
	}
	return raw, nil
}

func validDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			ok := r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
			if !ok {
				return false
			}
		}
	}
	return true
}

// IsLoopback reports whether a listen address from Hostname reaches only
// this machine: a loopback IP, "localhost" or a Unix socket.
func IsLoopback(hostname string) bool {
	if strings.HasPrefix(hostname, "unix:") || strings.EqualFold(hostname, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(hostname)
	return err == nil && addr.IsLoopback()
}

// ParseLogLevel reads one of Mopidy's level names: critical, error,
// warning, info, debug, trace, all.
func ParseLogLevel(raw string) (slog.Level, error) {
	switch strings.ToLower(raw) {
	case "critical":
		return LevelCritical, nil
	case "error":
		return slog.LevelError, nil
	case "warning", "warn":
		return slog.LevelWarn, nil
	case "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "trace":
		return LevelTrace, nil
	case "all":
		return LevelAll, nil
	}
	return 0, fmt.Errorf("invalid log level, must be critical, error, warning, info, debug, trace or all")
}

// LogLevelName returns Mopidy's name for a level.
func LogLevelName(l slog.Level) string {
	switch {
	case l == LevelAll:
		return "all"
	case l >= LevelCritical:
		return "critical"
	case l >= slog.LevelError:
		return "error"
	case l >= slog.LevelWarn:
		return "warning"
	case l >= slog.LevelInfo:
		return "info"
	case l >= slog.LevelDebug:
		return "debug"
	}
	return "trace"
}

// parsePermissions reads a list of MPD permissions; "control" adds
// "player", as MPD 0.23 does for configs written before "player" existed.
func parsePermissions(items []string) ([]string, error) {
	valid := map[string]bool{PermRead: true, PermAdd: true, PermPlayer: true,
		PermControl: true, PermAdmin: true}
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range items {
		p = strings.ToLower(p)
		if !valid[p] {
			return nil, fmt.Errorf("invalid permission %q, must be read, add, player, control or admin", p)
		}
		add(p)
		if p == PermControl {
			add(PermPlayer)
		}
	}
	return out, nil
}

// allPermissions lists every MPD permission.
func allPermissions() []string {
	return []string{PermRead, PermAdd, PermPlayer, PermControl, PermAdmin}
}

// parseMPDPassword reads "HASH_OR_REF@perm,perm". Permissions are
// separated by commas, so a passwords list must put one entry per line.
func parseMPDPassword(raw string) (MPDPassword, error) {
	at := strings.LastIndex(raw, "@")
	if at < 0 {
		return MPDPassword{}, fmt.Errorf("invalid entry, must be HASH_OR_REF@perm,perm " +
			"(for example secret:mpd_kitchen@read,add)")
	}
	secretPart, permPart := raw[:at], raw[at+1:]
	perms, err := parsePermissions(strings.Split(permPart, ","))
	if err != nil {
		return MPDPassword{}, err
	}
	s, err := parseSecret(secretPart)
	if err != nil {
		return MPDPassword{}, err
	}
	if s.ref == "" && !strings.HasPrefix(s.value, "$argon2id$") {
		return MPDPassword{}, fmt.Errorf("invalid password, must be an argon2id hash " +
			"($argon2id$...) from `tonearm secret hash`, or env:NAME or secret:NAME")
	}
	if s.ref == "" {
		if err := passhash.Parse(s.value); err != nil {
			return MPDPassword{}, fmt.Errorf("%w; make one with `tonearm secret hash`", err)
		}
	}
	return MPDPassword{Secret: s, Permissions: perms}, nil
}

// parseMediaDir reads "path|name"; the name defaults to the folder's name.
func parseMediaDir(raw string, env environment) (MediaDir, error) {
	path, name, _ := strings.Cut(raw, "|")
	path, name = strings.TrimSpace(path), strings.TrimSpace(name)
	abs, err := env.expandPath(path)
	if err != nil {
		return MediaDir{}, err
	}
	if abs == "" {
		return MediaDir{}, fmt.Errorf("invalid media dir, must be PATH or PATH|NAME")
	}
	if name == "" {
		name = baseName(abs)
	}
	return MediaDir{Path: abs, Name: name}, nil
}

func baseName(p string) string {
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}
