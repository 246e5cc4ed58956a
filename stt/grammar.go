package stt

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Grammar is a parsed JSGF grammar (https://www.w3.org/TR/jsgf/): the
// sentences a caller may say in a constrained turn. Parley supports rules,
// alternatives, sequences, optional [..] and grouped (..) expansions, the
// repeat operators * and +, quoted tokens, weights and tags (both ignored),
// and references to rules of the same grammar; imports are not supported.
//
// A Grammar is immutable and safe for concurrent use. Matching is
// case-insensitive on words (see Words).
type Grammar struct {
	name   string
	top    string
	rules  map[string]*gnode
	public []string
	src    string
}

type gkind int

const (
	gWord gkind = iota + 1
	gRef
	gSeq
	gAlt
	gOpt
	gRepeat
)

// gnode is one expansion of the grammar.
type gnode struct {
	kind gkind
	word string // gWord, lowercased
	ref  string // gRef
	kids []*gnode
	min  int // gRepeat: 0 for *, 1 for +
}

// maxGrammarDepth bounds rule recursion when matching and expanding.
const maxGrammarDepth = 48

// ParseGrammar parses a JSGF grammar. Errors wrap ErrGrammar in a
// *GrammarError that gives the line and column.
func ParseGrammar(src string) (*Grammar, error) {
	p := &gparser{lx: newLexer(src)}
	g, err := p.grammar()
	if err != nil {
		return nil, err
	}
	g.src = src
	return g, nil
}

// MustGrammar is ParseGrammar for grammars written in the program; it panics
// on an error.
func MustGrammar(src string) *Grammar {
	g, err := ParseGrammar(src)
	if err != nil {
		panic(err)
	}
	return g
}

// Name returns the grammar's name from its "grammar NAME;" header.
func (g *Grammar) Name() string { return g.name }

// String returns the grammar's JSGF source.
func (g *Grammar) String() string { return g.src }

// Top returns the name of the rule sentences are matched against: the first
// public rule.
func (g *Grammar) Top() string { return g.top }

// Match reports whether text is a sentence of the grammar, comparing words
// case-insensitively after Words splits the text (punctuation is ignored).
func (g *Grammar) Match(text string) bool {
	words := Words(text)
	m := &matcher{g: g, words: words, memo: map[memoKey][]int{}}
	for _, end := range m.rule(g.top, 0, 0) {
		if end == len(words) {
			return true
		}
	}
	return false
}

// Vocabulary returns the grammar's words, lowercased, sorted and unique.
func (g *Grammar) Vocabulary() []string {
	seen := map[string]bool{}
	var walk func(n *gnode)
	walk = func(n *gnode) {
		if n.kind == gWord {
			seen[n.word] = true
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	for _, r := range g.rules {
		walk(r)
	}
	out := make([]string, 0, len(seen))
	for w := range seen {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// Phrases returns up to max sentences of the grammar, shortest expansions
// first within each alternative, with repeats expanded once. It suits
// engines that cannot decode with a grammar and take phrases as hints.
func (g *Grammar) Phrases(max int) []string {
	if max <= 0 {
		return nil
	}
	e := &expander{g: g, max: max}
	seqs := e.rule(g.top, 0)
	out := make([]string, 0, len(seqs))
	seen := map[string]bool{}
	for _, s := range seqs {
		p := strings.Join(s, " ")
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
		if len(out) == max {
			break
		}
	}
	return out
}

// Words splits text into lowercase words for matching: letters, digits and
// inner apostrophes make words; everything else separates them. Han
// characters are words of their own.
func Words(text string) []string {
	var out []string
	start := -1
	flush := func(end int) {
		if start >= 0 {
			out = append(out, strings.ToLower(strings.Trim(text[start:end], "'")))
			if out[len(out)-1] == "" {
				out = out[:len(out)-1]
			}
			start = -1
		}
	}
	for i, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flush(i)
			out = append(out, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’':
			if start < 0 {
				start = i
			}
		default:
			flush(i)
		}
	}
	flush(len(text))
	for i, w := range out {
		out[i] = strings.ReplaceAll(w, "’", "'")
	}
	return out
}

// matcher finds the word positions a rule can end at.
type matcher struct {
	g     *Grammar
	words []string
	memo  map[memoKey][]int
}

type memoKey struct {
	n     *gnode
	start int
}

// rule returns the ends of rule name from start. Results are memoised per
// rule and start; a rule that reaches itself without consuming words
// (left recursion) is grown to a fixpoint from the results so far.
func (m *matcher) rule(name string, start, depth int) []int {
	r, ok := m.g.rules[name]
	if !ok || depth > maxGrammarDepth {
		return nil
	}
	k := memoKey{r, start}
	if ends, ok := m.memo[k]; ok {
		return ends
	}
	m.memo[k] = nil
	for range len(m.words) + 2 {
		ends := m.eval(r, start, depth+1)
		if len(ends) == len(m.memo[k]) {
			break
		}
		m.memo[k] = ends
	}
	return m.memo[k]
}

func (m *matcher) node(n *gnode, start, depth int) []int { return m.eval(n, start, depth) }

func (m *matcher) eval(n *gnode, start, depth int) []int {
	switch n.kind {
	case gWord:
		if start < len(m.words) && m.words[start] == n.word {
			return []int{start + 1}
		}
		return nil
	case gRef:
		return m.rule(n.ref, start, depth)
	case gSeq:
		ends := []int{start}
		for _, k := range n.kids {
			ends = m.each(k, ends, depth)
			if len(ends) == 0 {
				return nil
			}
		}
		return ends
	case gAlt:
		var ends []int
		for _, k := range n.kids {
			ends = union(ends, m.node(k, start, depth))
		}
		return ends
	case gOpt:
		return union([]int{start}, m.node(n.kids[0], start, depth))
	case gRepeat:
		return m.repeat(n, start, depth)
	}
	return nil
}

// each applies n from every position in starts.
func (m *matcher) each(n *gnode, starts []int, depth int) []int {
	var ends []int
	for _, s := range starts {
		ends = union(ends, m.node(n, s, depth))
	}
	return ends
}

func (m *matcher) repeat(n *gnode, start, depth int) []int {
	var ends []int
	if n.min == 0 {
		ends = []int{start}
	}
	frontier := m.node(n.kids[0], start, depth)
	for len(frontier) > 0 {
		var next []int
		for _, e := range frontier {
			if contains(ends, e) {
				continue
			}
			ends = union(ends, []int{e})
			if e > start {
				next = union(next, m.node(n.kids[0], e, depth))
			}
		}
		frontier = next
	}
	return ends
}

func union(a, b []int) []int {
	for _, v := range b {
		if !contains(a, v) {
			a = append(a, v)
		}
	}
	return a
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// expander enumerates sentences, bounded by max.
type expander struct {
	g   *Grammar
	max int
}

func (e *expander) rule(name string, depth int) [][]string {
	r, ok := e.g.rules[name]
	if !ok || depth > maxGrammarDepth/4 {
		return nil
	}
	return e.node(r, depth+1)
}

func (e *expander) node(n *gnode, depth int) [][]string {
	switch n.kind {
	case gWord:
		return [][]string{{n.word}}
	case gRef:
		return e.rule(n.ref, depth)
	case gSeq:
		acc := [][]string{nil}
		for _, k := range n.kids {
			acc = e.cross(acc, e.node(k, depth))
			if len(acc) == 0 {
				return nil
			}
		}
		return acc
	case gAlt:
		var out [][]string
		for _, k := range n.kids {
			out = append(out, e.node(k, depth)...)
			if len(out) >= e.max {
				return out[:e.max]
			}
		}
		return out
	case gOpt:
		return append([][]string{nil}, e.node(n.kids[0], depth)...)
	case gRepeat:
		once := e.node(n.kids[0], depth)
		if n.min == 0 {
			return append([][]string{nil}, once...)
		}
		return once
	}
	return nil
}

func (e *expander) cross(a, b [][]string) [][]string {
	out := make([][]string, 0, min(len(a)*len(b), e.max))
	seen := make(map[string]bool, cap(out))
	for _, x := range a {
		for _, y := range b {
			s := make([]string, 0, len(x)+len(y))
			s = append(append(s, x...), y...)
			key := strings.Join(s, " ")
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, s)
			if len(out) == e.max {
				return out
			}
		}
	}
	return out
}

// DigitsGrammar returns a JSGF grammar for min to max spoken digits ("zero"
// or "oh" to "nine"), for order numbers, PINs and phone numbers read out.
func DigitsGrammar(min, max int) string {
	min = clamp(min, 1, 32)
	max = clamp(max, min, 32)
	var b strings.Builder
	b.WriteString("#JSGF V1.0;\ngrammar digits;\npublic <digits> =")
	for range min {
		b.WriteString(" <digit>")
	}
	for range max - min {
		b.WriteString(" [<digit>]")
	}
	b.WriteString(";\n<digit> = zero | oh | one | two | three | four | five | six | seven | eight | nine;\n")
	return b.String()
}

// YesNoGrammar returns a JSGF grammar for yes/no answers, with the common
// ways of saying each.
func YesNoGrammar() string {
	return "#JSGF V1.0;\ngrammar yesno;\npublic <answer> = <yes> | <no>;\n" +
		"<yes> = yes | yeah | yep | sure | correct | right | yes please | that is right | that is correct;\n" +
		"<no> = no | nope | no thanks | no thank you | not really | that is wrong;\n"
}

// ChoicesGrammar returns a JSGF grammar whose sentences are the given
// choices (menu options such as "returns", "order status"), each optionally
// preceded by a short carrier phrase ("I want", "I'd like"). Choices are
// split into words by Words; empty choices are skipped.
func ChoicesGrammar(choices ...string) string {
	var alts []string
	for _, c := range choices {
		if w := Words(c); len(w) > 0 {
			alts = append(alts, strings.Join(w, " "))
		}
	}
	if len(alts) == 0 {
		alts = []string{"<NULL>"}
	}
	return "#JSGF V1.0;\ngrammar choices;\npublic <choice> = [<carrier>] (" + strings.Join(alts, " | ") + ");\n" +
		"<carrier> = i want | i would like | i need | i'd like | the;\n"
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// lexer splits JSGF source into tokens.
type lexer struct {
	src       string
	pos       int
	line, col int
}

type tok struct {
	kind      byte // 'w' word, 'r' <rule>, 'q' quoted, or the punctuation itself; 0 at the end
	text      string
	line, col int
}

func newLexer(src string) *lexer { return &lexer{src: src, line: 1, col: 1} }

func (l *lexer) errf(line, col int, format string, args ...any) error {
	return &GrammarError{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) advance(n int) {
	for _, r := range l.src[l.pos : l.pos+n] {
		if r == '\n' {
			l.line, l.col = l.line+1, 1
		} else {
			l.col++
		}
	}
	l.pos += n
}

// skip passes whitespace and comments.
func (l *lexer) skip() error {
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		switch {
		case unicode.IsSpace(r):
			l.advance(n)
		case strings.HasPrefix(l.src[l.pos:], "//"):
			end := strings.IndexByte(l.src[l.pos:], '\n')
			if end < 0 {
				end = len(l.src) - l.pos
			}
			l.advance(end)
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return l.errf(l.line, l.col, "unterminated comment")
			}
			l.advance(end + 4)
		default:
			return nil
		}
	}
	return nil
}

// next returns the next token.
func (l *lexer) next() (tok, error) {
	if err := l.skip(); err != nil {
		return tok{}, err
	}
	if l.pos >= len(l.src) {
		return tok{line: l.line, col: l.col}, nil
	}
	line, col := l.line, l.col
	c := l.src[l.pos]
	switch c {
	case ';', '=', '|', '(', ')', '[', ']', '*', '+':
		l.advance(1)
		return tok{kind: c, text: string(c), line: line, col: col}, nil
	case '<', '"', '/', '{':
		closer := map[byte]byte{'<': '>', '"': '"', '/': '/', '{': '}'}[c]
		end := strings.IndexByte(l.src[l.pos+1:], closer)
		if end < 0 {
			return tok{}, l.errf(line, col, "unterminated %q", string(c))
		}
		text := l.src[l.pos+1 : l.pos+1+end]
		l.advance(end + 2)
		kind := map[byte]byte{'<': 'r', '"': 'q', '/': '/', '{': '{'}[c]
		return tok{kind: kind, text: text, line: line, col: col}, nil
	}
	start := l.pos
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		if unicode.IsSpace(r) || strings.ContainsRune(";=|()[]*+<\"/{", r) {
			break
		}
		l.advance(n)
	}
	return tok{kind: 'w', text: l.src[start:l.pos], line: line, col: col}, nil
}
