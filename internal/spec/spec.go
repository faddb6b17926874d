package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// Kind is the type of a Value.
type Kind int

// The kinds of value a key can hold.
const (
	Number Kind = iota
	Bool
	Ident
	List
	Spec
)

func (k Kind) String() string {
	switch k {
	case Number:
		return "number"
	case Bool:
		return "boolean"
	case Ident:
		return "identifier"
	case List:
		return "list"
	case Spec:
		return "spec"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Value is the value of a key.
type Value struct {
	Kind Kind
	Num  float64 // Number
	Bool bool    // Bool
	Str  string  // Ident
	List []Value // List
	Call *Call   // Spec
	Text string  // the value as written
}

// Call is a parsed spec: a name, keyed arguments in the order written, and
// positional arguments (inner specs).
type Call struct {
	Name       string
	Keys       []string
	Values     map[string]Value
	Positional []*Call
	Text       string // the spec as written, trimmed
}

// String returns the spec in canonical form: no spaces, keys in the order
// written, positional arguments after the keys.
func (c *Call) String() string {
	var b strings.Builder
	b.WriteString(c.Name)
	if len(c.Keys) == 0 && len(c.Positional) == 0 {
		return b.String()
	}
	b.WriteByte('(')
	first := true
	sep := func() {
		if !first {
			b.WriteByte(',')
		}
		first = false
	}
	for _, k := range c.Keys {
		sep()
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(c.Values[k].String())
	}
	for _, p := range c.Positional {
		sep()
		b.WriteString(p.String())
	}
	b.WriteByte(')')
	return b.String()
}

// String returns the value in canonical form.
func (v Value) String() string {
	switch v.Kind {
	case Number:
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	case Bool:
		return strconv.FormatBool(v.Bool)
	case Ident:
		return v.Str
	case List:
		parts := make([]string, len(v.List))
		for i, e := range v.List {
			parts[i] = e.String()
		}
		return "[" + strings.Join(parts, ",") + "]"
	case Spec:
		return v.Call.String()
	}
	return v.Text
}

// The limits of Parse. A spec is a line of a command line or a test table:
// a few hundred bytes. The limits keep a hostile or mistaken input (a
// generated file passed as a spec) from exhausting the stack, which would
// be a fatal error rather than an error value, or the memory: parsing
// recurses once per nesting level and its memory is linear in the length.
const (
	MaxLen   = 64 << 10 // bytes in a spec
	MaxDepth = 64       // nesting levels of calls and lists: a(b(c)) and [[1]] have 3 and 2
)

// Parse parses one spec. The error names the offending byte offset; a spec
// longer than MaxLen bytes or nested deeper than MaxDepth levels is an
// error naming the limit.
func Parse(s string) (*Call, error) {
	if len(s) > MaxLen {
		return nil, errors.Errorf("spec: %d bytes: longer than the limit of %d bytes (at offset %d)", len(s), MaxLen, MaxLen)
	}
	p := &parser{src: s}
	p.skipSpace()
	if p.pos == len(p.src) {
		return nil, errors.New("spec: empty spec")
	}
	c, err := p.call()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, p.errorf("unexpected %s after the spec", excerpt(p.src[p.pos:], 0))
	}
	return c, nil
}

type parser struct {
	src   string
	pos   int
	depth int // open calls and lists
}

func (p *parser) errorf(format string, args ...any) error {
	return errors.Errorf("spec %s: at offset %d: %s", excerpt(p.src, p.pos), p.pos, clip(fmt.Sprintf(format, args...)))
}

// clipLen is the most of a name or value that an error repeats.
const clipLen = 120

// clip cuts s to clipLen bytes (at a rune boundary), marking the cut with
// "...".
func clip(s string) string {
	if len(s) <= clipLen {
		return s
	}
	n := clipLen
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// excerptLen is how much of a long spec an error quotes.
const excerptLen = 40

// excerpt quotes s, or for a long s the excerptLen bytes around pos with
// "..." for what is cut, so that an error stays one readable line.
func excerpt(s string, pos int) string {
	if len(s) <= excerptLen {
		return strconv.Quote(s)
	}
	lo, hi := max(pos-excerptLen/2, 0), min(pos+excerptLen/2, len(s))
	q := strconv.Quote(s[lo:hi])
	if lo > 0 {
		q = "..." + q
	}
	if hi < len(s) {
		q += "..."
	}
	return q
}

// open enters a call or a list, at most MaxDepth deep; close leaves it.
func (p *parser) open() error {
	if p.depth == MaxDepth {
		return p.errorf("nested deeper than the limit of %d levels", MaxDepth)
	}
	p.depth++
	return nil
}

func (p *parser) close() { p.depth-- }

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\n\r", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

// IsIdent reports whether s is a name of the grammar: letters, digits and
// underscores, starting with a letter or an underscore.
func IsIdent(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

func (p *parser) ident() (string, error) {
	p.skipSpace()
	start := p.pos
	if p.pos >= len(p.src) || !isLetter(p.src[p.pos]) {
		if p.pos >= len(p.src) {
			return "", p.errorf("expected a name, found the end")
		}
		return "", p.errorf("expected a name, found %q", p.src[p.pos])
	}
	for p.pos < len(p.src) && (isLetter(p.src[p.pos]) || isDigit(p.src[p.pos])) {
		p.pos++
	}
	return p.src[start:p.pos], nil
}

func (p *parser) peek() byte {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *parser) call() (*Call, error) {
	p.skipSpace()
	start := p.pos
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	c := &Call{Name: name, Values: map[string]Value{}}
	if p.peek() != '(' {
		c.Text = strings.TrimSpace(p.src[start:p.pos])
		return c, nil
	}
	if err := p.open(); err != nil {
		return nil, err
	}
	defer p.close()
	p.pos++ // (
	if p.peek() == ')' {
		p.pos++
		c.Text = strings.TrimSpace(p.src[start:p.pos])
		return c, nil
	}
	for {
		// key=value or an inner spec: both start with a name.
		save := p.pos
		key, err := p.ident()
		if err != nil {
			return nil, err
		}
		if p.peek() == '=' {
			p.pos++
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			if _, dup := c.Values[key]; dup {
				return nil, p.errorf("%s: key %q given twice", name, key)
			}
			c.Keys = append(c.Keys, key)
			c.Values[key] = v
		} else {
			p.pos = save
			inner, err := p.call()
			if err != nil {
				return nil, err
			}
			c.Positional = append(c.Positional, inner)
		}
		switch p.peek() {
		case ',':
			p.pos++
		case ')':
			p.pos++
			c.Text = strings.TrimSpace(p.src[start:p.pos])
			return c, nil
		case 0:
			return nil, p.errorf("%s: missing ')'", name)
		default:
			return nil, p.errorf("%s: expected ',' or ')', found %q", name, p.src[p.pos])
		}
	}
}

func (p *parser) value() (Value, error) {
	c := p.peek()
	start := p.pos
	switch {
	case c == '[':
		if err := p.open(); err != nil {
			return Value{}, err
		}
		defer p.close()
		p.pos++
		v := Value{Kind: List}
		if p.peek() == ']' {
			p.pos++
			v.Text = p.src[start:p.pos]
			return v, nil
		}
		for {
			e, err := p.value()
			if err != nil {
				return Value{}, err
			}
			v.List = append(v.List, e)
			switch p.peek() {
			case ',':
				p.pos++
			case ']':
				p.pos++
				v.Text = p.src[start:p.pos]
				return v, nil
			default:
				return Value{}, p.errorf("list: expected ',' or ']'")
			}
		}
	case isDigit(c) || c == '-' || c == '+' || c == '.':
		for p.pos < len(p.src) && strings.IndexByte("0123456789+-.eE", p.src[p.pos]) >= 0 {
			p.pos++
		}
		text := p.src[start:p.pos]
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			p.pos = start
			return Value{}, p.errorf("%s is not a finite number", excerpt(text, 0))
		}
		return Value{Kind: Number, Num: f, Text: text}, nil
	case isLetter(c):
		save := p.pos
		id, err := p.ident()
		if err != nil {
			return Value{}, err
		}
		if p.peek() == '(' {
			p.pos = save
			inner, err := p.call()
			if err != nil {
				return Value{}, err
			}
			return Value{Kind: Spec, Call: inner, Text: inner.Text}, nil
		}
		switch id {
		case "true", "false":
			return Value{Kind: Bool, Bool: id == "true", Text: id}, nil
		}
		return Value{Kind: Ident, Str: id, Text: id}, nil
	case c == 0:
		return Value{}, p.errorf("expected a value, found the end")
	}
	return Value{}, p.errorf("expected a value, found %q", c)
}
