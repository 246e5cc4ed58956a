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

// grammar is a checked JSGF grammar.
type grammar struct {
	text string
	hash uint64
	// learn holds the grammar's words the dictionary lacks, with derived
	// pronunciations, to add to a decoder before compiling the grammar.
	learn []wordPron
}

// phrase is one hint phrase, normalized to dictionary spelling.
type phrase struct {
	words  []string
	joined string // the words without spaces, to match split compounds
}

// compiledHints are a turn's hints, checked and prepared for decoding.
// They are immutable once built, so streams share them across goroutines.
type compiledHints struct {
	grammar *grammar
	phrases []phrase
	// learn holds the phrase words the dictionary lacks, with derived
	// pronunciations.
	learn []wordPron
}

// compileHints checks h. Empty hints compile to nil. On error, the returned
// hints keep what was valid (the phrases when only the grammar is bad).
func (r *Recognizer) compileHints(h pipeline.Hints) (*compiledHints, error) {
	if len(h.Phrases) == 0 && strings.TrimSpace(h.Grammar) == "" {
		return nil, nil
	}
	c := &compiledHints{}
	c.phrases, c.learn = r.compilePhrases(h.Phrases)
	var err error
	if strings.TrimSpace(h.Grammar) != "" {
		c.grammar, err = r.compileGrammar(h.Grammar)
	}
	if c.grammar == nil && len(c.phrases) == 0 {
		return nil, err
	}
	return c, err
}

// compilePhrases normalizes hint phrases and finds the words the
// dictionary lacks but whose pronunciation can be derived. Words that can
// be neither found nor derived are kept for matching only.
func (r *Recognizer) compilePhrases(in []string) ([]phrase, []wordPron) {
	var out []phrase
	var learn []wordPron
	seen := make(map[string]bool)
	for _, p := range in[:min(len(in), maxPhrases)] {
		words := normalizeWords(p)
		if len(words) == 0 {
			continue
		}
		words = words[:min(len(words), maxPhraseWords)]
		for _, w := range words {
			if seen[w] {
				continue
			}
			seen[w] = true
			if r.dict.has(w) {
				continue
			}
			if ph, ok := r.dict.derive(w); ok {
				learn = append(learn, wordPron{word: w, phones: ph})
			}
		}
		out = append(out, phrase{words: words, joined: strings.Join(words, "")})
	}
	return out, learn
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
	g := &grammar{text: text}
	var unknown []string
	seen := make(map[string]bool)
	for _, w := range words {
		if seen[w] || r.dict.has(w) {
			continue
		}
		seen[w] = true
		if ph, ok := r.dict.derive(w); ok {
			g.learn = append(g.learn, wordPron{word: w, phones: ph})
		} else {
			unknown = append(unknown, w)
		}
	}
	if len(unknown) > 0 {
		return nil, &UnknownWordError{Words: unknown}
	}
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

// allLearn returns the words a decoder must know for these hints.
func (c *compiledHints) allLearn() []wordPron {
	if c == nil {
		return nil
	}
	if c.grammar == nil || len(c.grammar.learn) == 0 {
		return c.learn
	}
	if len(c.learn) == 0 {
		return c.grammar.learn
	}
	return append(append([]wordPron(nil), c.grammar.learn...), c.learn...)
}
