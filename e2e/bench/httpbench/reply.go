package main

import (
	"errors"
	"fmt"
	"strconv"
)

// reply is the part of a JSON-RPC message that the call-rate loads check.
// It records which top-level members are present, which distinguishes a
// success for a given id from an error or an event.
type reply struct {
	id        int64
	hasID     bool // "id" is present and a JSON integer
	hasResult bool
	hasError  bool
	isEvent   bool // "event" is present, as in Mopidy 3.4's event messages
}

// scanReply reads the top-level members of a JSON object without decoding
// their values. It skips each value by its syntax alone (strings with
// escapes, nested arrays and objects), so it costs one pass over the bytes
// and no allocation. It rejects input whose structure is not one JSON
// object, but it does not check the contents of strings or of bare values
// (numbers, true, false, null). The server's own tests check those, not a
// load generator.
func scanReply(data []byte) (reply, error) {
	var r reply
	s := scanner{data: data}
	s.skipSpace()
	if !s.consume('{') {
		return r, s.fail("expected an object")
	}
	s.skipSpace()
	if s.consume('}') {
		return r, s.end()
	}
	for {
		s.skipSpace()
		key, err := s.readString()
		if err != nil {
			return r, err
		}
		s.skipSpace()
		if !s.consume(':') {
			return r, s.fail("expected a colon")
		}
		s.skipSpace()
		start := s.pos
		if err := s.skipValue(0); err != nil {
			return r, err
		}
		value := data[start:s.pos]
		switch string(key) {
		case "id":
			if n, err := strconv.ParseInt(string(value), 10, 64); err == nil {
				r.id, r.hasID = n, true
			}
		case "result":
			r.hasResult = true
		case "error":
			r.hasError = true
		case "event":
			r.isEvent = true
		}
		s.skipSpace()
		if s.consume(',') {
			continue
		}
		if s.consume('}') {
			return r, s.end()
		}
		return r, s.fail("expected a comma or a closing brace")
	}
}

// checkSuccess returns an error unless msg is a successful reply for id.
func checkSuccess(msg []byte, id int64) error {
	r, err := scanReply(msg)
	switch {
	case err != nil:
		return fmt.Errorf("invalid JSON-RPC reply %q: %w", truncate(msg), err)
	case r.hasError:
		return fmt.Errorf("JSON-RPC error: %s", truncate(msg))
	case !r.hasID || r.id != id:
		return fmt.Errorf("JSON-RPC reply for the wrong id, expected %d: %s", id, truncate(msg))
	case !r.hasResult:
		return fmt.Errorf("JSON-RPC reply without a result: %s", truncate(msg))
	}
	return nil
}

func truncate(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}

// maxDepth bounds the nesting that skipValue follows.
const maxDepth = 64

type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) fail(problem string) error {
	return fmt.Errorf("%s at byte %d", problem, s.pos)
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) consume(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// end checks that only white space follows the object.
func (s *scanner) end() error {
	s.skipSpace()
	if s.pos != len(s.data) {
		return s.fail("unexpected data after the object")
	}
	return nil
}

// readString reads a string and returns its raw contents without the quotes.
// Escapes are left as they are.
func (s *scanner) readString() ([]byte, error) {
	if !s.consume('"') {
		return nil, s.fail("expected a string")
	}
	start := s.pos
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\\':
			s.pos += 2
		case '"':
			s.pos++
			return s.data[start : s.pos-1], nil
		default:
			s.pos++
		}
	}
	return nil, errors.New("unterminated string")
}

func (s *scanner) skipValue(depth int) error {
	if depth > maxDepth {
		return s.fail("nesting too deep")
	}
	if s.pos >= len(s.data) {
		return s.fail("missing value")
	}
	switch c := s.data[s.pos]; c {
	case '"':
		_, err := s.readString()
		return err
	case '{', '[':
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		s.pos++
		s.skipSpace()
		if s.consume(closing) {
			return nil
		}
		for {
			s.skipSpace()
			if c == '{' {
				if _, err := s.readString(); err != nil {
					return err
				}
				s.skipSpace()
				if !s.consume(':') {
					return s.fail("expected a colon")
				}
				s.skipSpace()
			}
			if err := s.skipValue(depth + 1); err != nil {
				return err
			}
			s.skipSpace()
			if s.consume(',') {
				continue
			}
			if s.consume(closing) {
				return nil
			}
			return s.fail("expected a comma or a closing bracket")
		}
	default:
		// A number, true, false or null: everything up to a delimiter.
		start := s.pos
		for s.pos < len(s.data) && !isDelimiter(s.data[s.pos]) {
			s.pos++
		}
		if s.pos == start {
			return s.fail("missing value")
		}
		return nil
	}
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}
