package config

import (
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// knownSections lists the sections Config holds, plus [loglevels].
func knownSections() map[string]bool {
	known := map[string]bool{"loglevels": true}
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		if name := t.Field(i).Tag.Get("ini"); name != "" && name != "-" {
			known[name] = true
		}
	}
	return known
}

// decode stores every raw value in its typed field.
func (l *loader) decode(cfg *Config) {
	v := reflect.ValueOf(cfg).Elem()
	t := v.Type()
	for i := range t.NumField() {
		section := t.Field(i).Tag.Get("ini")
		if section == "" || section == "-" {
			continue
		}
		l.decodeSection(section, v.Field(i))
	}
	l.decodeLogLevels(cfg)
}

func (l *loader) decodeSection(section string, sv reflect.Value) {
	fields := map[string]int{}
	for i := range sv.NumField() {
		fields[sv.Type().Field(i).Tag.Get("ini")] = i
	}
	ignored := ignoredKeys()[section]
	for _, key := range sortedNames(l.raw[section]) {
		e := l.raw[section][key]
		i, ok := fields[key]
		if !ok {
			if contains(ignored, key) {
				l.warn(section+"/"+key, fmt.Sprintf("%s: [%s] %s is a Mopidy setting that "+
					"Tonearm ignores; remove it to silence this warning", e.source, section, key))
				continue
			}
			l.problem(&Problem{Source: e.source, Section: section, Key: key, Value: maskIfSecretName(key, e.value),
				Message: fmt.Sprintf("unknown key; the keys of [%s] are: %s",
					section, strings.Join(sortedKeys(fields), ", "))})
			continue
		}
		field := sv.Type().Field(i)
		if err := l.decodeValue(sv.Field(i), field.Tag, e.value); err != nil {
			shown := e.value
			if isSecretField(field.Type) {
				shown = Mask
			}
			l.problem(&Problem{Source: e.source, Section: section, Key: key,
				Value: shown, Message: err.Error()})
		}
	}
}

func (l *loader) decodeLogLevels(cfg *Config) {
	for _, name := range sortedNames(l.raw["loglevels"]) {
		e := l.raw["loglevels"][name]
		level, err := ParseLogLevel(e.value)
		if err != nil {
			l.problem(&Problem{Source: e.source, Section: "loglevels", Key: name,
				Value: e.value, Message: err.Error()})
			continue
		}
		cfg.LogLevels[name] = level
	}
}

// maskIfSecretName hides the value of an unknown key whose name suggests a
// secret, such as a misspelt "pasword".
func maskIfSecretName(key, value string) string {
	for _, word := range []string{"pass", "pasw", "pwd", "secret", "token", "key", "auth", "cred"} {
		if strings.Contains(key, word) {
			return Mask
		}
	}
	return value
}

func isSecretField(t reflect.Type) bool {
	return t == reflect.TypeFor[Secret]() || t == reflect.TypeFor[[]MPDPassword]()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedNames(m map[string]entry) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, len(m))
	for k, i := range m {
		keys[i] = k
	}
	return keys
}

// intBounds returns the min and max tags, or the int32 range.
func intBounds(tag reflect.StructTag) (int64, int64) {
	lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
	if s := tag.Get("min"); s != "" {
		lo, _ = strconv.ParseInt(s, 10, 64)
	}
	if s := tag.Get("max"); s != "" {
		hi, _ = strconv.ParseInt(s, 10, 64)
	}
	return lo, hi
}

// decodeValue parses raw by the field's Go type and tags and stores it.
func (l *loader) decodeValue(fv reflect.Value, tag reflect.StructTag, raw string) error {
	optional := tag.Get("optional") == "true"
	switch fv.Interface().(type) {
	case bool:
		b, err := parseBool(raw)
		fv.SetBool(b)
		return err
	case int:
		if raw == "" && optional {
			fv.SetInt(0)
			return nil
		}
		if tag.Get("type") == "port" {
			n, err := parsePort(raw)
			fv.SetInt(int64(n))
			return err
		}
		lo, hi := intBounds(tag)
		n, err := parseInt(raw, lo, hi)
		fv.SetInt(n)
		return err
	case *int:
		if raw == "" && optional {
			fv.Set(reflect.Zero(fv.Type()))
			return nil
		}
		lo, hi := intBounds(tag)
		n, err := parseInt(raw, lo, hi)
		if err == nil {
			x := int(n)
			fv.Set(reflect.ValueOf(&x))
		}
		return err
	case time.Duration:
		return decodeDuration(fv, tag, raw, optional)
	case string:
		s, err := l.decodeString(tag, raw)
		fv.SetString(s)
		return err
	case []string:
		items, err := decodeList(tag, raw)
		fv.Set(reflect.ValueOf(items))
		return err
	case Secret:
		s, err := parseSecret(raw)
		fv.Set(reflect.ValueOf(s))
		return err
	case []MPDPassword:
		return decodePasswords(fv, raw)
	case []MediaDir:
		return l.decodeMediaDirs(fv, raw)
	}
	return fmt.Errorf("no parser for %s", fv.Type())
}

func decodeDuration(fv reflect.Value, tag reflect.StructTag, raw string, optional bool) error {
	if raw == "" && optional {
		fv.SetInt(0)
		return nil
	}
	unit := time.Millisecond
	if tag.Get("unit") == "s" {
		unit = time.Second
	}
	lo, hi := intBounds(tag)
	n, err := parseInt(raw, lo, hi)
	if err != nil {
		name := "milliseconds"
		if unit == time.Second {
			name = "seconds"
		}
		return fmt.Errorf("%w (%s)", err, name)
	}
	fv.SetInt(int64(time.Duration(n) * unit))
	return nil
}

func (l *loader) decodeString(tag reflect.StructTag, raw string) (string, error) {
	switch tag.Get("type") {
	case "path":
		return l.env.expandPath(raw)
	case "hostname":
		return parseHostname(raw)
	case "choice":
		choices := strings.Split(tag.Get("choices"), "|")
		if !contains(choices, raw) {
			return raw, fmt.Errorf("invalid value, must be one of: %s", strings.Join(choices, ", "))
		}
	}
	return raw, nil
}

func decodeList(tag reflect.StructTag, raw string) ([]string, error) {
	items := splitList(raw)
	switch tag.Get("ini") {
	case "default_permissions", "local_permissions":
		return parsePermissions(items)
	case "allowed_origins", "allowed_hosts":
		for i, item := range items {
			items[i] = strings.ToLower(item)
		}
	case "allowed_networks":
		for _, item := range items {
			if _, err := netip.ParsePrefix(item); err != nil {
				return items, fmt.Errorf("invalid network %q, must be a CIDR prefix such as 192.168.1.0/24", item)
			}
		}
	}
	return items, nil
}

// decodePasswords splits on newlines only, because each entry's
// permissions are separated by commas.
func decodePasswords(fv reflect.Value, raw string) error {
	var out []MPDPassword
	for line := range strings.SplitSeq(raw, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		p, err := parseMPDPassword(line)
		if err != nil {
			return err
		}
		out = append(out, p)
	}
	fv.Set(reflect.ValueOf(out))
	return nil
}

func (l *loader) decodeMediaDirs(fv reflect.Value, raw string) error {
	var out []MediaDir
	for _, item := range splitList(raw) {
		d, err := parseMediaDir(item, l.env)
		if err != nil {
			return fmt.Errorf("media dir %q: %w", item, err)
		}
		out = append(out, d)
	}
	fv.Set(reflect.ValueOf(out))
	return nil
}
