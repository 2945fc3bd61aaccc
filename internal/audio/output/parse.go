package output

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
)

// Kind names a type of output.
type Kind string

// Output kinds as the `[audio] output` setting writes them.
const (
	KindAuto         Kind = "auto"
	KindPulse        Kind = "pulse"
	KindHTTP         Kind = "http"
	KindSnapcastFIFO Kind = "snapcast:fifo"
	KindSnapcastTCP  Kind = "snapcast:tcp"
	KindPipe         Kind = "pipe"
	KindNull         Kind = "null"
)

// Spec is one parsed entry of the `[audio] output` setting.
type Spec struct {
	Kind Kind
	// Target is the PulseAudio sink name (empty for the default sink), the
	// FIFO path or the HOST:PORT of a Snapcast TCP source.
	Target string
	// Command is the argument vector of a pipe output.
	Command []string
	// Alias is the GStreamer element name the entry was written as, such
	// as "pulsesink", or empty.
	Alias string
}

// String returns the spec as Parse accepts it.
func (s Spec) String() string {
	switch {
	case s.Kind == KindPipe:
		return "pipe:" + strings.Join(s.Command, " ")
	case s.Target != "":
		return string(s.Kind) + ":" + s.Target
	}
	return string(s.Kind)
}

// maxSpecs bounds the number of outputs one setting may list.
const maxSpecs = 16

// validNames is the help text listing every accepted form.
const validNames = "auto, pulse, pulse:SINK, http, snapcast:fifo:PATH, " +
	"snapcast:tcp:HOST:PORT, null, pipe:COMMAND ARGS (last in the list), " +
	"or the GStreamer names autoaudiosink, pulsesink, fakesink"

// gstreamerAliases maps the Mopidy 3.4 GStreamer sink names that have an
// exact counterpart here.
var gstreamerAliases = map[string]Kind{
	"autoaudiosink": KindAuto,
	"pulsesink":     KindPulse,
	"fakesink":      KindNull,
}

// Parse validates the `[audio] output` setting: a comma-separated list of
// outputs. A pipe entry takes the rest of the string, commas included (ALSA
// device names such as hw:1,0 contain them), so it must come last.
func Parse(setting string) ([]Spec, error) {
	var specs []Spec
	rest := strings.TrimSpace(setting)
	if rest == "" {
		return nil, fmt.Errorf("output: empty [audio] output setting: use one of %s", validNames)
	}
	for rest != "" {
		if len(specs) == maxSpecs {
			return nil, fmt.Errorf("output: more than %d outputs in %q", maxSpecs, setting)
		}
		var entry string
		if strings.HasPrefix(rest, "pipe:") {
			entry, rest = rest, ""
		} else {
			entry, rest, _ = strings.Cut(rest, ",")
		}
		entry = strings.TrimSpace(entry)
		rest = strings.TrimSpace(rest)
		spec, err := parseEntry(entry)
		if err != nil {
			return nil, err
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

func parseEntry(entry string) (Spec, error) {
	if kind, ok := gstreamerAliases[entry]; ok {
		return Spec{Kind: kind, Alias: entry}, nil
	}
	name, arg, hasArg := strings.Cut(entry, ":")
	switch {
	case entry == "auto" || entry == "http" || entry == "null" || entry == "pulse":
		return Spec{Kind: Kind(entry)}, nil
	case name == "pulse" && hasArg:
		if arg == "" || strings.ContainsAny(arg, " \t\x00") {
			return Spec{}, fmt.Errorf("output: invalid PulseAudio sink name in %q", entry)
		}
		return Spec{Kind: KindPulse, Target: arg}, nil
	case name == "pipe":
		argv, err := SplitCommand(arg)
		if err != nil {
			return Spec{}, fmt.Errorf("output: invalid command in %q: %w", entry, err)
		}
		return Spec{Kind: KindPipe, Command: argv}, nil
	case name == "snapcast":
		return parseSnapcast(entry, arg)
	}
	return Spec{}, fmt.Errorf("output: unknown output %q: use one of %s", entry, validNames)
}

func parseSnapcast(entry, arg string) (Spec, error) {
	mode, target, _ := strings.Cut(arg, ":")
	switch mode {
	case "fifo":
		if !filepath.IsAbs(target) || strings.ContainsRune(target, 0) {
			return Spec{}, fmt.Errorf("output: %q needs an absolute FIFO path, as in snapcast:fifo:/tmp/snapfifo", entry)
		}
		return Spec{Kind: KindSnapcastFIFO, Target: filepath.Clean(target)}, nil
	case "tcp":
		host, port, err := net.SplitHostPort(target)
		if err != nil || host == "" || port == "" {
			return Spec{}, fmt.Errorf("output: %q needs HOST:PORT, as in snapcast:tcp:127.0.0.1:4953", entry)
		}
		return Spec{Kind: KindSnapcastTCP, Target: target}, nil
	}
	return Spec{}, fmt.Errorf("output: unknown Snapcast mode in %q: use snapcast:fifo:PATH or snapcast:tcp:HOST:PORT", entry)
}

// maxCommandArgs bounds the argument count of a pipe command.
const maxCommandArgs = 64

// SplitCommand splits a command line into words the way a POSIX shell
// splits a simple command with quotes, and nothing more: no variables,
// globs, redirections or pipes. Single quotes keep everything, double quotes
// allow \" and \\, and a backslash outside quotes escapes the next byte.
func SplitCommand(line string) ([]string, error) {
	var (
		words   []string
		word    strings.Builder
		inWord  bool
		quote   byte
		escaped bool
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == 0:
			return nil, fmt.Errorf("NUL byte at offset %d", i)
		case escaped:
			word.WriteByte(c)
			escaped = false
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				word.WriteByte(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '\\'):
				i++
				word.WriteByte(line[i])
			default:
				word.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\':
			escaped, inWord = true, true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteByte(c)
			inWord = true
		}
		if len(words) > maxCommandArgs {
			return nil, fmt.Errorf("more than %d arguments", maxCommandArgs)
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if escaped {
		return nil, fmt.Errorf("backslash at the end")
	}
	if inWord {
		words = append(words, word.String())
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	if len(words) > maxCommandArgs {
		return nil, fmt.Errorf("more than %d arguments", maxCommandArgs)
	}
	return words, nil
}
