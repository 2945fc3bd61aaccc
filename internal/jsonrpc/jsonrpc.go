// Package jsonrpc is a JSON-RPC 2.0 codec and dispatcher over an explicit
// table of methods, with the request shapes, error codes and describe
// output of Mopidy 3.4's HTTP frontend. It does not depend on HTTP or on
// the methods themselves.
package jsonrpc

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Error codes of JSON-RPC 2.0. Mopidy 3.4 returns code 0 for an error
// raised by the method itself.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeApplication    = 0
)

// Param describes one parameter of a method. A nil Default makes the
// parameter required.
type Param struct {
	Name    string
	Default json.RawMessage
}

// Method is one callable entry of the table. Call receives one raw value
// per declared parameter, in declaration order, with defaults filled in.
type Method struct {
	Name        string
	Description string
	Params      []Param
	Call        func(ctx context.Context, args []json.RawMessage) (any, error)
	// Hidden leaves the method out of Describe, as Mopidy 3.4 leaves out
	// core.describe itself.
	Hidden bool
}

// PublicError is an error whose message may be shown to the caller. Any
// other error reaches the caller only as a generic message and a request id.
type PublicError interface {
	error
	// Kind returns a short type name such as "ValidationError".
	Kind() string
	// Public returns the message for the caller, free of paths and secrets.
	Public() string
}

// Options bounds what a dispatcher accepts.
type Options struct {
	// MaxBatch is the most requests one batch may carry (default 100).
	MaxBatch int
	// Logger receives the detail of every failed call.
	Logger *slog.Logger
}

// Dispatcher routes requests to the methods of its table.
type Dispatcher struct {
	methods  map[string]Method
	order    []string
	maxBatch int
	log      *slog.Logger
}

// New builds a dispatcher. Names starting with "_" or repeated are refused,
// so a table cannot expose private methods by mistake.
func New(methods []Method, opts Options) (*Dispatcher, error) {
	d := &Dispatcher{methods: make(map[string]Method, len(methods)), maxBatch: opts.MaxBatch, log: opts.Logger}
	if d.maxBatch <= 0 {
		d.maxBatch = 100
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	for _, m := range methods {
		last := m.Name[strings.LastIndex(m.Name, ".")+1:]
		if m.Name == "" || strings.HasPrefix(last, "_") {
			return nil, fmt.Errorf("jsonrpc: invalid method name %q", m.Name)
		}
		if _, dup := d.methods[m.Name]; dup {
			return nil, fmt.Errorf("jsonrpc: method %q listed twice", m.Name)
		}
		if m.Call == nil {
			return nil, fmt.Errorf("jsonrpc: method %q has no Call", m.Name)
		}
		d.methods[m.Name] = m
		d.order = append(d.order, m.Name)
	}
	return d, nil
}

// Describe returns the method table in the form of Mopidy 3.4's
// core.describe: name to description and parameter list.
func (d *Dispatcher) Describe() map[string]any {
	out := make(map[string]any, len(d.methods))
	for _, name := range d.order {
		m := d.methods[name]
		if m.Hidden {
			continue
		}
		params := make([]map[string]any, 0, len(m.Params))
		for _, p := range m.Params {
			entry := map[string]any{"name": p.Name}
			if p.Default != nil {
				entry["default"] = p.Default
			}
			params = append(params, entry)
		}
		out[name] = map[string]any{"description": m.Description, "params": params}
	}
	return out
}

// decodeRequestSlow decodes any request object with encoding/json. Member
// names are matched exactly, as Python's json module and Mopidy 3.4 match
// them, so {"METHOD": ...} is a request without a method. A struct with
// json tags would fold case. Of repeated members the last one wins, as in
// Python.
func decodeRequestSlow(raw []byte) (parsedRequest, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return parsedRequest{}, err
	}
	var version string
	if v, ok := members["jsonrpc"]; ok {
		if err := json.Unmarshal(v, &version); err != nil {
			return parsedRequest{}, err
		}
	}
	c := parsedRequest{jsonrpc: []byte(version), params: members["params"], id: members["id"]}
	if v, ok := members["method"]; ok {
		var method *string
		if err := json.Unmarshal(v, &method); err != nil {
			return parsedRequest{}, err
		}
		if method != nil {
			c.method, c.hasMethod = []byte(*method), true
		}
	}
	return c, nil
}

// Response is one JSON-RPC response object.
type Response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *ErrorObject    `json:"error,omitempty"`
}

// MarshalJSON writes "result" even when it is null, because JSON-RPC
// requires a response to carry either result or error.
func (r Response) MarshalJSON() ([]byte, error) {
	type plain Response
	if r.Error == nil {
		return json.Marshal(struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Result  any             `json:"result"`
		}{r.JSONRPC, r.ID, r.Result})
	}
	return json.Marshal(plain(r))
}

// ErrorObject is the error member of a response.
type ErrorObject struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// Handle decodes body as one request or a batch and returns the encoded
// reply. It returns nil when nothing must be sent back: for notifications
// and for an empty body.
func (d *Dispatcher) Handle(ctx context.Context, body []byte) []byte {
	out := d.AppendReply(ctx, nil, body)
	if len(out) == 0 {
		return nil
	}
	return out
}

// AppendReply is Handle with the reply appended to dst, so a caller can
// reuse one buffer for many replies. It returns dst unchanged when nothing
// must be sent back.
func (d *Dispatcher) AppendReply(ctx context.Context, dst, body []byte) []byte {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return dst
	}
	if body[0] == '[' {
		return append(dst, d.handleBatch(ctx, body)...)
	}
	resp, ok := d.handleOne(ctx, body)
	if !ok {
		return dst
	}
	if resp.Error == nil {
		if out, ok := appendSuccess(dst, resp.ID, resp.Result); ok {
			return out
		}
	}
	return append(dst, mustMarshal(resp)...)
}

func (d *Dispatcher) handleBatch(ctx context.Context, body []byte) []byte {
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return mustMarshal(errorResponse(nil, CodeParseError, "Parse error", nil))
	}
	if len(items) == 0 {
		return mustMarshal(errorResponse(nil, CodeInvalidRequest, "Invalid Request", "Batch list cannot be empty"))
	}
	if len(items) > d.maxBatch {
		return mustMarshal(errorResponse(nil, CodeInvalidRequest, "Invalid Request",
			fmt.Sprintf("Batch of %d requests is over the limit of %d", len(items), d.maxBatch)))
	}
	var out []Response
	for _, item := range items {
		if resp, ok := d.handleOne(ctx, item); ok {
			out = append(out, resp)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return mustMarshal(out)
}

// handleOne returns the response and whether one must be sent.
func (d *Dispatcher) handleOne(ctx context.Context, raw []byte) (Response, bool) {
	var req parsedRequest
	if !decodeRequest(raw, &req) {
		var err error
		if req, err = decodeRequestSlow(raw); err != nil {
			var syntax *json.SyntaxError
			if errors.As(err, &syntax) || !json.Valid(raw) {
				return errorResponse(nil, CodeParseError, "Parse error", nil), true
			}
			return errorResponse(nil, CodeInvalidRequest, "Invalid Request", nil), true
		}
	}
	if string(req.jsonrpc) != "2.0" {
		return errorResponse(nil, CodeInvalidRequest, "Invalid Request", `"jsonrpc" member must be included`), true
	}
	if !req.hasMethod {
		return errorResponse(nil, CodeInvalidRequest, "Invalid Request", `"method" must be a string`), true
	}
	notification := req.id == nil
	if !notification && !validID(req.id) {
		return errorResponse(nil, CodeInvalidRequest, "Invalid Request", `"id" must be a string, number or null`), true
	}
	m, ok := d.methods[string(req.method)]
	if !ok {
		if notification {
			return Response{}, false
		}
		return errorResponse(req.id, CodeMethodNotFound, "Method not found",
			fmt.Sprintf("Unknown method %q", truncate(string(req.method), 80))), true
	}
	args, perr := bindParams(m, req.params)
	if perr != "" {
		if notification {
			return Response{}, false
		}
		return errorResponse(req.id, CodeInvalidParams, "Invalid params", perr), true
	}
	result, err := m.Call(ctx, args)
	if notification {
		if err != nil {
			d.log.Warn("notification failed", "method", m.Name, "err", err)
		}
		return Response{}, false
	}
	if err != nil {
		return d.applicationError(req.id, m.Name, err), true
	}
	return Response{JSONRPC: "2.0", ID: req.id, Result: result}, true
}

// applicationError turns a method's error into code 0. Only a PublicError
// shows its message. Any other error is logged with a request id that the
// reply carries, so the detail can be found in the log.
func (d *Dispatcher) applicationError(id json.RawMessage, method string, err error) Response {
	requestID := newRequestID()
	var pub PublicError
	if errors.As(err, &pub) {
		d.log.Info("call failed", "method", method, "request_id", requestID, "err", err)
		return errorResponse(id, CodeApplication, "Application error", map[string]string{
			"type": pub.Kind(), "message": pub.Public(), "request_id": requestID,
		})
	}
	d.log.Error("call failed", "method", method, "request_id", requestID, "err", err)
	return errorResponse(id, CodeApplication, "Application error", map[string]string{
		"type": "InternalError", "message": "internal error", "request_id": requestID,
	})
}

// bindParams maps positional or named params onto the declared parameters
// and returns an explanation when they do not fit.
func bindParams(m Method, raw json.RawMessage) ([]json.RawMessage, string) {
	args := make([]json.RawMessage, len(m.Params))
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null" || string(raw) == "{}" || string(raw) == "[]":
		// No argument given: defaults fill every parameter below.
	case raw[0] == '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, "params must be an array or an object"
		}
		if len(list) > len(m.Params) {
			return nil, fmt.Sprintf("%s takes at most %d arguments, got %d", m.Name, len(m.Params), len(list))
		}
		copy(args, list)
	case raw[0] == '{':
		var named map[string]json.RawMessage
		if err := json.Unmarshal(raw, &named); err != nil {
			return nil, "params must be an array or an object"
		}
		for name, value := range named {
			i := paramIndex(m, name)
			if i < 0 {
				return nil, fmt.Sprintf("%s got an unexpected argument %q", m.Name, truncate(name, 40))
			}
			args[i] = value
		}
	default:
		return nil, "params must be an array or an object"
	}
	for i, p := range m.Params {
		if args[i] != nil {
			continue
		}
		if p.Default == nil {
			return nil, fmt.Sprintf("%s is missing the argument %q", m.Name, p.Name)
		}
		args[i] = p.Default
	}
	return args, ""
}

func paramIndex(m Method, name string) int {
	for i, p := range m.Params {
		if p.Name == name {
			return i
		}
	}
	return -1
}

func validID(id json.RawMessage) bool {
	switch id[0] {
	case '"', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return true
	}
	return false
}

func errorResponse(id json.RawMessage, code int, message string, data any) Response {
	if id == nil {
		id = json.RawMessage("null")
	}
	return Response{JSONRPC: "2.0", ID: id, Error: &ErrorObject{Code: code, Message: message, Data: data}}
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// A result that cannot be encoded is a server bug, and the caller
		// still gets a valid JSON-RPC error.
		return []byte(`{"jsonrpc":"2.0","id":null,"error":{"code":0,"message":"Application error","data":{"type":"InternalError","message":"internal error"}}}`)
	}
	return b
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
