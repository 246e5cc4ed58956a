package stt

import (
	"strings"
)

// gparser is a recursive-descent JSGF parser with one token of lookahead.
type gparser struct {
	lx     *lexer
	peeked *tok
}

func (p *gparser) peek() (tok, error) {
	if p.peeked == nil {
		t, err := p.lx.next()
		if err != nil {
			return tok{}, err
		}
		p.peeked = &t
	}
	return *p.peeked, nil
}

func (p *gparser) take() (tok, error) {
	t, err := p.peek()
	p.peeked = nil
	return t, err
}

func (p *gparser) expect(kind byte, what string) (tok, error) {
	t, err := p.take()
	if err != nil {
		return t, err
	}
	if t.kind != kind {
		return t, p.lx.errf(t.line, t.col, "expected %s, found %s", what, describe(t))
	}
	return t, nil
}

func describe(t tok) string {
	switch t.kind {
	case 0:
		return "the end of the grammar"
	case 'r':
		return "<" + t.text + ">"
	case 'q':
		return `"` + t.text + `"`
	}
	return "'" + t.text + "'"
}

func (p *gparser) grammar() (*Grammar, error) {
	if err := p.header(); err != nil {
		return nil, err
	}
	g := &Grammar{rules: map[string]*gnode{}}
	t, err := p.expect('w', "'grammar NAME;'")
	if err != nil || t.text != "grammar" {
		return nil, p.lx.errf(t.line, t.col, "expected 'grammar NAME;' after the #JSGF header")
	}
	name, err := p.expect('w', "a grammar name")
	if err != nil {
		return nil, err
	}
	g.name = name.text
	if _, err := p.expect(';', "';' after the grammar name"); err != nil {
		return nil, err
	}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind == 0 {
			break
		}
		if err := p.rule(g); err != nil {
			return nil, err
		}
	}
	return g, p.check(g)
}

// header reads "#JSGF V1.0 [charset] [locale];".
func (p *gparser) header() error {
	l := p.lx
	if err := l.skip(); err != nil {
		return err
	}
	if !strings.HasPrefix(l.src[l.pos:], "#JSGF") {
		return l.errf(l.line, l.col, "a JSGF grammar starts with '#JSGF V1.0;'")
	}
	end := strings.IndexByte(l.src[l.pos:], ';')
	if end < 0 {
		return l.errf(l.line, l.col, "the #JSGF header must end with ';'")
	}
	l.advance(end + 1)
	return nil
}

func (p *gparser) rule(g *Grammar) error {
	t, err := p.take()
	if err != nil {
		return err
	}
	public := false
	if t.kind == 'w' && t.text == "import" {
		return p.lx.errf(t.line, t.col, "imports are not supported: put every rule in one grammar")
	}
	if t.kind == 'w' && t.text == "public" {
		public = true
		if t, err = p.take(); err != nil {
			return err
		}
	}
	if t.kind != 'r' {
		return p.lx.errf(t.line, t.col, "expected a rule definition '<name> = ...;', found %s", describe(t))
	}
	name := t.text
	if !validRuleName(name) {
		return p.lx.errf(t.line, t.col, "invalid rule name <%s>", name)
	}
	if _, dup := g.rules[name]; dup {
		return p.lx.errf(t.line, t.col, "rule <%s> is defined twice", name)
	}
	if _, err := p.expect('=', "'=' after <"+name+">"); err != nil {
		return err
	}
	n, err := p.alt(0)
	if err != nil {
		return err
	}
	if _, err := p.expect(';', "';' at the end of rule <"+name+">"); err != nil {
		return err
	}
	g.rules[name] = n
	if public {
		g.public = append(g.public, name)
		if g.top == "" {
			g.top = name
		}
	}
	return nil
}

func validRuleName(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\n<>;=|()[]*+\"/{}") && s != "NULL" && s != "VOID"
}

// maxNesting bounds parenthesis nesting so hostile input cannot exhaust the
// stack.
const maxNesting = 64

func (p *gparser) alt(depth int) (*gnode, error) {
	var alts []*gnode
	for {
		if t, err := p.peek(); err != nil {
			return nil, err
		} else if t.kind == '/' {
			p.take() // weight: ignored
		}
		s, err := p.seq(depth)
		if err != nil {
			return nil, err
		}
		alts = append(alts, s)
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind != '|' {
			break
		}
		p.take()
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &gnode{kind: gAlt, kids: alts}, nil
}

func (p *gparser) seq(depth int) (*gnode, error) {
	var items []*gnode
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case 'w', 'q', 'r', '(', '[':
		default:
			if len(items) == 0 {
				return nil, p.lx.errf(t.line, t.col, "expected a word, <rule>, ( or [, found %s", describe(t))
			}
			if len(items) == 1 {
				return items[0], nil
			}
			return &gnode{kind: gSeq, kids: items}, nil
		}
		n, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		items = append(items, n)
	}
}

func (p *gparser) unary(depth int) (*gnode, error) {
	n, err := p.primary(depth)
	if err != nil {
		return nil, err
	}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case '*':
			n = &gnode{kind: gRepeat, kids: []*gnode{n}}
		case '+':
			n = &gnode{kind: gRepeat, kids: []*gnode{n}, min: 1}
		case '{':
		default:
			return n, nil
		}
		p.take()
	}
}

func (p *gparser) primary(depth int) (*gnode, error) {
	t, err := p.take()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case 'w', 'q':
		// Tokens are split into words as Words splits text, so that a
		// grammar word always matches the same word spoken.
		words := Words(t.text)
		if len(words) == 1 {
			return &gnode{kind: gWord, word: words[0]}, nil
		}
		s := &gnode{kind: gSeq}
		for _, w := range words {
			s.kids = append(s.kids, &gnode{kind: gWord, word: w})
		}
		return s, nil
	case 'r':
		switch t.text {
		case "NULL":
			return &gnode{kind: gSeq}, nil
		case "VOID":
			return &gnode{kind: gAlt}, nil
		}
		return &gnode{kind: gRef, ref: t.text}, nil
	case '(', '[':
		if depth >= maxNesting {
			return nil, p.lx.errf(t.line, t.col, "groups nested more than %d deep", maxNesting)
		}
		inner, err := p.alt(depth + 1)
		if err != nil {
			return nil, err
		}
		if t.kind == '(' {
			_, err = p.expect(')', "')'")
			return inner, err
		}
		if _, err = p.expect(']', "']'"); err != nil {
			return nil, err
		}
		return &gnode{kind: gOpt, kids: []*gnode{inner}}, nil
	}
	return nil, p.lx.errf(t.line, t.col, "unexpected %s", describe(t))
}

// check verifies that the grammar has a public rule and that every
// reference names a rule.
func (p *gparser) check(g *Grammar) error {
	if g.top == "" {
		return &GrammarError{Line: p.lx.line, Col: p.lx.col, Msg: "the grammar has no public rule: mark the rule callers' answers match with 'public'"}
	}
	var missing string
	var walk func(n *gnode)
	walk = func(n *gnode) {
		if n.kind == gRef {
			if _, ok := g.rules[n.ref]; !ok && missing == "" {
				missing = n.ref
			}
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	for _, r := range g.rules {
		walk(r)
	}
	if missing != "" {
		return &GrammarError{Line: p.lx.line, Col: p.lx.col, Msg: "rule <" + missing + "> is used but not defined"}
	}
	return nil
}
