// Package manifest parses and checks an extension's manifest: the JSON
// file that declares what the extension is and every right it requests.
// Parse rejects unknown keys and bounds every size and count, because a
// manifest comes from an untrusted package.
package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/core/scope"
)

// FileName is the manifest's name at the root of a package.
const FileName = "manifest.json"

// Bounds on a manifest.
const (
	MaxSize        = 64 << 10
	maxVersion     = 32
	maxExecutable  = 128
	maxSchemes     = 8
	maxScheme      = 32
	maxScopes      = 32
	maxPaths       = 32
	maxPath        = 256
	maxHosts       = 16
	maxHost        = 253
	maxEvents      = 64
	maxEventName   = 200
	maxDescription = 512
)

// Resource limits: the defaults and the allowed ranges.
const (
	DefaultMemoryMiB  = 256
	MinMemoryMiB      = 64
	MaxMemoryMiB      = 4096
	DefaultCPUSeconds = 3600
	MaxCPUSeconds     = 86400
	DefaultOpenFiles  = 64
	MinOpenFiles      = 16
	MaxOpenFiles      = 1024
)

// Manifest is an extension's declaration of its identity and rights.
type Manifest struct {
	// Name is the extension's name: 1 to 64 characters of a-z, 0-9, '_'
	// and '-', starting with a letter. It names the install folder, the
	// principal and the event namespace "ext.<name>.".
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
	// Executable is the program's path inside the package, relative.
	Executable string `json:"executable"`
	// Schemes are the URI schemes the extension serves as a backend.
	Schemes []string `json:"schemes,omitempty"`
	// Scopes are the core scopes the extension requests.
	Scopes []string `json:"scopes,omitempty"`
	// Paths are the files and folders outside the package it may use.
	Paths Paths `json:"paths,omitzero"`
	// Hosts are the "host:port" pairs it may connect to over TCP. The
	// sandbox enforces the ports only.
	Hosts  []string `json:"hosts,omitempty"`
	Limits Limits   `json:"limits,omitzero"`
	// Events are the event names it subscribes to: core event names and
	// "ext.<name>.<event>" names.
	Events []string `json:"events,omitempty"`
}

// Paths are absolute, clean paths an extension may read, or read and
// write.
type Paths struct {
	ReadOnly  []string `json:"read_only,omitempty"`
	ReadWrite []string `json:"read_write,omitempty"`
}

// Limits are an extension's resource limits; zero means the default.
type Limits struct {
	MemoryMiB  int `json:"memory_mib,omitempty"`
	CPUSeconds int `json:"cpu_seconds,omitempty"`
	OpenFiles  int `json:"open_files,omitempty"`
}

// Parse decodes and checks a manifest, filling in default limits.
func Parse(data []byte) (*Manifest, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("manifest of %d bytes exceeds %d", len(data), MaxSize)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("invalid manifest: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("invalid manifest: data after the JSON object")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks every field and fills in default limits.
func (m *Manifest) Validate() error {
	if err := scope.ValidName(m.Name); err != nil {
		return fmt.Errorf("manifest name: %w", err)
	}
	checks := []func() error{
		m.checkVersion, m.checkExecutable, m.checkSchemes, m.checkScopes,
		m.checkPaths, m.checkHosts, m.checkLimits, m.checkEvents,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return fmt.Errorf("manifest of %s: %w", m.Name, err)
		}
	}
	if len(m.Description) > maxDescription {
		return fmt.Errorf("manifest of %s: description exceeds %d bytes", m.Name, maxDescription)
	}
	return nil
}

func (m *Manifest) checkVersion() error {
	if m.Version == "" || len(m.Version) > maxVersion {
		return fmt.Errorf("version %q must have 1 to %d characters", m.Version, maxVersion)
	}
	for _, r := range m.Version {
		if !isAlnum(r) && !strings.ContainsRune(".+-", r) {
			return fmt.Errorf("version %q: use letters, digits, '.', '+' and '-', like 1.2.0", m.Version)
		}
	}
	return nil
}

func (m *Manifest) checkExecutable() error {
	e := m.Executable
	if e == "" || len(e) > maxExecutable || path.IsAbs(e) || path.Clean(e) != e ||
		e == "." || strings.HasPrefix(e, "../") || e == ".." || e == FileName || hasControl(e) {
		return fmt.Errorf("executable %q must be a clean relative path inside the package, like bin/hello", e)
	}
	return nil
}

// reservedSchemes are owned by built-in backends or name playable URLs
// that core must never route to an extension.
var reservedSchemes = []string{"file", "local", "m3u", "http", "https", "stream", "ext", "tonearm"}

func (m *Manifest) checkSchemes() error {
	if len(m.Schemes) > maxSchemes {
		return fmt.Errorf("%d URI schemes exceed %d", len(m.Schemes), maxSchemes)
	}
	for i, s := range m.Schemes {
		if !ValidScheme(s) {
			return fmt.Errorf("URI scheme %q: use 1 to %d characters of a-z, 0-9, '+', '-' and '.', starting with a letter", s, maxScheme)
		}
		if slices.Contains(reservedSchemes, s) {
			return fmt.Errorf("URI scheme %q is reserved for the server: pick another", s)
		}
		if slices.Contains(m.Schemes[:i], s) {
			return fmt.Errorf("URI scheme %q listed twice", s)
		}
	}
	return nil
}

// ValidScheme reports whether s is a lower-case URI scheme of 1 to 32
// characters.
func ValidScheme(s string) bool {
	if s == "" || len(s) > maxScheme || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func (m *Manifest) checkScopes() error {
	if len(m.Scopes) > maxScopes {
		return fmt.Errorf("%d scopes exceed %d", len(m.Scopes), maxScopes)
	}
	for _, s := range m.Scopes {
		if _, err := scope.Parse(s); err != nil {
			return err
		}
	}
	return nil
}

func (m *Manifest) checkPaths() error {
	all := append(slices.Clone(m.Paths.ReadOnly), m.Paths.ReadWrite...)
	if len(all) > maxPaths {
		return fmt.Errorf("%d paths exceed %d", len(all), maxPaths)
	}
	for _, p := range all {
		if p == "" || len(p) > maxPath || !path.IsAbs(p) || path.Clean(p) != p || hasControl(p) {
			return fmt.Errorf("path %q must be absolute and clean, at most %d bytes, like /srv/music", p, maxPath)
		}
		if p == "/" {
			return fmt.Errorf("path \"/\" would grant the whole filesystem: list the folders the extension needs")
		}
	}
	return nil
}

func (m *Manifest) checkHosts() error {
	if len(m.Hosts) > maxHosts {
		return fmt.Errorf("%d hosts exceed %d", len(m.Hosts), maxHosts)
	}
	for _, h := range m.Hosts {
		if _, err := ParseHost(h); err != nil {
			return err
		}
	}
	return nil
}

// ParseHost checks a "host:port" entry and returns its port.
func ParseHost(h string) (uint16, error) {
	host, portText, err := net.SplitHostPort(h)
	if err != nil || host == "" || len(host) > maxHost || hasControl(host) || strings.ContainsAny(host, " /") {
		return 0, fmt.Errorf("host %q: write host:port, like api.example.com:443", h)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 {
		return 0, fmt.Errorf("host %q: port must be 1 to 65535", h)
	}
	return uint16(port), nil
}

func (m *Manifest) checkLimits() error {
	l := &m.Limits
	if l.MemoryMiB == 0 {
		l.MemoryMiB = DefaultMemoryMiB
	}
	if l.CPUSeconds == 0 {
		l.CPUSeconds = DefaultCPUSeconds
	}
	if l.OpenFiles == 0 {
		l.OpenFiles = DefaultOpenFiles
	}
	switch {
	case l.MemoryMiB < MinMemoryMiB || l.MemoryMiB > MaxMemoryMiB:
		return fmt.Errorf("limits.memory_mib %d must be %d to %d", l.MemoryMiB, MinMemoryMiB, MaxMemoryMiB)
	case l.CPUSeconds < 1 || l.CPUSeconds > MaxCPUSeconds:
		return fmt.Errorf("limits.cpu_seconds %d must be 1 to %d", l.CPUSeconds, MaxCPUSeconds)
	case l.OpenFiles < MinOpenFiles || l.OpenFiles > MaxOpenFiles:
		return fmt.Errorf("limits.open_files %d must be %d to %d", l.OpenFiles, MinOpenFiles, MaxOpenFiles)
	}
	return nil
}

func (m *Manifest) checkEvents() error {
	if len(m.Events) > maxEvents {
		return fmt.Errorf("%d events exceed %d", len(m.Events), maxEvents)
	}
	core := events.CoreNames()
	for _, e := range m.Events {
		if slices.Contains(core, e) {
			continue
		}
		rest, ok := strings.CutPrefix(e, events.ExtPrefix)
		ext, name, found := strings.Cut(rest, ".")
		if !ok || !found || len(e) > maxEventName || scope.ValidName(ext) != nil || scope.ValidName(name) != nil {
			return fmt.Errorf("event %q: use a core event name such as track_playback_started, or ext.<extension>.<event>", e)
		}
	}
	return nil
}

// Ports returns the distinct TCP ports of Hosts, sorted.
func (m *Manifest) Ports() []uint16 {
	var ports []uint16
	for _, h := range m.Hosts {
		if p, err := ParseHost(h); err == nil {
			ports = append(ports, p)
		}
	}
	slices.Sort(ports)
	return slices.Compact(ports)
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
