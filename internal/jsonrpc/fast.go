package jsonrpc

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
)

// The functions in this file decode the usual request and encode the
// usual success reply by hand. Each returns false for any input it does
// not cover, and the caller then falls back to encoding/json, so both
// paths produce the same result for the same input.

// parsedRequest is one decoded request.
type parsedRequest struct {
	jsonrpc   []byte
	method    []byte
	hasMethod bool // false when "method" is absent or null
	params    json.RawMessage
	id        json.RawMessage
}

// decodeRequest decodes a request object whose members are the four
// JSON-RPC names spelled exactly, each at most once, with "jsonrpc" and
// "method" as printable ASCII strings without escapes. For such input the
// result is what decodeRequestSlow yields, which
// TestDecodeRequestMatchesEncodingJSON and FuzzDecodeRequest check. It
// returns false for anything else: invalid JSON, other member names,
// repeated names, and other value types. The params and id slices share
// raw's memory.
func decodeRequest(raw []byte, c *parsedRequest) bool {
	pos := skipSpace(raw, 0)
	if pos == len(raw) || raw[pos] != '{' || !json.Valid(raw) {
		return false
	}
	// raw is valid JSON, so the scan below only has to find boundaries.
	var seen [4]bool
	pos = skipSpace(raw, pos+1)
	if raw[pos] == '}' {
		return true
	}
	for {
		keyStart := pos + 1
		keyEnd := stringEnd(raw, pos)
		key := raw[keyStart : keyEnd-1]
		pos = skipSpace(raw, keyEnd)
		pos = skipSpace(raw, pos+1) // the colon
		valueEnd := valueEnd(raw, pos)
		value := raw[pos:valueEnd]
		slot := -1
		switch string(key) {
		case "jsonrpc":
			slot = 0
			s, ok := plainString(value)
			if !ok {
				return false
			}
			c.jsonrpc = s
		case "method":
			slot = 1
			if string(value) == "null" {
				break
			}
			s, ok := plainString(value)
			if !ok {
				return false
			}
			c.method, c.hasMethod = s, true
		case "params":
			slot = 2
			c.params = value
		case "id":
			slot = 3
			c.id = value
		default:
			return false
		}
		if seen[slot] {
			return false
		}
		seen[slot] = true
		pos = skipSpace(raw, valueEnd)
		if raw[pos] == '}' {
			return true
		}
		pos = skipSpace(raw, pos+1) // the comma
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string that starts at i.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// valueEnd returns the index just past the valid JSON value at i.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// plainString returns the contents of a JSON string made of printable
// ASCII without escapes, which decode to themselves.
func plainString(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	inner := v[1 : len(v)-1]
	for _, c := range inner {
		if c < 0x20 || c > 0x7e || c == '\\' || c == '"' {
			return nil, false
		}
	}
	return inner, true
}

// appendSuccess appends the success reply for id and result as
// Response.MarshalJSON writes it. It covers ids and results whose encoding
// it can write directly: nil, booleans, integers, strings of printable
// ASCII that need no escaping, and nil pointers. It returns false for
// anything else, including types with their own JSON or text encoding.
func appendSuccess(dst []byte, id json.RawMessage, result any) ([]byte, bool) {
	if !plainID(id) {
		return dst, false
	}
	start := len(dst)
	dst = append(dst, `{"jsonrpc":"2.0","id":`...)
	dst = append(dst, id...)
	dst = append(dst, `,"result":`...)
	var ok bool
	dst, ok = appendResult(dst, result)
	if !ok {
		return dst[:start], false
	}
	return append(dst, '}'), true
}

// plainID reports whether encoding/json copies id through unchanged: no
// white space to compact, no byte that it escapes in HTML-safe output.
func plainID(id json.RawMessage) bool {
	if len(id) == 0 {
		return false
	}
	for _, c := range id {
		if c <= ' ' || c > 0x7e || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

func appendResult(dst []byte, result any) ([]byte, bool) {
	if result == nil {
		return append(dst, "null"...), true
	}
	v := reflect.ValueOf(result)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return append(dst, "null"...), true
		}
		return dst, false
	}
	switch result.(type) {
	case json.Marshaler, encoding.TextMarshaler, json.Number:
		return dst, false
	}
	switch v.Kind() {
	case reflect.Bool:
		return strconv.AppendBool(dst, v.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(dst, v.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(dst, v.Uint(), 10), true
	case reflect.String:
		s := v.String()
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return dst, false
			}
		}
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"'), true
	}
	return dst, false
}
