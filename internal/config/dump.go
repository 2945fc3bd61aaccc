package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Format returns the configuration in the form Mopidy 3.4's `mopidy
// config` prints: every section and key, lists as indented lines, secrets
// written inline shown as Mask and references shown as written.
func (c *Config) Format() string {
	var b strings.Builder
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := range t.NumField() {
		section := t.Field(i).Tag.Get("ini")
		if section == "" || section == "-" {
			continue
		}
		fmt.Fprintf(&b, "[%s]\n", section)
		sv := v.Field(i)
		for j := range sv.NumField() {
			f := sv.Type().Field(j)
			value := formatValue(sv.Field(j), f.Tag)
			if value == "" || value[0] == '\n' {
				fmt.Fprintf(&b, "%s =%s\n", f.Tag.Get("ini"), value)
			} else {
				fmt.Fprintf(&b, "%s = %s\n", f.Tag.Get("ini"), value)
			}
		}
		b.WriteString("\n")
		if section == "logging" {
			c.formatLogLevels(&b)
		}
	}
	c.formatExtensionSettings(&b)
	return b.String()
}

func (c *Config) formatLogLevels(b *strings.Builder) {
	b.WriteString("[loglevels]\n")
	names := make([]string, 0, len(c.LogLevels))
	for name := range c.LogLevels {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(b, "%s = %s\n", name, LogLevelName(c.LogLevels[name]))
	}
	b.WriteString("\n")
}

func formatList(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return "\n  " + strings.Join(items, "\n  ")
}

func formatValue(fv reflect.Value, tag reflect.StructTag) string {
	switch x := fv.Interface().(type) {
	case bool:
		return strconv.FormatBool(x)
	case int:
		if x == 0 && tag.Get("optional") == "true" {
			return ""
		}
		return strconv.Itoa(x)
	case *int:
		if x == nil {
			return ""
		}
		return strconv.Itoa(*x)
	case time.Duration:
		if x == 0 && tag.Get("optional") == "true" {
			return ""
		}
		if tag.Get("unit") == "s" {
			return strconv.FormatInt(int64(x/time.Second), 10)
		}
		return strconv.FormatInt(int64(x/time.Millisecond), 10)
	case string:
		return x
	case []string:
		return formatList(x)
	case Secret:
		return x.display()
	case []MPDPassword:
		items := make([]string, len(x))
		for i, p := range x {
			items[i] = p.Secret.display() + "@" + strings.Join(p.Permissions, ",")
		}
		return formatList(items)
	case []MediaDir:
		items := make([]string, len(x))
		for i, d := range x {
			items[i] = d.Path + "|" + d.Name
		}
		return formatList(items)
	}
	return fmt.Sprint(fv.Interface())
}
