package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tonearm/tonearm/internal/core/scope"
)

// MaxExtPayload bounds the JSON payload of an extension event in bytes.
const MaxExtPayload = 64 << 10

// ExtPrefix starts the name of every extension event: "ext.<name>.<event>".
const ExtPrefix = "ext."

// Ext is an event an extension published in its own namespace.
type Ext struct {
	// Extension is the publishing extension's name.
	Extension string
	// Event is the event's name inside the namespace.
	Event string
	// Payload is a JSON object without an "event" key.
	Payload json.RawMessage
}

// Name returns "ext.<extension>.<event>".
func (x Ext) Name() string { return ExtPrefix + x.Extension + "." + x.Event }

// Area returns AreaExt.
func (Ext) Area() Area { return AreaExt }

// NewExt checks an extension event and returns it. The extension name
// comes from the publishing principal, never from the message, so an
// extension cannot publish in another namespace or under a core name.
func NewExt(p scope.Principal, event string, payload json.RawMessage) (Ext, error) {
	if p.Kind != scope.KindExtension {
		return Ext{}, fmt.Errorf("publish %q: principal %s is not an extension: only extensions publish namespaced events", event, p)
	}
	if err := scope.ValidName(p.ID); err != nil {
		return Ext{}, fmt.Errorf("publish %q: invalid extension name: %w", event, err)
	}
	if err := scope.ValidName(event); err != nil {
		return Ext{}, fmt.Errorf("publish: invalid event name: %w", err)
	}
	if len(payload) == 0 {
		payload = json.RawMessage("{}")
	}
	if len(payload) > MaxExtPayload {
		return Ext{}, fmt.Errorf("publish %q: payload of %d bytes exceeds %d", event, len(payload), MaxExtPayload)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil || fields == nil {
		return Ext{}, fmt.Errorf("publish %q: payload must be a JSON object", event)
	}
	if _, ok := fields["event"]; ok {
		return Ext{}, fmt.Errorf("publish %q: payload must not have an \"event\" key", event)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, payload); err != nil {
		return Ext{}, fmt.Errorf("publish %q: %w", event, err)
	}
	return Ext{Extension: p.ID, Event: event, Payload: compact.Bytes()}, nil
}

func (x Ext) marshal() ([]byte, error) {
	payload := x.Payload
	if len(payload) == 0 {
		payload = json.RawMessage("{}")
	}
	if !json.Valid(payload) || !strings.HasPrefix(string(payload), "{") {
		return nil, fmt.Errorf("encode event %s: payload is not a JSON object", x.Name())
	}
	return appendEventKey(payload, x.Name()), nil
}
