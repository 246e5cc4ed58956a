package espeak

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxClauseBytes is the longest clause synthesized at once. espeak-ng runs
// one clause at a time for the whole process, so this bounds how long a
// request holds the engine (about 10 ms for 400 bytes of English) and the
// audio held in memory.
const maxClauseBytes = 400

// nextClause returns the end of the clause of text that starts at start: a
// sentence (with its closing punctuation and quotes), a line, or at most
// maxClauseBytes bytes cut at a comma or a space.
func nextClause(text string, start int) int {
	limit := min(len(text), start+maxClauseBytes)
	for i := start; i < limit; {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case r == '\n':
			return i
		case sentenceEnd(r):
			if end, ok := sentenceBoundary(text, start, i, r); ok {
				return end
			}
		}
	}
	if limit == len(text) {
		return limit
	}
	return cutClause(text, start, limit)
}

// sentenceEnd reports characters that can end a sentence, in Latin and
// Chinese or Japanese punctuation.
func sentenceEnd(r rune) bool {
	switch r {
	case '.', '!', '?', ';', '…', '。', '！', '？', '；', '｡':
		return true
	}
	return false
}

// sentenceBoundary decides whether r, which ends at byte i of the clause
// that starts at start, ends a sentence, and where: after any closing quotes
// or brackets. Latin punctuation needs white space (or the end of the text)
// after it, so "3.14" stays whole, and a full stop after an initial or a
// dotted abbreviation ("e.g.") or before a lower-case word does not end a
// sentence; full-width punctuation ends a sentence wherever it is.
func sentenceBoundary(text string, start, i int, r rune) (int, bool) {
	end := i
	for end < len(text) {
		c, size := utf8.DecodeRuneInString(text[end:])
		if !strings.ContainsRune(`"')]}’”»」』）`, c) {
			break
		}
		end += size
	}
	if end == len(text) || unspaced(r) {
		return end, true
	}
	if c, _ := utf8.DecodeRuneInString(text[end:]); !unicode.IsSpace(c) {
		return 0, false
	}
	if r != '.' {
		return end, true
	}
	if word := lastWord(text[start : i-1]); utf8.RuneCountInString(word) == 1 || strings.Contains(word, ".") {
		return 0, false
	}
	next, _ := utf8.DecodeRuneInString(strings.TrimLeftFunc(text[end:], unicode.IsSpace))
	return end, !unicode.IsLower(next)
}

// lastWord returns the letters and dots at the end of s.
func lastWord(s string) string {
	i := len(s)
	for i > 0 {
		c, size := utf8.DecodeLastRuneInString(s[:i])
		if !unicode.IsLetter(c) && c != '.' {
			break
		}
		i -= size
	}
	return s[i:]
}

// cutClause ends an over-long clause at the last comma before limit, else
// at the last space, else at limit (on a character boundary).
func cutClause(text string, start, limit int) int {
	window := text[start:limit]
	best := -1
	for i, r := range window {
		if r == ',' || r == '，' || r == '、' || r == ';' || r == ':' || r == '：' {
			best = i + utf8.RuneLen(r)
		}
	}
	if best > 0 && best < len(window) {
		return start + best
	}
	if i := strings.LastIndexFunc(window, unicode.IsSpace); i > 0 {
		return start + i
	}
	for limit > start && !utf8.RuneStart(text[limit]) {
		limit--
	}
	if limit == start {
		_, size := utf8.DecodeRuneInString(text[start:])
		return start + size
	}
	return limit
}

// unspaced reports characters of scripts written without spaces between
// words (Han, kana) and full-width punctuation: each is a word of its own.
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// cleaner copies a clause for espeak-ng character for character, replacing
// what should not be read aloud (control characters, Markdown emphasis,
// emoji and other symbols, invalid UTF-8) by spaces, so that espeak-ng's
// character positions map straight back to the request text. Its buffers
// are reused from clause to clause.
type cleaner struct {
	out []byte  // the clause for espeak-ng, NUL-terminated
	pos []int32 // byte offset in the request text of each character of out, then the clause's end
}

// clean converts text[start:end] and reports whether it holds a letter or
// a digit.
func (c *cleaner) clean(text string, start, end int) bool {
	c.out, c.pos = c.out[:0], c.pos[:0]
	speakable := false
	for i := start; i < end; {
		r, size := utf8.DecodeRuneInString(text[i:end])
		c.pos = append(c.pos, int32(i))
		switch {
		case r == utf8.RuneError && size <= 1, silent(r):
			c.out = append(c.out, ' ')
		default:
			c.out = append(c.out, text[i:i+size]...)
			speakable = speakable || unicode.IsLetter(r) || unicode.IsNumber(r)
		}
		i += size
	}
	c.pos = append(c.pos, int32(end))
	c.out = append(c.out, 0)
	return speakable
}

// silent reports characters replaced by a space: controls, Markdown
// emphasis, symbols such as emoji (which espeak-ng would read by name), and
// unassigned or private code points.
func silent(r rune) bool {
	switch r {
	case '*', '_', '`', '~', '|', '^', '\\', 0xfeff, 0x200b:
		return true
	}
	return unicode.IsControl(r) || unicode.In(r, unicode.So, unicode.Sk, unicode.Co, unicode.Cs) ||
		!unicode.IsGraphic(r) && !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r)
}

// runes returns how many characters the cleaned clause has.
func (c *cleaner) runes() int { return len(c.pos) - 1 }

// offset returns the request-text byte offset of character i of the clause
// (0-based), clamped to the clause.
func (c *cleaner) offset(i int) int {
	return int(c.pos[min(max(i, 0), c.runes())])
}

// tokenEnd returns the end of the token of text that holds the byte at i:
// a run of characters up to white space, or a single Han or kana character
// with the punctuation after it. espeak-ng may report several words for
// one token (a number, an abbreviation); they share the token's range.
func tokenEnd(text string, i int) int {
	if i >= len(text) {
		return len(text)
	}
	r, size := utf8.DecodeRuneInString(text[i:])
	end := i + size
	if unspaced(r) {
		for end < len(text) {
			c, n := utf8.DecodeRuneInString(text[end:])
			if unicode.IsSpace(c) || unicode.IsLetter(c) || unicode.IsNumber(c) || !unspaced(c) && !unicode.IsPunct(c) {
				break
			}
			end += n
		}
		return end
	}
	for end < len(text) {
		c, n := utf8.DecodeRuneInString(text[end:])
		if unicode.IsSpace(c) || unspaced(c) && (unicode.IsLetter(c) || unicode.IsNumber(c)) {
			break
		}
		end += n
	}
	return end
}

// speakable reports whether text holds a letter or a digit.
func speakable(text string) bool {
	return strings.IndexFunc(text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}
