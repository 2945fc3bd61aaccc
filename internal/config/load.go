package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/ini.v1"
)

// Bounds on what Load reads.
const (
	maxFileSize  = 1 << 20
	maxFiles     = 64
	maxOverrides = 256
)

// Options are the inputs of Load. The zero value reads the default files
// with the process environment.
type Options struct {
	// Files are config files or folders (each folder's *.conf in name
	// order), later ones winning. Nil searches /etc/tonearm/tonearm.conf and
	// then $XDG_CONFIG_HOME/tonearm/tonearm.conf, reading those that exist.
	Files []string
	// Overrides are "section/key=value" strings from -o, applied last.
	Overrides []string
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// HomeDir is the user's home folder; "" means os.UserHomeDir.
	HomeDir string
	// OpenSecrets opens the encrypted store in the config folder. Load
	// calls it only when a value is a secret: reference; nil makes such a
	// reference an error.
	OpenSecrets func(configDir string) (SecretGetter, error)
	// SkipSecrets leaves env: and secret: references unresolved, for
	// commands that show or check the configuration or fill the store.
	SkipSecrets bool
}

// entry is one key's raw value and where it came from.
type entry struct {
	value  string
	source string
}

// layers holds the merged raw values, section → key → entry.
type layers map[string]map[string]entry

func (l layers) set(section, key string, e entry) {
	if l[section] == nil {
		l[section] = map[string]entry{}
	}
	l[section][key] = e
}

// Load reads the defaults, the files and the overrides, in that order, and
// returns the checked configuration. When the values have problems, the
// error is Errors, listing all of them, and the config is returned too,
// partly filled, for commands that report on it. Without a home folder the
// config is nil.
func Load(opts Options) (*Config, error) {
	env, err := newEnvironment(opts)
	if err != nil {
		return nil, err
	}
	l := &loader{env: env, raw: layers{}, known: knownSections()}
	cfg := &Config{LogLevels: map[string]slog.Level{}}

	l.addSource(defaultConfig, "defaults")
	files, err := l.findFiles(opts.Files)
	if err != nil {
		l.problem(&Problem{Message: err.Error()})
	}
	for _, f := range files {
		l.addFile(f)
	}
	cfg.Files = files
	l.addOverrides(opts.Overrides)

	l.decode(cfg)
	l.finish(cfg)
	if !opts.SkipSecrets {
		l.resolveSecrets(cfg, opts)
	}
	l.checkFileModes(cfg)
	cfg.Warnings = l.warnings
	if len(l.problems) > 0 {
		return cfg, l.problems
	}
	return cfg, nil
}

func newEnvironment(opts Options) (environment, error) {
	env := environment{lookupEnv: opts.LookupEnv, home: opts.HomeDir}
	if env.lookupEnv == nil {
		env.lookupEnv = os.LookupEnv
	}
	if env.home == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return env, fmt.Errorf("find home folder: %w; set HOME", err)
		}
		env.home = home
	}
	return env, nil
}

// loader collects raw values, warnings and problems while Load runs.
type loader struct {
	env      environment
	raw      layers
	known    map[string]bool
	warnings []string
	warned   map[string]bool
	problems Errors
	// others are the sections Config has no field for, in the order read.
	others []*otherSection
}

func (l *loader) warn(key, msg string) {
	if l.warned == nil {
		l.warned = map[string]bool{}
	}
	if !l.warned[key] {
		l.warned[key] = true
		l.warnings = append(l.warnings, msg)
	}
}

func (l *loader) problem(p *Problem) { l.problems = append(l.problems, p) }

// findFiles expands folders into their *.conf files and checks that each
// named file exists; with no names it returns the default files present.
func (l *loader) findFiles(names []string) ([]string, error) {
	if names == nil {
		var found []string
		for _, p := range []string{"/etc/tonearm/tonearm.conf",
			filepath.Join(l.env.configDir(), "tonearm", "tonearm.conf")} {
			if _, err := os.Stat(p); err == nil && !slices.Contains(found, p) {
				found = append(found, p)
			}
		}
		return found, nil
	}
	var files []string
	for _, name := range names {
		p, err := l.env.expandPath(name)
		if err != nil {
			return files, fmt.Errorf("config file %q: %w", name, err)
		}
		st, err := os.Stat(p)
		if err != nil {
			return files, fmt.Errorf("config file %s: %w; check the --config path", p, err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(p, "*.conf"))
		if err != nil {
			return files, fmt.Errorf("config folder %s: %w", p, err)
		}
		slices.Sort(matches)
		files = append(files, matches...)
	}
	if len(files) > maxFiles {
		return files[:maxFiles], fmt.Errorf("too many config files (%d), at most %d are read",
			len(files), maxFiles)
	}
	return files, nil
}

func (l *loader) addFile(path string) {
	f, err := os.Open(path)
	if err != nil {
		l.problem(&Problem{Source: path, Message: fmt.Sprintf("cannot read: %v", err)})
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		l.problem(&Problem{Source: path, Message: fmt.Sprintf("cannot read: %v", err)})
		return
	}
	if len(data) > maxFileSize {
		l.problem(&Problem{Source: path,
			Message: fmt.Sprintf("file is larger than %d bytes; split it or remove unused parts", maxFileSize)})
		return
	}
	l.addSource(string(data), path)
}

// iniOptions read Mopidy files as Python's RawConfigParser does: indented
// continuation lines, "; comment" after a value, quotes kept.
func iniOptions() ini.LoadOptions {
	return ini.LoadOptions{
		AllowPythonMultilineValues: true,
		SpaceBeforeInlineComment:   true,
		PreserveSurroundedQuote:    true,
		InsensitiveKeys:            true,
		KeyValueDelimiters:         "=:",
	}
}

func (l *loader) addSource(data, source string) {
	f, err := ini.LoadSources(iniOptions(), []byte(data))
	if err != nil {
		l.problem(&Problem{Source: source, Message: syntaxMessage(data, err)})
		return
	}
	for _, sec := range f.Sections() {
		name := sec.Name()
		if name == ini.DefaultSection {
			if len(sec.Keys()) > 0 {
				l.problem(&Problem{Source: source, Key: sec.Keys()[0].Name(),
					Message: "key outside any section; put it under a [section] header"})
			}
			continue
		}
		if !l.known[name] {
			l.addOther(name, "", entry{source: source})
			for _, k := range sec.Keys() {
				l.addOther(name, k.Name(), entry{value: strings.TrimSpace(k.Value()), source: source})
			}
			continue
		}
		for _, k := range sec.Keys() {
			// Value, not String: String expands Python %(name)s, Mopidy does not.
			l.raw.set(name, k.Name(), entry{value: strings.TrimSpace(k.Value()), source: source})
		}
	}
}

// syntaxMessage describes an INI syntax error by line number. It leaves the
// line's text out, because the line may be a secret.
func syntaxMessage(data string, err error) string {
	var line string
	var delim ini.ErrDelimiterNotFound
	var empty ini.ErrEmptyKeyName
	switch {
	case errors.As(err, &delim):
		line = delim.Line
	case errors.As(err, &empty):
		line = empty.Line
	default:
		return "invalid INI syntax: an unclosed [section] header or key quote"
	}
	for i, l := range strings.Split(data, "\n") {
		if strings.TrimSpace(l) == strings.TrimSpace(line) {
			return fmt.Sprintf("invalid INI syntax on line %d: expected key = value, "+
				"a [section] header, or an indented continuation line", i+1)
		}
	}
	return "invalid INI syntax: expected key = value, a [section] header, or an indented continuation line"
}

func (l *loader) warnUnknownSection(name, source string) {
	if why, ok := ignoredSections()[name]; ok {
		l.warn("section "+name, fmt.Sprintf("%s: [%s] ignored: %s", source, name, why))
		return
	}
	l.warn("section "+name, fmt.Sprintf("%s: [%s] ignored: Tonearm has no %s extension "+
		"built in; remove the section to silence this warning", source, name, name))
}

func (l *loader) addOverrides(overrides []string) {
	if len(overrides) > maxOverrides {
		l.problem(&Problem{Source: "-o", Message: fmt.Sprintf("too many overrides (%d), at most %d",
			len(overrides), maxOverrides)})
		return
	}
	for _, o := range overrides {
		path, value, ok := strings.Cut(o, "=")
		section, key, ok2 := strings.Cut(path, "/")
		section, key = strings.TrimSpace(section), strings.ToLower(strings.TrimSpace(key))
		if !ok || !ok2 || section == "" || key == "" {
			l.problem(&Problem{Source: "-o", Message: fmt.Sprintf(
				"invalid override %q, must be section/key=value (for example mpd/port=6601)", path)})
			continue
		}
		if !l.known[section] {
			l.addOther(section, key, entry{value: strings.TrimSpace(value), source: "-o"})
			continue
		}
		l.raw.set(section, key, entry{value: strings.TrimSpace(value), source: "-o"})
	}
}
