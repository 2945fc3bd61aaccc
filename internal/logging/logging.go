// Package logging builds the server's slog logger from [logging] and
// [loglevels]: text or JSON lines, a level per component, and redaction of
// every configured secret from messages and attributes.
package logging

import (
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/tonearm/tonearm/internal/config"
)

// ComponentKey is the attribute that names a component:
// logger.With(ComponentKey, "mpd").
const ComponentKey = "component"

// Options configure New.
type Options struct {
	Writer io.Writer
	// Verbosity is [logging] verbosity, -1..4, or the -v/-q flags.
	Verbosity int
	// Format is "text" or "json".
	Format string
	// Levels are [loglevels]: a level per component name. A name also
	// applies to its dotted children ("mpd" covers "mpd.session").
	Levels map[string]slog.Level
	// Secrets are replaced by config.Mask wherever they appear.
	Secrets []string
}

// LevelForVerbosity maps Mopidy 3.4's verbosity to a level: -1 warning,
// 0 info, 1 and 2 debug, 3 trace, 4 everything.
func LevelForVerbosity(v int) slog.Level {
	switch {
	case v <= -1:
		return slog.LevelWarn
	case v == 0:
		return slog.LevelInfo
	case v <= 2:
		return slog.LevelDebug
	case v == 3:
		return config.LevelTrace
	}
	return config.LevelAll
}

// New returns the logger for opts.
func New(opts Options) *slog.Logger {
	return slog.New(NewHandler(opts))
}

// NewHandler returns the handler behind New, for callers that wrap it.
func NewHandler(opts Options) slog.Handler {
	w := opts.Writer
	if w == nil {
		w = io.Discard
	}
	ho := &slog.HandlerOptions{Level: config.LevelAll, ReplaceAttr: replaceLevel}
	var inner slog.Handler
	if opts.Format == "json" {
		inner = slog.NewJSONHandler(w, ho)
	} else {
		inner = slog.NewTextHandler(w, ho)
	}
	return &handler{
		inner:  inner,
		level:  LevelForVerbosity(opts.Verbosity),
		levels: opts.Levels,
		redact: newRedactor(opts.Secrets),
	}
}

// replaceLevel names the levels beyond slog's four as Mopidy does.
func replaceLevel(groups []string, a slog.Attr) slog.Attr {
	if a.Key != slog.LevelKey || len(groups) > 0 {
		return a
	}
	level, ok := a.Value.Any().(slog.Level)
	if !ok {
		return a
	}
	switch {
	case level >= config.LevelCritical:
		a.Value = slog.StringValue("CRITICAL")
	case level < slog.LevelDebug:
		a.Value = slog.StringValue("TRACE")
	}
	return a
}

// handler filters by component level and redacts secrets before passing
// records on.
type handler struct {
	inner     slog.Handler
	level     slog.Level
	levels    map[string]slog.Level
	component string
	redact    *redactor
}

func (h *handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.threshold()
}

// threshold returns the level of the longest [loglevels] name that is the
// component or a dotted parent of it, else the verbosity level.
func (h *handler) threshold() slog.Level {
	name := h.component
	for name != "" {
		if l, ok := h.levels[name]; ok {
			return l
		}
		i := strings.LastIndexByte(name, '.')
		if i < 0 {
			break
		}
		name = name[:i]
	}
	return h.level
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if h.redact == nil {
		return h.inner.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, h.redact.replace(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.redact.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	redacted := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		if a.Key == ComponentKey {
			c.component = a.Value.Resolve().String()
		}
		redacted[i] = h.redact.attr(a)
	}
	c.inner = h.inner.WithAttrs(redacted)
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	c := *h
	c.inner = h.inner.WithGroup(name)
	return &c
}

// redactor replaces secrets with config.Mask.
type redactor struct {
	secrets  []string
	replacer *strings.Replacer
}

// newRedactor returns nil when there is nothing to redact.
func newRedactor(secrets []string) *redactor {
	var list []string
	for _, s := range secrets {
		if s != "" && !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	if len(list) == 0 {
		return nil
	}
	// Longest first, so a secret that contains another is masked whole.
	slices.SortFunc(list, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, s, config.Mask)
	}
	return &redactor{secrets: list, replacer: strings.NewReplacer(pairs...)}
}

func (r *redactor) replace(s string) string {
	if r == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// attr redacts one attribute. A value of any kind is checked through each
// text form a handler may print, so an error, a byte slice or a struct
// that would print a secret is replaced by its redacted text.
func (r *redactor) attr(a slog.Attr) slog.Attr {
	if r == nil {
		return a
	}
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		group := v.Group()
		out := make([]slog.Attr, len(group))
		for i, g := range group {
			out[i] = r.attr(g)
		}
		return slog.Attr{Key: r.replace(a.Key), Value: slog.GroupValue(out...)}
	}
	for _, s := range forms(v) {
		if red := r.replace(s); red != s {
			return slog.String(r.replace(a.Key), red)
		}
	}
	return slog.Attr{Key: r.replace(a.Key), Value: v}
}

// forms returns the texts a handler may print for v: its fmt form and, for
// KindAny, the forms the text and JSON handlers use for bytes, errors,
// text marshalers and other values.
func forms(v slog.Value) []string {
	if v.Kind() != slog.KindAny {
		return []string{v.String()}
	}
	x := v.Any()
	out := []string{fmt.Sprintf("%+v", x)}
	switch t := x.(type) {
	case []byte:
		out = append(out, string(t))
	case error:
		out = append(out, t.Error())
	case encoding.TextMarshaler:
		if b, err := t.MarshalText(); err == nil {
			out = append(out, string(b))
		}
	}
	if b, err := json.Marshal(x); err == nil {
		out = append(out, string(b))
	}
	return out
}
