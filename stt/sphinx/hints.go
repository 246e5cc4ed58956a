package sphinx

import (
	"fmt"
	"hash/fnv"
	"strings"
	"unicode"

	"github.com/parley-voice/parley/pipeline"
)

// Limits on hints, so that a careless agent cannot make SetHints slow.
const (
	// maxGrammarBytes is the largest grammar accepted.
	maxGrammarBytes = 64 << 10
	// maxPhrases is the most phrases used; the rest are ignored.
	maxPhrases = 200
	// maxPhraseWords is the most words of a phrase used.
	maxPhraseWords = 8
	// maxCachedGrammars bounds the recognizer's cache of checked grammars.
	maxCachedGrammars = 128
)

// grammar is a checked JSGF grammar; hash names its searches.
type grammar struct {
	text string
	hash uint64
}

// phrase is one hint phrase, as lower-case words.
type phrase struct {
	words  []string
	joined string // the words without spaces, to match split compounds
}

// compiledHints are a turn's hints, checked and prepared for decoding.
// They are immutable once built, so streams share them across goroutines.
type compiledHints struct {
	grammar *grammar
	phrases []phrase
}

// compileHints checks h. Empty hints compile to nil. On error, the returned
// hints keep what was valid (the phrases when only the grammar is bad).
func (r *Recognizer) compileHints(h pipeline.Hints) (*compiledHints, error) {
	if len(h.Phrases) == 0 && strings.TrimSpace(h.Grammar) == "" {
		return nil, nil
	}
	c := &compiledHints{}
	c.phrases = compilePhrases(h.Phrases)
	var err error
	if strings.TrimSpace(h.Grammar) != "" {
		c.grammar, err = r.compileGrammar(h.Grammar)
	}
	if c.grammar == nil && len(c.phrases) == 0 {
		return nil, err
	}
	return c, err
}

// compilePhrases normalizes hint phrases for matching. A phrase word the
// dictionary lacks cannot be recognised as such, but still matches the
// words that spell it ("smart watch" for "smartwatch").
func compilePhrases(in []string) []phrase {
	var out []phrase
	for _, p := range in[:min(len(in), maxPhrases)] {
		words := normalizeWords(p)
		if len(words) == 0 {
			continue
		}
		words = words[:min(len(words), maxPhraseWords)]
		out = append(out, phrase{words: words, joined: strings.Join(words, "")})
	}
	return out
}

// normalizeWords lower-cases a phrase and splits it into words, dropping
// punctuation around words (inner apostrophes, hyphens and dots stay:
// "don't", "e-mail", "u.s.").
func normalizeWords(p string) []string {
	var out []string
	for _, f := range strings.Fields(strings.ToLower(p)) {
		w := strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// compileGrammar parses and checks a grammar, through the recognizer's
// cache.
func (r *Recognizer) compileGrammar(text string) (*grammar, error) {
	if len(text) > maxGrammarBytes {
		return nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrGrammar, len(text), maxGrammarBytes)
	}
	if strings.IndexByte(text, 0) >= 0 {
		return nil, fmt.Errorf("%w: the text holds a NUL byte", ErrGrammar)
	}
	if importsGrammar(text) {
		// The engine would look for the imported grammar in files.
		return nil, fmt.Errorf("%w: import statements are not supported (put every rule in the grammar)", ErrGrammar)
	}
	r.gmu.Lock()
	defer r.gmu.Unlock()
	if r.lmath == nil {
		return nil, fmt.Errorf("%w: recognizer closed", ErrClosed)
	}
	if g, ok := r.grammars[text]; ok {
		return g, nil
	}
	words, err := grammarWords(text, r.lmath)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("%w: the public rule produces no words (check the rules it references are defined)", ErrGrammar)
	}
	if err := r.checkWords(words); err != nil {
		return nil, err
	}
	g := &grammar{text: text}
	h := fnv.New64a()
	h.Write([]byte(text))
	g.hash = h.Sum64()
	if len(r.grammars) >= maxCachedGrammars {
		for k := range r.grammars { // evict any one: the cache only saves parsing
			delete(r.grammars, k)
			break
		}
	}
	r.grammars[text] = g
	return g, nil
}

// checkWords reports the words the dictionary lacks.
func (r *Recognizer) checkWords(words []string) error {
	var unknown []string
	var tips map[string]string
	seen := make(map[string]bool)
	for _, w := range words {
		if seen[w] || r.dict.has(w) {
			continue
		}
		seen[w] = true
		unknown = append(unknown, w)
		if s := r.dict.suggest(w); s != "" {
			if tips == nil {
				tips = make(map[string]string)
			}
			tips[w] = s
		}
	}
	if len(unknown) > 0 {
		return &UnknownWordError{Words: unknown, Suggestions: tips}
	}
	return nil
}

// importsGrammar reports an import statement outside comments.
func importsGrammar(text string) bool {
	for len(text) > 0 {
		i := strings.IndexAny(text, "/i")
		if i < 0 {
			return false
		}
		text = text[i:]
		switch {
		case strings.HasPrefix(text, "/*"):
			end := strings.Index(text[2:], "*/")
			if end < 0 {
				return false
			}
			text = text[end+4:]
		case strings.HasPrefix(text, "//"):
			end := strings.IndexByte(text, '\n')
			if end < 0 {
				return false
			}
			text = text[end:]
		case strings.HasPrefix(text, "import") && strings.HasPrefix(strings.TrimLeft(text[len("import"):], " \t\r\n"), "<"):
			return true
		default:
			text = text[1:]
		}
	}
	return false
}
