package protocol

import (
	"regexp"
	"strings"
	"time"
)

// Bounds on filter expressions, which arrive from untrusted clients.
const (
	// MaxFilterDepth bounds the nesting of brackets.
	MaxFilterDepth = 16
	// MaxFilterTerms bounds the number of conditions in one filter.
	MaxFilterTerms = 64
	// MaxRegexpLength bounds a regular expression, in bytes.
	MaxRegexpLength = 1024
)

// Kind is the property of a song that a filter node compares.
type Kind int

// Filter node kinds.
const (
	KindTag           Kind = iota + 1 // a tag, with Tag set
	KindAny                           // any tag
	KindFile                          // the song URI
	KindBase                          // songs below a folder
	KindModifiedSince                 // file modification time
	KindAddedSince                    // time the song entered the database
	KindAudioFormat                   // "samplerate:bits:channels"
	KindPrio                          // queue priority
	KindAnd                           // all Children
	KindNot                           // not Children[0]
	KindNone                          // no song
)

// Op is a comparison operator.
type Op int

// Comparison operators of MPD filter expressions.
const (
	OpEqual Op = iota + 1
	OpNotEqual
	OpContains
	OpStartsWith
	OpRegexp
	OpNotRegexp
	OpGreaterEqual
)

// Filter is one node of a parsed filter.
type Filter struct {
	Kind     Kind
	Tag      string // canonical tag name for KindTag
	Op       Op
	Value    string
	Time     time.Time      // for KindModifiedSince and KindAddedSince
	Number   int            // for KindPrio
	Regexp   *regexp.Regexp // for OpRegexp and OpNotRegexp
	Children []*Filter
	// FoldCase makes string comparisons case-insensitive, as MPD's search
	// commands do and its find commands do not.
	FoldCase bool
}

// Song is the data a filter examines. Tags are keyed by canonical tag name.
type Song struct {
	URI         string
	Tags        map[string][]string
	Modified    time.Time
	Added       time.Time
	AudioFormat string
	Prio        int
}

// ParseFilter parses the filter arguments of find, search, count, list and
// their relatives. Each argument that starts with "(" is one MPD 0.21
// filter expression such as "((artist == 'x') AND (album != 'y'))", and
// the others form pairs of the older kind "TAG VALUE". MPD 0.23 accepts
// both kinds mixed and matches songs that satisfy all of them. Old pairs
// compare whole values in find (foldCase false) and substrings in search
// (foldCase true), as MPD 0.23 does.
func ParseFilter(args []string, foldCase bool) (*Filter, error) {
	if len(args) == 0 {
		return nil, Errorf(AckArg, "Incorrect number of filter arguments")
	}
	p := filterParser{foldCase: foldCase}
	depth := 0
	if len(args) > 1 {
		// The AND that joins the arguments is one more level and node.
		depth = 1
		p.terms = 1
	}
	var items []*Filter
	for len(args) > 0 {
		if strings.HasPrefix(args[0], "(") {
			p.s, p.i = args[0], 0
			f, err := p.expression(depth)
			if err != nil {
				return nil, err
			}
			if p.i != len(p.s) {
				return nil, Errorf(AckArg, "Unparsed garbage after expression")
			}
			items = append(items, f)
			args = args[1:]
			continue
		}
		if len(args) < 2 {
			return nil, Errorf(AckArg, "Incorrect number of filter arguments")
		}
		if p.terms++; p.terms > MaxFilterTerms {
			return nil, Errorf(AckArg, "Too many filter conditions")
		}
		f, err := parsePair(args[0], args[1], foldCase)
		if err != nil {
			return nil, err
		}
		items = append(items, f)
		args = args[2:]
	}
	if len(items) == 1 {
		return items[0], nil
	}
	// Nested ANDs join the outer one, so that a "(base 'x')" inside one is
	// the base of the whole filter, as it is in MPD 0.23.12.
	and := &Filter{Kind: KindAnd}
	for _, f := range items {
		if f.Kind == KindAnd {
			and.Children = append(and.Children, f.Children...)
		} else {
			and.Children = append(and.Children, f)
		}
	}
	return and, nil
}

// parsePair parses one "TAG VALUE" pair of the form before MPD 0.21. As in
// MPD 0.23, "base" and "modified-since" are case-sensitive and the other
// names are not.
func parsePair(name, value string, foldCase bool) (*Filter, error) {
	op := OpEqual
	if foldCase {
		op = OpContains
	}
	f := &Filter{Op: op, Value: value, FoldCase: foldCase}
	switch {
	case name == "base":
		if !IsSafeLocalURI(value) {
			return nil, Errorf(AckArg, "Bad URI")
		}
		f.Kind, f.Op = KindBase, 0
	case name == "modified-since":
		t, err := ParseTime(value)
		if err != nil {
			return nil, err
		}
		f.Kind, f.Op, f.Time = KindModifiedSince, 0, t
	case strings.EqualFold(name, "any"):
		f.Kind = KindAny
	case strings.EqualFold(name, "file"), strings.EqualFold(name, "filename"):
		f.Kind = KindFile
	case strings.EqualFold(name, "AudioFormat"):
		// MPD 0.23.12 accepts an old-style AudioFormat pair, but no song
		// matches it, whatever the value.
		f.Kind = KindNone
	default:
		tag, ok := ParseTag(name)
		if !ok {
			return nil, Errorf(AckArg, "Unknown filter type")
		}
		f.Kind, f.Tag = KindTag, tag
	}
	return f, nil
}

// IsSafeLocalURI reports whether uri is a relative path without empty,
// "." or ".." elements. MPD 0.23.12 rejects other values of an old-style
// "base" pair with "Bad URI".
func IsSafeLocalURI(uri string) bool {
	if uri == "" {
		return false
	}
	for _, element := range strings.Split(uri, "/") {
		if element == "" || element == "." || element == ".." {
			return false
		}
	}
	return true
}

// ParseTime parses a modified-since value as MPD 0.23.12 does: seconds
// since the Unix epoch (see parseUnixTime) or an ISO 8601 date or time
// (see parseISO8601), in UTC when no zone is given.
func ParseTime(s string) (time.Time, error) {
	if t, ok := parseUnixTime(s); ok {
		return t, nil
	}
	return parseISO8601(s)
}

// parseUnixTime reads s as MPD 0.23.12 on 64-bit Linux reads a number of
// seconds: with C's strtoull (see parseCUnsigned), as a signed 64-bit
// time_t, then converted to nanoseconds with a multiplication that wraps.
// So "-1" is one second before the epoch and matches every song, and
// "9223372037" wraps to a time before the epoch too.
func parseUnixTime(s string) (time.Time, bool) {
	n, ok := parseCUnsigned(s)
	if !ok {
		return time.Time{}, false
	}
	return unixNanos(int64(n), 0), true
}

// maxQuotedLength is the length in bytes at which MPD 0.23.12 rejects a
// quoted value.
const maxQuotedLength = 4096

// filterParser reads one filter expression byte by byte, so that it
// accepts what MPD 0.23.12 accepts and fails with the same messages, which
// testdata/filters.txt in the mpd package records. Each step starts at a
// token and ends after the blanks that follow it.
type filterParser struct {
	s        string
	i        int
	terms    int
	foldCase bool
}

// skipBlanks skips spaces, tabs and the other bytes from 0x01 to 0x1f.
func (p *filterParser) skipBlanks() {
	for p.i < len(p.s) && p.s[p.i] != 0 && p.s[p.i] <= ' ' {
		p.i++
	}
}

func (p *filterParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *filterParser) hasPrefix(prefix string) bool {
	return strings.HasPrefix(p.s[p.i:], prefix)
}

// closeBracket reads the ")" that ends an expression.
func (p *filterParser) closeBracket() error {
	if p.peek() != ')' {
		return Errorf(AckArg, "')' expected")
	}
	p.i++
	p.skipBlanks()
	return nil
}

// expression parses "(" ... ")" at the current position.
func (p *filterParser) expression(depth int) (*Filter, error) {
	if depth >= MaxFilterDepth {
		return nil, Errorf(AckArg, "Filter nested too deeply")
	}
	if p.terms++; p.terms > MaxFilterTerms {
		return nil, Errorf(AckArg, "Too many filter conditions")
	}
	if p.peek() != '(' {
		return nil, Errorf(AckArg, "'(' expected")
	}
	p.i++
	p.skipBlanks()
	switch p.peek() {
	case '(':
		return p.and(depth)
	case '!':
		p.i++
		p.skipBlanks()
		inner, err := p.expression(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.closeBracket(); err != nil {
			return nil, err
		}
		return &Filter{Kind: KindNot, Children: []*Filter{inner}}, nil
	}
	f, err := p.condition()
	if err != nil {
		return nil, err
	}
	if err := p.closeBracket(); err != nil {
		return nil, err
	}
	return f, nil
}

// and parses the rest of "((A) AND (B) ...)" after its first "(". A single
// expression in brackets, "((A))", is A itself.
func (p *filterParser) and(depth int) (*Filter, error) {
	first, err := p.expression(depth + 1)
	if err != nil {
		return nil, err
	}
	if p.peek() == ')' {
		return first, p.closeBracket()
	}
	and := &Filter{Kind: KindAnd, Children: []*Filter{first}}
	for {
		w, err := p.word()
		if err != nil {
			return nil, err
		}
		if w != "AND" {
			return nil, Errorf(AckArg, "'AND' expected")
		}
		child, err := p.expression(depth + 1)
		if err != nil {
			return nil, err
		}
		and.Children = append(and.Children, child)
		if p.peek() == ')' {
			return and, p.closeBracket()
		}
	}
}

// isWordByte reports whether c may appear in a filter type name or "AND":
// ASCII letters, "_" and "-", as in MPD 0.23.
func isWordByte(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '_' || c == '-'
}

func (p *filterParser) word() (string, error) {
	start := p.i
	for p.i < len(p.s) && isWordByte(p.s[p.i]) {
		p.i++
	}
	if p.i == start {
		return "", Errorf(AckArg, "Word expected")
	}
	w := p.s[start:p.i]
	p.skipBlanks()
	return w, nil
}

// quoted parses a value in single or double quotes in which a backslash
// takes the next character literally: the second level of escaping, below
// the command line's own quoting.
func (p *filterParser) quoted() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", Errorf(AckArg, "Quoted string expected")
	}
	p.i++
	var b strings.Builder
	for p.peek() != q {
		if p.peek() == '\\' {
			p.i++
		}
		if p.peek() == 0 {
			return "", Errorf(AckArg, "Closing quote not found")
		}
		b.WriteByte(p.s[p.i])
		p.i++
		if b.Len() >= maxQuotedLength {
			return "", Errorf(AckArg, "Quoted value is too long")
		}
	}
	p.i++
	p.skipBlanks()
	return b.String(), nil
}

// operator parses the comparison of a tag, "any" or "file" condition.
// MPD 0.23 accepts "==", "!=", "contains" and "=~". Tonearm also accepts
// "!~" and "starts_with", which MPD 0.24 added.
func (p *filterParser) operator() (Op, error) {
	var op Op
	switch {
	case p.hasPrefix("=="):
		op = OpEqual
	case p.hasPrefix("!="):
		op = OpNotEqual
	case p.hasPrefix("=~"):
		op = OpRegexp
	case p.hasPrefix("!~"):
		op = OpNotRegexp
	// As in MPD 0.23, a word operator ends at a space and not at a quote
	// or a tab.
	case p.hasPrefix("contains "):
		p.i += len("contains")
		op = OpContains
	case p.hasPrefix("starts_with "):
		p.i += len("starts_with")
		op = OpStartsWith
	default:
		// The message of MPD 0.23, which names its first two operators.
		return 0, Errorf(AckArg, "'==' or '!=' expected")
	}
	if op != OpContains && op != OpStartsWith {
		p.i += 2
	}
	p.skipBlanks()
	return op, nil
}

func (p *filterParser) condition() (*Filter, error) {
	name, err := p.word()
	if err != nil {
		return nil, err
	}
	f := &Filter{FoldCase: p.foldCase}
	switch {
	case name == "base":
		v, err := p.quoted()
		if err != nil {
			return nil, err
		}
		f.Kind, f.Value = KindBase, v
		return f, nil
	case name == "modified-since", name == "added-since":
		v, err := p.quoted()
		if err != nil {
			return nil, err
		}
		t, err := ParseTime(v)
		if err != nil {
			return nil, err
		}
		f.Kind, f.Value, f.Time = KindModifiedSince, v, t
		if name == "added-since" {
			f.Kind = KindAddedSince
		}
		return f, nil
	case strings.EqualFold(name, "prio"):
		return p.prio(f)
	case strings.EqualFold(name, "AudioFormat"):
		return p.audioFormat(f)
	case strings.EqualFold(name, "any"):
		f.Kind = KindAny
	case strings.EqualFold(name, "file"), strings.EqualFold(name, "filename"):
		f.Kind = KindFile
	default:
		tag, ok := ParseTag(name)
		if !ok {
			return nil, Errorf(AckArg, "Unknown filter type: %s", name)
		}
		f.Kind, f.Tag = KindTag, tag
	}
	op, err := p.operator()
	if err != nil {
		return nil, err
	}
	v, err := p.quoted()
	if err != nil {
		return nil, err
	}
	f.Op, f.Value = op, v
	if op == OpRegexp || op == OpNotRegexp {
		if f.Regexp, err = compileRegexp(v, p.foldCase); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// audioFormat parses the rest of "(AudioFormat == '44100:16:2')" or
// "(AudioFormat =~ '44100:*:2')". Value becomes the canonical form of the
// format, as "status" writes it in its audio line.
func (p *filterParser) audioFormat(f *Filter) (*Filter, error) {
	switch {
	case p.hasPrefix("=="):
		f.Op = OpEqual
	case p.hasPrefix("=~"):
		f.Op = OpRegexp
	default:
		return nil, Errorf(AckArg, "'==' or '=~' expected")
	}
	p.i += 2
	p.skipBlanks()
	v, err := p.quoted()
	if err != nil {
		return nil, err
	}
	if f.Value, err = ParseAudioFormat(v, f.Op == OpRegexp); err != nil {
		return nil, err
	}
	f.Kind = KindAudioFormat
	return f, nil
}

// prio parses the rest of "(prio >= 42)", a condition on the queue
// priority that MPD 0.24 added. The number may be quoted.
func (p *filterParser) prio(f *Filter) (*Filter, error) {
	if !p.hasPrefix(">=") {
		return nil, Errorf(AckArg, "'>=' expected")
	}
	p.i += 2
	p.skipBlanks()
	var w string
	if q := p.peek(); q == '\'' || q == '"' {
		var err error
		if w, err = p.quoted(); err != nil {
			return nil, err
		}
	} else {
		start := p.i
		for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
			p.i++
		}
		w = p.s[start:p.i]
		p.skipBlanks()
	}
	n, err := ParseUint(w)
	if err != nil || n > 255 {
		return nil, Errorf(AckArg, "Priority out of range: %s", w)
	}
	f.Kind, f.Op, f.Number = KindPrio, OpGreaterEqual, n
	return f, nil
}

func compileRegexp(pattern string, foldCase bool) (*regexp.Regexp, error) {
	if len(pattern) > MaxRegexpLength {
		return nil, Errorf(AckArg, "Regular expression too long")
	}
	if foldCase {
		pattern = "(?i)" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, Errorf(AckArg, "Invalid regular expression: %w", err)
	}
	return re, nil
}
