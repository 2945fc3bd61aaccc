package config

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

// Mask replaces a secret wherever Tonearm prints or logs it.
const Mask = "********"

// Secret is a value that is never printed: fmt, slog and Format show it as
// Mask. In a file it is the value itself, "env:NAME" (read from the
// environment at start) or "secret:NAME" (read from the encrypted store).
type Secret struct {
	value string
	// ref is "env:NAME" or "secret:NAME", or "" for a value given inline.
	ref string
}

// NewSecret returns a Secret holding value, as given inline.
func NewSecret(value string) Secret { return Secret{value: value} }

// Value returns the secret itself.
func (s Secret) Value() string { return s.value }

// Ref returns the env: or secret: reference the value came from, or "" when
// it was given inline.
func (s Secret) Ref() string { return s.ref }

// IsSet reports whether the secret has a value or a reference.
func (s Secret) IsSet() bool { return s.value != "" || s.ref != "" }

// Inline reports whether the secret was written into the configuration
// itself, as opposed to a reference.
func (s Secret) Inline() bool { return s.ref == "" && s.value != "" }

// String returns Mask, or "" when the secret is empty.
func (s Secret) String() string {
	if !s.IsSet() {
		return ""
	}
	return Mask
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return "config.Secret(" + s.String() + ")" }

// LogValue keeps slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Format keeps every fmt verb from printing the value.
func (s Secret) Format(f fmt.State, verb rune) { fmt.Fprint(f, s.String()) }

// display returns what `tonearm config` shows: the reference, which is not
// secret, or Mask.
func (s Secret) display() string {
	if s.ref != "" {
		return s.ref
	}
	return s.String()
}

var (
	envNamePattern    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	secretNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// parseSecret reads a Secret value: a reference is checked for its form and
// resolved later, anything else is the secret itself.
func parseSecret(raw string) (Secret, error) {
	switch {
	case strings.HasPrefix(raw, "env:"):
		name := strings.TrimPrefix(raw, "env:")
		if !envNamePattern.MatchString(name) {
			return Secret{}, fmt.Errorf("invalid environment variable name %q, "+
				"must be letters, digits and _", name)
		}
		return Secret{ref: raw}, nil
	case strings.HasPrefix(raw, "secret:"):
		name := strings.TrimPrefix(raw, "secret:")
		if !secretNamePattern.MatchString(name) {
			return Secret{}, fmt.Errorf("invalid secret name %q, "+
				"must be 1 to 64 letters, digits, '.', '_' or '-'", name)
		}
		return Secret{ref: raw}, nil
	}
	return Secret{value: raw}, nil
}

// SecretGetter reads a secret from the encrypted store by name.
type SecretGetter interface {
	Get(name string) (string, error)
}

// resolve fills in the value of a reference.
func (s *Secret) resolve(lookupEnv func(string) (string, bool), store func() (SecretGetter, error)) error {
	switch {
	case strings.HasPrefix(s.ref, "env:"):
		name := strings.TrimPrefix(s.ref, "env:")
		v, ok := lookupEnv(name)
		if !ok || v == "" {
			return fmt.Errorf("environment variable %s is not set or empty; "+
				"export %s before starting Tonearm", name, name)
		}
		s.value = v
	case strings.HasPrefix(s.ref, "secret:"):
		name := strings.TrimPrefix(s.ref, "secret:")
		g, err := store()
		if err != nil {
			return err
		}
		v, err := g.Get(name)
		if err != nil {
			return fmt.Errorf("read secret %s: %w; store it with: tonearm secret set %s",
				name, err, name)
		}
		s.value = v
	}
	return nil
}
