package protocol

import (
	"regexp"
	"strconv"
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
// their relatives: either one MPD 0.21 filter expression such as
// "((artist == 'x') AND (album != 'y'))", or pairs of the older form
// "TAG VALUE ...". Old pairs compare whole values in find (foldCase false)
// and substrings in search (foldCase true), as MPD 0.23 does.
func ParseFilter(args []string, foldCase bool) (*Filter, error) {
	if len(args) == 0 {
		return nil, Errorf(AckArg, "Filter expected")
	}
	if len(args) == 1 && strings.HasPrefix(args[0], "(") {
		p := filterParser{s: args[0], foldCase: foldCase}
		f, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		if p.skipSpace(); p.i != len(p.s) {
			return nil, Errorf(AckArg, "Unparsed garbage after expression")
		}
		return f, nil
	}
	return parsePairs(args, foldCase)
}

func parsePairs(args []string, foldCase bool) (*Filter, error) {
	if len(args)%2 != 0 {
		return nil, Errorf(AckArg, "Incorrect number of filter arguments")
	}
	if len(args)/2 > MaxFilterTerms {
		return nil, Errorf(AckArg, "Too many filter conditions")
	}
	and := &Filter{Kind: KindAnd}
	op := OpEqual
	if foldCase {
		op = OpContains
	}
	for i := 0; i < len(args); i += 2 {
		name, value := args[i], args[i+1]
		f := &Filter{Op: op, Value: value, FoldCase: foldCase}
		switch strings.ToLower(name) {
		case "any":
			f.Kind = KindAny
		case "file", "filename":
			f.Kind = KindFile
		case "base":
			f.Kind, f.Op = KindBase, 0
		case "modified-since":
			t, err := ParseTime(value)
			if err != nil {
				return nil, err
			}
			f.Kind, f.Op, f.Time = KindModifiedSince, 0, t
		default:
			tag, ok := ParseTag(name)
			if !ok {
				return nil, Errorf(AckArg, "Unknown filter type")
			}
			f.Kind, f.Tag = KindTag, tag
		}
		and.Children = append(and.Children, f)
	}
	return and, nil
}

// ParseTime parses a modified-since value: seconds since the Unix epoch or
// an ISO 8601 date or time (UTC when no zone is given).
func ParseTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return time.Unix(n, 0).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, Errorf(AckArg, "Failed to parse time: %s", s)
}

type filterParser struct {
	s        string
	i        int
	terms    int
	foldCase bool
}

func (p *filterParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *filterParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *filterParser) expect(c byte) error {
	p.skipSpace()
	if p.peek() != c {
		return Errorf(AckArg, "'%c' expected", c)
	}
	p.i++
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
	if err := p.expect('('); err != nil {
		return nil, err
	}
	p.skipSpace()
	switch p.peek() {
	case '(':
		return p.and(depth)
	case '!':
		p.i++
		inner, err := p.expression(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expect(')'); err != nil {
			return nil, err
		}
		return &Filter{Kind: KindNot, Children: []*Filter{inner}}, nil
	}
	f, err := p.condition()
	if err != nil {
		return nil, err
	}
	if err := p.expect(')'); err != nil {
		return nil, err
	}
	return f, nil
}

func (p *filterParser) and(depth int) (*Filter, error) {
	and := &Filter{Kind: KindAnd}
	for {
		child, err := p.expression(depth + 1)
		if err != nil {
			return nil, err
		}
		and.Children = append(and.Children, child)
		p.skipSpace()
		if p.peek() == ')' {
			p.i++
			return and, nil
		}
		if !strings.HasPrefix(p.s[p.i:], "AND") {
			return nil, Errorf(AckArg, "'AND' expected")
		}
		p.i += len("AND")
		p.skipSpace()
	}
}

func (p *filterParser) word() string {
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ' ' || c == '\t' || c == '(' || c == ')' || c == '\'' || c == '"' {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

// quoted parses a value in single or double quotes in which a backslash
// takes the next character literally: the second level of escaping, below
// the command line's own quoting.
func (p *filterParser) quoted() (string, error) {
	p.skipSpace()
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", Errorf(AckArg, "Quoted string expected")
	}
	p.i++
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", Errorf(AckArg, "Closing quote not found")
		}
		c := p.s[p.i]
		p.i++
		if c == q {
			return b.String(), nil
		}
		if c == '\\' {
			if p.i >= len(p.s) {
				return "", Errorf(AckArg, "Closing quote not found")
			}
			c = p.s[p.i]
			p.i++
		}
		b.WriteByte(c)
	}
}

func (p *filterParser) operator() (Op, error) {
	switch w := p.word(); w {
	case "==":
		return OpEqual, nil
	case "!=":
		return OpNotEqual, nil
	case "contains":
		return OpContains, nil
	case "starts_with":
		return OpStartsWith, nil
	case "=~":
		return OpRegexp, nil
	case "!~":
		return OpNotRegexp, nil
	case ">=":
		return OpGreaterEqual, nil
	default:
		// The message of MPD 0.23, which names its first two operators.
		return 0, Errorf(AckArg, "'==' or '!=' expected")
	}
}

func (p *filterParser) condition() (*Filter, error) {
	name := p.word()
	if name == "" {
		return nil, Errorf(AckArg, "Word expected")
	}
	f := &Filter{FoldCase: p.foldCase}
	switch strings.ToLower(name) {
	case "base":
		v, err := p.quoted()
		if err != nil {
			return nil, err
		}
		f.Kind, f.Value = KindBase, v
		return f, nil
	case "modified-since", "added-since":
		v, err := p.quoted()
		if err != nil {
			return nil, err
		}
		t, err := ParseTime(v)
		if err != nil {
			return nil, err
		}
		f.Kind, f.Value, f.Time = KindModifiedSince, v, t
		if strings.ToLower(name) == "added-since" {
			f.Kind = KindAddedSince
		}
		return f, nil
	case "prio":
		return p.prio(f)
	case "audioformat":
		f.Kind = KindAudioFormat
	case "any":
		f.Kind = KindAny
	case "file":
		f.Kind = KindFile
	default:
		tag, ok := ParseTag(name)
		if !ok {
			return nil, Errorf(AckArg, "Unknown filter type")
		}
		f.Kind, f.Tag = KindTag, tag
	}
	op, err := p.operator()
	if err != nil {
		return nil, err
	}
	if op == OpGreaterEqual || (f.Kind == KindAudioFormat && op != OpEqual && op != OpRegexp) {
		return nil, Errorf(AckArg, "Operator not allowed for %s", name)
	}
	v, err := p.quoted()
	if err != nil {
		return nil, err
	}
	f.Op, f.Value = op, v
	if (op == OpRegexp || op == OpNotRegexp) && f.Kind != KindAudioFormat {
		if f.Regexp, err = compileRegexp(v, p.foldCase); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (p *filterParser) prio(f *Filter) (*Filter, error) {
	if op, err := p.operator(); err != nil || op != OpGreaterEqual {
		return nil, Errorf(AckArg, "'>=' expected")
	}
	p.skipSpace()
	w := p.word()
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
