package extension

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/extension/wire"
	"github.com/tonearm/tonearm/internal/httpapi"
	"github.com/tonearm/tonearm/internal/jsonrpc"
	"github.com/tonearm/tonearm/internal/models"
)

// Methods of the pipe protocol. The host calls the extension's
// "extension.*", "library.*" and "playback.*" methods and sends it
// "event" notifications. The extension calls "core.*" methods and
// "events.publish", and sends "log" notifications.
const (
	MethodInitialize = "extension.initialize"
	MethodEvent      = "event"
	MethodPublish    = "events.publish"
	MethodLog        = "log"
	MethodBrowse     = "library.browse"
	MethodLookup     = "library.lookup"
	MethodSearch     = "library.search"
	MethodOpen       = "playback.open"
	MethodRead       = "playback.read"
	MethodClose      = "playback.close"
)

// maxLogMessage bounds a log message from an extension in bytes.
const maxLogMessage = 2048

type initParams struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Scopes  []string `json:"scopes"`
	Schemes []string `json:"schemes"`
	Events  []string `json:"events"`
	// Settings is the extension's own configuration section.
	Settings map[string]string `json:"settings"`
}

type initResult struct {
	// Root is the extension's browse root, or null.
	Root *models.Ref `json:"root"`
}

func (e *ext) initParams() initParams {
	m := e.inst.Manifest
	p := initParams{Name: m.Name, Version: m.Version, Schemes: m.Schemes, Events: m.Events,
		Settings: e.h.opts.Settings[m.Name]}
	if p.Settings == nil {
		p.Settings = map[string]string{}
	}
	for _, s := range e.granted.List() {
		p.Scopes = append(p.Scopes, string(s))
	}
	return p
}

// coreDispatcher returns a function that builds the dispatcher of core
// methods on first use. Each call runs through core.Guard with the
// extension's principal.
func (e *ext) coreDispatcher() func() (*jsonrpc.Dispatcher, error) {
	return sync.OnceValues(func() (*jsonrpc.Dispatcher, error) {
		methods, err := httpapi.CoreMethods(e.api)
		if err != nil {
			return nil, err
		}
		return jsonrpc.New(methods, jsonrpc.Options{MaxBatch: 1, Logger: e.log})
	})
}

// serve handles one request or notification from the extension.
func (e *ext) serve(ctx context.Context, m *wire.Message, line []byte) *wire.Message {
	switch {
	case m.Method == MethodLog:
		e.logMessage(m)
		return nil
	case m.Method == MethodPublish:
		return e.publish(ctx, m)
	case strings.HasPrefix(m.Method, "core."):
		return e.callCore(ctx, m, line)
	}
	if m.IsNotification() {
		return nil
	}
	return wire.NewError(m.ID, wire.CodeMethodNotFound, fmt.Sprintf("unknown method %q", truncate(m.Method, 80)))
}

// callCore checks the method's scope, auditing a denial, and passes the
// request to the core dispatcher.
func (e *ext) callCore(ctx context.Context, m *wire.Message, line []byte) *wire.Message {
	sc, known := core.ScopeOf(m.Method)
	if !known {
		return wire.NewError(m.ID, wire.CodeMethodNotFound, fmt.Sprintf("unknown core method %q", truncate(m.Method, 80)))
	}
	if !e.granted.Has(sc) {
		detail := fmt.Sprintf("%s needs scope %s", m.Method, sc)
		e.log.Warn("core call denied", "method", m.Method, "scope", sc)
		e.rejected(ctx, audit.PermissionDenied, detail)
		return wire.NewError(m.ID, wire.CodeApplication, "permission denied: "+detail)
	}
	if m.IsNotification() {
		return nil
	}

	d, err := e.dispatcher()
	if err != nil {
		e.log.Error("core method table not built", "err", err)
		return wire.NewError(m.ID, wire.CodeInternal, "internal error")
	}
	ctx, cancel := context.WithTimeout(ctx, e.h.opts.Limits.CallTimeout)
	defer cancel()

	reply := d.Handle(httpapi.WithPrincipal(ctx, e.principal()), line)
	if len(reply) > e.h.opts.Limits.MaxMessage {
		return wire.NewError(m.ID, wire.CodeApplication, fmt.Sprintf("result of %d bytes exceeds the %d-byte message limit: request less", len(reply), e.h.opts.Limits.MaxMessage))
	}
	resp, err := wire.Decode(reply)
	if err != nil {
		e.log.Error("core reply not decoded", "method", m.Method, "err", err)
		return wire.NewError(m.ID, wire.CodeInternal, "internal error")
	}
	return resp
}

type publishParams struct {
	Event   string          `json:"event"`
	Payload json.RawMessage `json:"payload"`
}

// publish sends an event in the extension's namespace. Any other name is
// a forgery attempt: it is rejected and audited.
func (e *ext) publish(ctx context.Context, m *wire.Message) *wire.Message {
	var p publishParams
	dec := json.NewDecoder(bytes.NewReader(m.Params))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return wire.NewError(m.ID, wire.CodeInvalidParams, "events.publish takes {\"event\": name, \"payload\": object}")
	}
	err := core.Guard(e.api, e.principal()).Events().Publish(ctx, p.Event, p.Payload)
	if err != nil {
		detail := fmt.Sprintf("publish %q rejected: %v", truncate(p.Event, 80), err)
		e.log.Warn("event publish rejected", "event", truncate(p.Event, 80), "err", err)
		e.rejected(ctx, audit.SandboxViolation, truncate(detail, 400))
		if m.IsNotification() {
			return nil
		}
		return wire.NewError(m.ID, wire.CodeInvalidParams, truncate(err.Error(), 400))
	}
	if m.IsNotification() {
		return nil
	}
	resp, _ := wire.NewResult(m.ID, nil)
	return resp
}

type logParams struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

func (e *ext) logMessage(m *wire.Message) {
	var p logParams
	if err := json.Unmarshal(m.Params, &p); err != nil {
		return
	}
	level := slog.LevelInfo
	switch p.Level {
	case "debug":
		level = slog.LevelDebug
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	e.log.Log(context.Background(), level, "extension log", "message", cleanText(p.Message, maxLogMessage))
}

// forwardEvents sends the extension the events its scopes allow and its
// manifest subscribes to, until the connection ends. Events that find
// the outgoing queue full are dropped and counted.
func (e *ext) forwardEvents(ctx context.Context, c *conn) {
	subscribed := e.inst.Manifest.Events
	if len(subscribed) == 0 {
		return
	}
	sub, err := core.Guard(e.api, e.principal()).Events().Subscribe(ctx)
	if err != nil {
		e.log.Error("event subscription failed", "err", err)
		return
	}
	defer sub.Close()
	dropped := 0
	for {
		select {
		case <-c.done:
			return
		case ev, ok := <-sub.Events():
			if !ok {
				e.log.Warn("event subscription ended: the bus dropped it")
				return
			}
			if !slices.Contains(subscribed, ev.Name()) {
				continue
			}
			body, err := events.Marshal(ev)
			if err != nil {
				continue
			}
			msg := &wire.Message{JSONRPC: "2.0", Method: MethodEvent, Params: body}
			if !c.send(msg) {
				dropped++
				if dropped == 1 || dropped%100 == 0 {
					e.log.Warn("event dropped: outgoing queue full", "event", ev.Name(), "dropped", dropped)
				}
			}
		}
	}
}

// maxRejections is how many calls and replies one run of an extension may
// have rejected before the host stops it, which also bounds the audit
// records a run can cause.
const maxRejections = 32

// rejected audits a rejected call or reply and stops the extension when
// its run has had more than maxRejections.
func (e *ext) rejected(ctx context.Context, kind, detail string) {
	e.h.audit(ctx, kind, e.name, detail)
	c, err := e.current()
	if err != nil {
		return
	}
	if n := c.rejections.Add(1); n > maxRejections {
		c.fail(fmt.Errorf("%w: %d calls or replies rejected", errViolation, n))
	}
}

// owns reports whether uri has one of the extension's schemes.
func (e *ext) owns(uri string) bool {
	scheme, _, ok := strings.Cut(uri, ":")
	return ok && slices.Contains(e.inst.Manifest.Schemes, strings.ToLower(scheme))
}
