package mpd

import (
	"fmt"
	"strings"
)

// Permission is a set of MPD 0.23 permission bits.
type Permission uint8

// MPD 0.23 permissions. PermNone marks commands that need none.
const (
	PermNone    Permission = 0
	PermRead    Permission = 1 << 0
	PermAdd     Permission = 1 << 1
	PermPlayer  Permission = 1 << 2
	PermControl Permission = 1 << 3
	PermAdmin   Permission = 1 << 4
	PermAll                = PermRead | PermAdd | PermPlayer | PermControl | PermAdmin
)

var permissionNames = []struct {
	perm Permission
	name string
}{
	{PermRead, "read"}, {PermAdd, "add"}, {PermPlayer, "player"},
	{PermControl, "control"}, {PermAdmin, "admin"},
}

// ParsePermissions parses a list such as "read,add,control" as mpd.conf
// writes it. As in MPD 0.23, "control" implies "player", because older
// configs predate the split.
func ParsePermissions(list string) (Permission, error) {
	var p Permission
	for _, word := range strings.Split(list, ",") {
		word = strings.TrimSpace(word)
		if word == "" {
			continue
		}
		found := false
		for _, pn := range permissionNames {
			if pn.name == word {
				p |= pn.perm
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown MPD permission %q: use read, add, player, control or admin", word)
		}
	}
	if p&PermControl != 0 {
		p |= PermPlayer
	}
	return p, nil
}

// Has reports whether p includes every bit of need.
func (p Permission) Has(need Permission) bool { return p&need == need }

// String returns the permissions as a comma-separated list, "none" when
// empty.
func (p Permission) String() string {
	var names []string
	for _, pn := range permissionNames {
		if p&pn.perm != 0 {
			names = append(names, pn.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}
