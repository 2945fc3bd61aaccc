package mpd

import (
	"context"
	"log/slog"
	"sort"
)

// maxLoggedRepeats is the number of log lines per kind of denial that one
// connection writes. Later denials of that kind are only counted, and the
// counts are logged in one line when the connection ends, so a client
// that repeats a denied request cannot flood the log.
const maxLoggedRepeats = 3

// Kinds of denial whose log lines maxLoggedRepeats bounds.
const (
	denialPassword           = "password_rejected"
	denialPasswordLimited    = "password_rate_limited"
	denialPasswordBusy       = "password_checks_busy"
	denialPermission         = "permission_denied"
	denialUnsafePath         = "unsafe_path"
	denialFileURIOverTCP     = "file_uri_over_tcp"
	denialBlacklistedCommand = "command_blacklisted"
)

// logDenial logs msg at level unless the connection has already logged
// maxLoggedRepeats denials of kind, and reports whether it logged.
func (c *conn) logDenial(kind string, level slog.Level, msg string, args ...any) bool {
	if c.denials == nil {
		c.denials = make(map[string]int)
	}
	c.denials[kind]++
	if c.denials[kind] > maxLoggedRepeats {
		return false
	}
	c.log.Log(context.Background(), level, msg, args...)
	return true
}

// logDenialSummary logs how many denials of each kind the connection did
// not log, in one line, if there were any.
func (c *conn) logDenialSummary() {
	var kinds []string
	for kind, n := range c.denials {
		if n > maxLoggedRepeats {
			kinds = append(kinds, kind)
		}
	}
	if len(kinds) == 0 {
		return
	}
	sort.Strings(kinds)
	args := make([]any, 0, 2*len(kinds))
	for _, kind := range kinds {
		args = append(args, kind, c.denials[kind]-maxLoggedRepeats)
	}
	c.log.Warn("MPD client sent more denied requests than were logged", args...)
}
