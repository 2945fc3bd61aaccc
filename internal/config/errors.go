package config

import (
	"fmt"
	"strings"
)

// Problem is one invalid value, naming where it was found and how to fix
// it, for example:
//
//	/etc/tonearm.conf: [mpd] port = "66000": invalid port, must be 0..65535
type Problem struct {
	// Source is a file path, "defaults" or "-o" for a command-line override.
	Source  string
	Section string
	Key     string
	// Value is the raw value, or Mask for a secret.
	Value string
	// Message states what is wrong and what to write instead.
	Message string
}

func (p *Problem) Error() string {
	var b strings.Builder
	if p.Source != "" {
		b.WriteString(p.Source)
		b.WriteString(": ")
	}
	switch {
	case p.Section != "" && p.Key != "":
		fmt.Fprintf(&b, "[%s] %s = %q: ", p.Section, p.Key, p.Value)
	case p.Section != "":
		fmt.Fprintf(&b, "[%s]: ", p.Section)
	}
	b.WriteString(p.Message)
	return b.String()
}

// Errors is every problem Load found, so one run shows them all.
type Errors []*Problem

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}
