package protocol

import (
	"unicode/utf8"
)

// MaxArgs bounds the number of arguments of one command line.
const MaxArgs = 256

// Tokenize splits an MPD command line, without its line end, into the
// command name and its arguments.
//
// Arguments are separated by spaces or tabs. An unquoted argument is a run of
// printable characters other than quotes. A quoted argument starts with a
// double quote, as in MPD 0.23, or a single quote, which MPD 0.23 rejects;
// inside it a backslash takes the next character literally, and the closing
// quote must be followed by a separator or the end of the line. A line with
// invalid UTF-8 or any control character other than a tab is rejected.
//
// The returned *Error has code AckUnknown when the command name is bad and
// AckArg when an argument is.
func Tokenize(line string) (name string, args []string, err error) {
	if !utf8.ValidString(line) {
		return "", nil, &Error{Code: AckArg, Message: "Invalid UTF-8"}
	}
	for i := 0; i < len(line); i++ {
		if c := line[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return "", nil, &Error{Code: AckArg, Message: "Control character in command line"}
		}
	}
	i := skipSpace(line, 0)
	if i == len(line) {
		return "", nil, &Error{Code: AckUnknown, Message: "No command given"}
	}
	start := i
	if !isLetter(line[i]) {
		return "", nil, &Error{Code: AckUnknown, Message: "Letter expected"}
	}
	for i < len(line) && isWordChar(line[i]) {
		i++
	}
	if i < len(line) && !isSpace(line[i]) {
		return "", nil, &Error{Code: AckUnknown, Message: "Invalid word character"}
	}
	name = line[start:i]
	for {
		i = skipSpace(line, i)
		if i == len(line) {
			return name, args, nil
		}
		if len(args) == MaxArgs {
			return name, nil, &Error{Code: AckArg, Message: "Too many arguments"}
		}
		var arg string
		var perr *Error
		arg, i, perr = nextParam(line, i)
		if perr != nil {
			return name, nil, perr
		}
		args = append(args, arg)
	}
}

func nextParam(line string, i int) (string, int, *Error) {
	q := line[i]
	if q != '"' && q != '\'' {
		start := i
		for i < len(line) && !isSpace(line[i]) {
			if line[i] == '"' || line[i] == '\'' {
				return "", i, &Error{Code: AckArg, Message: "Invalid unquoted character"}
			}
			i++
		}
		return line[start:i], i, nil
	}
	i++
	buf := make([]byte, 0, 16)
	for {
		if i == len(line) {
			return "", i, &Error{Code: AckArg, Message: "Missing closing '" + string(q) + "'"}
		}
		c := line[i]
		if c == q {
			i++
			break
		}
		if c == '\\' {
			i++
			if i == len(line) {
				return "", i, &Error{Code: AckArg, Message: "Missing closing '" + string(q) + "'"}
			}
			c = line[i]
		}
		buf = append(buf, c)
		i++
	}
	if i < len(line) && !isSpace(line[i]) {
		return "", i, &Error{Code: AckArg, Message: "Space expected after closing '" + string(q) + "'"}
	}
	return string(buf), i, nil
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func isWordChar(c byte) bool {
	return isLetter(c) || (c >= '0' && c <= '9') || c == '_'
}

// Quote returns s as a double-quoted argument that Tokenize reads back as s.
func Quote(s string) string {
	buf := make([]byte, 0, len(s)+2)
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			buf = append(buf, '\\')
		}
		buf = append(buf, s[i])
	}
	return string(append(buf, '"'))
}
