package nlu

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of an utterance (English and other space-separated
// scripts) or one Han character (Mandarin), with its place in the text.
type token struct {
	// text is the lowercase form, full-width ASCII folded to ASCII.
	text string
	// start and end are byte offsets in the utterance.
	start, end int
	// han is set for a single Han character.
	han bool
}

// isHan reports whether r is a Han (CJK ideograph) character.
func isHan(r rune) bool {
	return r >= 0x3400 && unicode.Is(unicode.Han, r)
}

// foldWidth maps full-width ASCII forms (U+FF01..U+FF5E), which Mandarin
// recognizers emit for digits and Latin letters, and the ideographic space
// to their ASCII counterparts.
func foldWidth(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFF01 + '!'
	case r == 0x3000:
		return ' '
	}
	return r
}

// wordRune reports whether r can be part of a word token.
func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' || r == '.' || r == '@' || r == '_' || r == '-' || r == '+'
}

// tokenize appends the tokens of s to out and returns it. Words are split at
// white space and punctuation; an apostrophe stays inside a word ("don't"),
// a period between digits stays ("42.50"), a word holding "@" stays whole
// (a typed e-mail address) and "$" is a token of its own. Each Han
// character is a token.
func tokenize(s string, out []token) []token {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		r = foldWidth(r)
		switch {
		case isHan(r):
			out = append(out, token{text: s[i : i+size], start: i, end: i + size, han: true})
			i += size
		case r == '$':
			out = append(out, token{text: "$", start: i, end: i + size})
			i += size
		case wordRune(r) && r != '.' && r != '-' && r != '_' && r != '\'' && r != '’' && r != '+':
			j := i
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				r2 = foldWidth(r2)
				if !wordRune(r2) || isHan(r2) {
					break
				}
				j += sz
			}
			out = splitWord(s, i, j, out)
			i = j
		default:
			i += size
		}
	}
	return out
}

// splitWord appends the tokens of the word-character run s[start:end].
func splitWord(s string, start, end int, out []token) []token {
	raw := s[start:end]
	if strings.IndexByte(raw, '@') >= 0 {
		return appendToken(s, start, end, out)
	}
	from := start
	for i := start; i < end; {
		r, size := utf8.DecodeRuneInString(s[i:])
		r = foldWidth(r)
		sep := r == '-' || r == '_' || r == '+'
		if r == '.' {
			// Keep a period between digits (42.50) and in a.m./p.m.
			sep = !(i > start && i+size < end && isDigitAt(s, i-1) && isDigitAt(s, i+size)) && !isAbbrevDot(s[from:end])
		}
		if sep {
			out = appendToken(s, from, i, out)
			from = i + size
		}
		i += size
	}
	return appendToken(s, from, end, out)
}

// isDigitAt reports whether the byte at i is an ASCII digit (or the last
// byte of a full-width digit).
func isDigitAt(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	if s[i] >= '0' && s[i] <= '9' {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i+1])
	if r == utf8.RuneError {
		r, _ = utf8.DecodeRuneInString(s[i:])
	}
	r = foldWidth(r)
	return r >= '0' && r <= '9'
}

// isAbbrevDot reports whether word, which holds a period, is "a.m." or
// "p.m." (in any case), whose periods stay.
func isAbbrevDot(word string) bool {
	return len(word) >= 3 && (word[0]|0x20 == 'a' || word[0]|0x20 == 'p') && word[1] == '.' && word[2]|0x20 == 'm'
}

// appendToken appends s[start:end] as a token, trimmed of apostrophes and
// periods at its edges, lowercased and folded.
func appendToken(s string, start, end int, out []token) []token {
	for start < end && (s[start] == '\'' || s[start] == '.') {
		start++
	}
	for end > start && (s[end-1] == '\'' || s[end-1] == '.') {
		end--
	}
	for end > start && strings.HasSuffix(s[start:end], "’") {
		end -= len("’")
	}
	if start >= end {
		return out
	}
	return append(out, token{text: lowerFold(s[start:end]), start: start, end: end})
}

// lowerFold lowercases w, folds full-width forms and turns a typographic
// apostrophe into an ASCII one. It returns w itself (no allocation) when
// nothing changes.
func lowerFold(w string) string {
	clean := true
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 0x80 || (c >= 'A' && c <= 'Z') {
			clean = false
			break
		}
	}
	if clean {
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range w {
		r = foldWidth(r)
		if r == '’' {
			r = '\''
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// hasHan reports whether s holds a Han character.
func hasHan(s string) bool {
	for _, r := range s {
		if isHan(r) {
			return true
		}
	}
	return false
}
