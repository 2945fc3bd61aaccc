package config

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tonearm/tonearm/internal/core/scope"
)

// Extensions is the [extensions] section: which extension packages the
// server trusts and what the installed extensions may do.
type Extensions struct {
	// TrustedKeys are the ed25519 public keys, in standard base64, whose
	// signatures `tonearm extension install` accepts.
	TrustedKeys []string `ini:"trusted_keys"`
	// AllowedScopes bounds the scopes an extension is granted. Empty means
	// the host's default set (reading, adding to the tracklist, events).
	AllowedScopes []string `ini:"allowed_scopes"`
	// Disabled names installed extensions that the server does not run.
	Disabled []string `ini:"disabled"`
	// AllowWeakLandlock runs extensions on a kernel whose Landlock is
	// older than the sandbox needs, with the weaker confinement it offers.
	AllowWeakLandlock bool `ini:"allow_weak_landlock"`
}

// Bounds on one extension's settings section. The extension host applies
// the same bounds; checking them here reports them as config errors.
const (
	maxExtensionSettings     = 64
	maxExtensionSettingKey   = 64
	maxExtensionSettingValue = 4096
)

// ExtensionsDir returns the folder of installed extensions,
// <data_dir>/extensions.
func (c *Core) ExtensionsDir() string { return filepath.Join(c.DataDir, "extensions") }

// otherSection is a section that Config has no field for, kept until
// data_dir is known: it is either an installed extension's settings or
// a section that gives the "ignored" warning.
type otherSection struct {
	name string
	// source is the first file, or "-o", that set the section.
	source string
	keys   map[string]entry
}

// addOther records a key of a section that Config has no field for. An
// empty key records the section alone, because a section may have no keys.
func (l *loader) addOther(section, key string, e entry) {
	i := slices.IndexFunc(l.others, func(o *otherSection) bool { return o.name == section })
	if i < 0 {
		l.others = append(l.others, &otherSection{name: section, source: e.source, keys: map[string]entry{}})
		i = len(l.others) - 1
	}
	if key != "" {
		l.others[i].keys[key] = e
	}
}

// finishExtensions checks [extensions] and sorts the other sections into
// installed extensions' settings and ignored sections.
func (l *loader) finishExtensions(cfg *Config) {
	x := &cfg.Extensions
	for _, k := range x.TrustedKeys {
		raw, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			l.problem(l.at("extensions", "trusted_keys", fmt.Sprintf("invalid key %q: expected a %d-byte "+
				"ed25519 public key in standard base64, as `tonearm extension keygen` prints", k, ed25519.PublicKeySize)))
		}
	}
	for _, s := range x.AllowedScopes {
		if _, err := scope.Parse(s); err != nil {
			l.problem(l.at("extensions", "allowed_scopes", err.Error()))
		}
	}
	for _, name := range x.Disabled {
		if err := scope.ValidName(name); err != nil {
			l.problem(l.at("extensions", "disabled", fmt.Sprintf("invalid extension %s", err)))
		}
	}
	if x.AllowWeakLandlock {
		l.warn("extensions/allow_weak_landlock", fmt.Sprintf("%s: [extensions] allow_weak_landlock = true "+
			"runs extensions with a weaker sandbox on kernels older than Linux 6.12; set it to false",
			l.sourceOf("extensions", "allow_weak_landlock")))
	}

	cfg.ExtensionSettings = map[string]map[string]Secret{}
	for _, o := range l.others {
		if !extensionInstalled(cfg.Core.ExtensionsDir(), o.name) {
			l.warnUnknownSection(o.name, o.source)
			continue
		}
		cfg.ExtensionSettings[o.name] = l.decodeExtensionSettings(o)
	}
}

// extensionInstalled reports whether dir holds an installed extension
// called name, which is what makes [name] its settings section.
func extensionInstalled(dir, name string) bool {
	if scope.ValidName(name) != nil {
		return false
	}
	st, err := os.Stat(filepath.Join(dir, name, "manifest.json"))
	return err == nil && st.Mode().IsRegular()
}

// decodeExtensionSettings reads an extension's section. A value written
// env:NAME or secret:NAME is a reference, resolved like any Secret.
func (l *loader) decodeExtensionSettings(o *otherSection) map[string]Secret {
	if len(o.keys) > maxExtensionSettings {
		l.problem(&Problem{Source: o.source, Section: o.name, Message: fmt.Sprintf(
			"%d keys exceed the %d an extension's section may have; remove the unused ones",
			len(o.keys), maxExtensionSettings)})
	}
	out := make(map[string]Secret, len(o.keys))
	for _, key := range sortedNames(o.keys) {
		e := o.keys[key]
		if len(key) > maxExtensionSettingKey {
			l.problem(&Problem{Source: e.source, Section: o.name, Key: key, Value: maskIfSecretName(key, e.value),
				Message: fmt.Sprintf("key exceeds %d bytes; use a shorter key", maxExtensionSettingKey)})
			continue
		}
		s, err := parseSecret(e.value)
		if err != nil {
			l.problem(&Problem{Source: e.source, Section: o.name, Key: key, Value: e.value, Message: err.Error()})
			continue
		}
		if len(s.value) > maxExtensionSettingValue {
			l.problem(&Problem{Source: e.source, Section: o.name, Key: key, Value: Mask,
				Message: fmt.Sprintf("value exceeds %d bytes; shorten it", maxExtensionSettingValue)})
			continue
		}
		out[key] = s
	}
	return out
}

// ExtensionSettingsOf returns every extension's section as plain strings,
// with references resolved, for the extension host.
func (c *Config) ExtensionSettingsOf() map[string]map[string]string {
	out := make(map[string]map[string]string, len(c.ExtensionSettings))
	for name, section := range c.ExtensionSettings {
		m := make(map[string]string, len(section))
		for k, s := range section {
			m[k] = s.Value()
		}
		out[name] = m
	}
	return out
}

// resolveExtensionSecrets reads the env: and secret: references in
// extensions' sections.
func (l *loader) resolveExtensionSecrets(cfg *Config, openStore func() (SecretGetter, error)) {
	for _, o := range l.others {
		section := cfg.ExtensionSettings[o.name]
		for _, key := range sortedSettingKeys(section) {
			s := section[key]
			if s.ref == "" {
				continue
			}
			if err := s.resolve(l.env.lookupEnv, openStore); err != nil {
				l.problem(&Problem{Source: o.keys[key].source, Section: o.name, Key: key, Value: Mask, Message: err.Error()})
				continue
			}
			if len(s.value) > maxExtensionSettingValue {
				l.problem(&Problem{Source: o.keys[key].source, Section: o.name, Key: key, Value: Mask,
					Message: fmt.Sprintf("%s holds more than %d bytes; store a shorter value", s.ref, maxExtensionSettingValue)})
				continue
			}
			section[key] = s
		}
	}
}

// extensionSecrets returns the values that references in extensions'
// sections resolved to. Inline values are not included, because nothing
// marks them as secret.
func (c *Config) extensionSecrets() []Secret {
	var out []Secret
	for _, name := range sortedSectionNames(c.ExtensionSettings) {
		section := c.ExtensionSettings[name]
		for _, key := range sortedSettingKeys(section) {
			if s := section[key]; s.ref != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// formatExtensionSettings writes each extension's section as Format does:
// references as written, and values of keys whose names suggest a secret
// as Mask.
func (c *Config) formatExtensionSettings(b *strings.Builder) {
	for _, name := range sortedSectionNames(c.ExtensionSettings) {
		fmt.Fprintf(b, "[%s]\n", name)
		section := c.ExtensionSettings[name]
		for _, key := range sortedSettingKeys(section) {
			s := section[key]
			value := s.display()
			if s.ref == "" {
				value = maskIfSecretName(key, s.value)
			}
			if value == "" {
				fmt.Fprintf(b, "%s =\n", key)
			} else {
				fmt.Fprintf(b, "%s = %s\n", key, value)
			}
		}
		b.WriteString("\n")
	}
}

func sortedSectionNames(m map[string]map[string]Secret) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func sortedSettingKeys(m map[string]Secret) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
