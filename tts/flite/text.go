package flite

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the text flite is handed at once. They bound the memory and the
// CPU time of one utterance, whatever the request: a clause's audio is held
// until it is written, and flite's letter-to-sound rules slow down on very
// long tokens.
const (
	// maxClauseBytes is the longest clause synthesized as one utterance;
	// longer sentences are cut at a comma, else at a space.
	maxClauseBytes = 400
	// maxTokenBytes is the longest run of non-space characters flite sees;
	// longer runs (URLs, hashes, "aaaa...") are cut into pieces.
	maxTokenBytes = 48
)

// nextClause returns the end of the clause of text that starts at start: a
// sentence (up to and including its closing punctuation and quotes), a line,
// or at most maxClauseBytes bytes cut at a comma or a space. Synthesizing
// clause by clause makes the first audio come sooner and bounds memory.
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

// sentenceEnd reports characters that can end a sentence.
func sentenceEnd(r rune) bool {
	switch r {
	case '.', '!', '?', ';', '…', '。', '！', '？', '；':
		return true
	}
	return false
}

// fullWidth reports the sentence ends of Chinese and Japanese text, which
// no space follows.
func fullWidth(r rune) bool { return r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef }

// sentenceBoundary decides whether the sentence-ending character r, which
// ends at byte i, ends the clause that starts at start, and where the clause
// ends: after any closing quotes or brackets, if white space or the end of
// the text follows. A full stop after an abbreviation ("Dr.", "e.g.", a
// single initial) or before a lower-case word does not end a sentence.
func sentenceBoundary(text string, start, i int, r rune) (int, bool) {
	end := i
	for end < len(text) {
		c, size := utf8.DecodeRuneInString(text[end:])
		if !strings.ContainsRune(`"')]}’”»`, c) {
			break
		}
		end += size
	}
	if end < len(text) && !fullWidth(r) {
		c, _ := utf8.DecodeRuneInString(text[end:])
		if !unicode.IsSpace(c) {
			return 0, false
		}
	}
	if r != '.' {
		return end, true
	}
	word := lastWord(text[start : i-1])
	if abbreviation(word) {
		return 0, false
	}
	next := strings.TrimLeftFunc(text[end:], unicode.IsSpace)
	if c, _ := utf8.DecodeRuneInString(next); unicode.IsLower(c) {
		return 0, false
	}
	return end, true
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

// abbreviation reports words that take a full stop without ending a
// sentence: single letters (initials), dotted forms (e.g., U.S.) and common
// English titles and short forms.
func abbreviation(word string) bool {
	if utf8.RuneCountInString(word) == 1 || strings.Contains(word, ".") {
		return true
	}
	switch strings.ToLower(word) {
	case "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "no",
		"inc", "ltd", "co", "corp", "mt", "ft", "approx", "dept", "est", "fig",
		"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
		"nov", "dec", "ave", "blvd", "rd", "apt", "min", "max", "tel", "ext":
		return true
	}
	return false
}

// cutClause ends an over-long clause at the last comma-like break before
// limit, else at the last space, else at limit (on a character boundary).
func cutClause(text string, start, limit int) int {
	window := text[start:limit]
	if i := strings.LastIndexAny(window, ",:;"); i > 0 && i+1 < len(window) && window[i+1] == ' ' {
		return start + i + 1
	}
	if i := strings.LastIndexFunc(window, unicode.IsSpace); i > 0 {
		return start + i
	}
	for limit > start && !utf8.RuneStart(text[limit]) {
		limit--
	}
	if limit == start { // a single character longer than the window
		_, size := utf8.DecodeRuneInString(text[start:])
		return start + size
	}
	return limit
}

// speakable reports whether text holds something the voices read as a
// letter or a digit, after cleaning.
func speakable(text string) bool {
	for _, r := range text {
		if rep, ok := ascii(r); ok && strings.ContainsFunc(rep, isASCIIAlnum) {
			return true
		}
	}
	return false
}

func isASCIIAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// cleaner turns a clause into the ASCII text flite speaks, remembering for
// every output byte the byte range of the input character it came from.
// Its buffers are reused from clause to clause.
type cleaner struct {
	out      []byte
	from, to []int32
	run      int // non-space bytes at the end of out
}

// clean converts text[start:end]. It reports whether the result holds a
// letter or a digit (something to speak) and whether letters or digits were
// dropped because the English voices cannot speak them (other scripts).
func (c *cleaner) clean(text string, start, end int) (speakable, foreign bool) {
	c.out, c.from, c.to, c.run = c.out[:0], c.from[:0], c.to[:0], 0
	for i := start; i < end; {
		r, size := utf8.DecodeRuneInString(text[i:end])
		from, to := int32(i), int32(i+size)
		i += size
		if r == utf8.RuneError && size <= 1 {
			c.emit(" ", from, to)
			continue
		}
		rep, ok := ascii(r)
		if !ok {
			if unicode.IsLetter(r) || unicode.IsNumber(r) {
				foreign = true
			}
			rep = " "
		}
		if rep == "," && r >= utf8.RuneSelf { // a dash or a bullet: a pause
			c.comma(from, to)
			continue
		}
		c.emit(rep, from, to)
	}
	for _, b := range c.out {
		if isASCIIAlnum(rune(b)) {
			return true, foreign
		}
	}
	return false, foreign
}

// emit appends s for the input character at [from, to), breaking runs of
// non-space bytes longer than maxTokenBytes.
func (c *cleaner) emit(s string, from, to int32) {
	for k := 0; k < len(s); k++ {
		b := s[k]
		if b == ' ' {
			c.run = 0
		} else if c.run++; c.run > maxTokenBytes {
			c.push(' ', from, from)
			c.run = 1
		}
		c.push(b, from, to)
	}
}

// comma attaches a comma (a pause) to the word before it: flite reads
// punctuation only at the end of a token.
func (c *cleaner) comma(from, to int32) {
	n := len(c.out)
	for n > 0 && c.out[n-1] == ' ' {
		n--
	}
	if n == 0 {
		c.emit(" ", from, to)
		return
	}
	if n == len(c.out) {
		c.emit(", ", from, to)
		return
	}
	// Move the comma before the spaces, which then map to the dash too,
	// keeping the map in order.
	c.out[n] = ','
	for k := n; k < len(c.out); k++ {
		c.from[k], c.to[k] = from, to
	}
	c.emit(" ", from, to)
}

func (c *cleaner) push(b byte, from, to int32) {
	c.out = append(c.out, b)
	c.from = append(c.from, from)
	c.to = append(c.to, to)
}

// span returns the input byte range of the output bytes [a, b).
func (c *cleaner) span(a, b int) (int, int) {
	if a < 0 || b > len(c.out) || a >= b {
		return -1, -1
	}
	return int(c.from[a]), int(c.to[b-1])
}

// Transliteration of Latin-1 (U+00C0..U+00FF) and Latin Extended-A
// (U+0100..U+017F) letters to their base letters, one byte per character;
// ascii overrides the few that need more.
const (
	latin1   = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty"
	latinExA = "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs"
)

// ascii returns what flite should read for r: r itself for printable ASCII,
// a transliteration or a word for the common Latin letters and symbols, a
// space or nothing for separators and formatting. ok is false for
// characters it cannot speak at all.
func ascii(r rune) (rep string, ok bool) {
	switch {
	case r >= 0x20 && r < 0x7f:
		return markup(r), true
	case r < 0x20 || r == 0x7f || r == 0x85:
		return " ", true
	case r >= 0xc0 && r <= 0xff:
		return latinLetter(r), true
	case r >= 0x100 && r <= 0x17f:
		return latinExtended(r), true
	case r >= 0xff01 && r <= 0xff5e: // full-width ASCII
		return markup(r - 0xfee0), true
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r) || r == 0xad:
		return "", true // combining marks, zero-width characters, soft hyphen
	case unicode.IsSpace(r):
		return " ", true
	}
	return symbol(r)
}

// markup replaces the ASCII characters of Markdown and similar formatting,
// which flite would otherwise read aloud ("asterisk"), by a space.
func markup(r rune) string {
	switch r {
	case '*', '_', '`', '~', '|', '^', '\\':
		return " "
	}
	return printable[r-0x20 : r-0x1f]
}

// printable holds the printable ASCII characters, so that one can be
// returned as a string without allocating.
const printable = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"

func latinLetter(r rune) string {
	switch r {
	case 0xc6:
		return "AE"
	case 0xe6:
		return "ae"
	case 0xde:
		return "Th"
	case 0xfe:
		return "th"
	case 0xdf:
		return "ss"
	case 0xd7:
		return " times "
	case 0xf7:
		return " divided by "
	}
	return latin1[r-0xc0 : r-0xc0+1]
}

func latinExtended(r rune) string {
	switch r {
	case 0x152:
		return "OE"
	case 0x153:
		return "oe"
	case 0x132:
		return "IJ"
	case 0x133:
		return "ij"
	}
	return latinExA[r-0x100 : r-0x100+1]
}

// symbol maps punctuation and symbols outside ASCII.
func symbol(r rune) (string, bool) {
	switch r {
	case '‘', '’', '‚', '‛', '′', 'ʼ':
		return "'", true
	case '“', '”', '„', '‟', '″', '«', '»':
		return `"`, true
	case '‐', '‑', '‒', '–', '−':
		return "-", true
	case '—', '―', '•', '·':
		return ",", true
	case '…':
		return "...", true
	case '€':
		return " euro ", true
	case '£':
		return " pound ", true
	case '¥':
		return " yen ", true
	case '°':
		return " degrees ", true
	case '¢':
		return " cents ", true
	case '½':
		return " one half ", true
	case '¼':
		return " one quarter ", true
	case '¾':
		return " three quarters ", true
	case '¹':
		return "1", true
	case '²':
		return "2", true
	case '³':
		return "3", true
	}
	if unicode.IsLetter(r) || unicode.IsNumber(r) {
		return "", false
	}
	return " ", true // other symbols, emoji, unassigned
}
