package llm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Defaults of Splitter's lengths, in units (see Splitter).
const (
	// DefaultClauseLength is the length after which a sentence without an
	// end is cut at its last clause boundary: about fifteen English words
	// or twenty-seven Chinese characters, five seconds of speech.
	DefaultClauseLength = 80
	// DefaultMaxLength is the length after which a sentence without an end
	// or a clause boundary is cut at its last space (or anywhere outside a
	// number, for text without spaces).
	DefaultMaxLength = 200
	// minClause is the shortest first part a clause cut leaves, in units.
	minClause = 20
	// maxLookahead bounds the runes read past a terminator to decide
	// whether it ends the sentence (closing marks, then spaces); a longer
	// run ends it. It keeps each decision local, so the work per piece
	// stays bounded.
	maxLookahead = 16
)

// titles are abbreviations that a period never ends a sentence after
// ("Mr. Smith", "St. Johns").
var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sr": true, "jr": true,
	"st": true, "mt": true, "ft": true, "vs": true, "approx": true, "dept": true,
	"e.g": true, "i.e": true,
}

// Splitter cuts text that arrives in pieces (the tokens of a streamed
// answer) into sentences to speak, each as soon as it is complete, so that
// speech starts before the whole answer exists.
//
// A sentence ends after . ! ? or … followed by a space (and any closing
// quotes or brackets), after the Chinese 。！？, and at a line break. A
// period does not end a sentence inside a number ("4.95", "1,299.00"),
// after a title or a common abbreviation ("Mr.", "Dr.", "e.g."), after an
// initial ("J. Smith"), after a list number at the start ("1. Open the
// app"), or when the next word starts in lower case ("approx. ten").
//
// Long sentences are cut too, so that the first words are spoken early:
// once the pending text reaches ClauseLength units it is cut at its last
// clause boundary (, ; : or a dash followed by a space, or the Chinese ，；：、),
// and at MaxLength units at its last space. A unit is one character of
// alphabetic text and three of Chinese, Japanese or Korean, which pack more
// speech per character.
//
// The result does not depend on how the text is cut into pieces: a
// sentence is given out only once the text after it decides its end. The
// zero Splitter is ready to use. It is not safe for concurrent use.
type Splitter struct {
	// ClauseLength is the length in units after which a sentence is cut at
	// a clause boundary; 0 means DefaultClauseLength.
	ClauseLength int
	// MaxLength is the length in units after which a sentence is cut at a
	// space; 0 means DefaultMaxLength.
	MaxLength int

	buf   []byte
	final bool
	scan  scanState
}

// Write adds a piece of text.
func (s *Splitter) Write(text string) {
	s.buf = append(s.buf, text...)
}

// Finish marks the end of the text: Next then also gives out the last
// sentence, complete or not.
func (s *Splitter) Finish() { s.final = true }

// Reset empties the splitter for a new text, keeping its lengths.
func (s *Splitter) Reset() {
	s.buf = s.buf[:0]
	s.final = false
	s.scan = scanState{}
}

// Next returns the next complete sentence, trimmed of surrounding space;
// ok is false when the text so far holds none.
func (s *Splitter) Next() (sentence string, ok bool) {
	for {
		s.trimLeft()
		end := s.cut()
		if end == 0 {
			if !s.final {
				return "", false
			}
			end = len(s.buf)
		}
		sentence = strings.TrimSpace(string(s.buf[:end]))
		s.buf = s.buf[:copy(s.buf, s.buf[end:])]
		if sentence != "" {
			return sentence, true
		}
		if len(s.buf) == 0 {
			return "", false
		}
	}
}

// trimLeft drops the white space that starts the buffer: it belongs to no
// sentence.
func (s *Splitter) trimLeft() {
	n := 0
	for n < len(s.buf) {
		r, size := utf8.DecodeRune(s.buf[n:])
		if !unicode.IsSpace(r) {
			break
		}
		n += size
	}
	if n > 0 {
		s.buf = s.buf[:copy(s.buf, s.buf[n:])]
		s.scan = scanState{}
	}
}

// scanState is where cut stopped in the pending text for want of more,
// so that the next call goes on from there instead of reading it again.
type scanState struct {
	i                          int  // where to go on
	units, clause, space, word int  // length so far, last clause cut, last space, word start
	prev                       rune // the rune before i
}

// cut returns the end of the first sentence in the buffer, 0 when the text
// so far does not decide one. Next trims the space before the sentence, so
// it starts at 0.
func (s *Splitter) cut() int {
	b := s.buf
	if !s.final {
		b = b[:len(b)-partialRune(b)] // a rune cut between pieces: wait for the rest
	}
	clauseLen, maxLen := s.lengths()
	st := s.scan
	if st.i == 0 {
		st = scanState{clause: -1, space: -1}
	}
	s.scan = scanState{}
	for st.i < len(b) {
		i := st.i
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == '。' || r == '！' || r == '？':
			end := skipClosers(b, i+size)
			if end == len(b) && !s.final {
				s.scan = st
				return 0
			}
			return end
		case r == '.' || r == '!' || r == '?' || r == '…':
			end, decided := s.latinEnd(b, st.word, i)
			if !decided {
				s.scan = st
				return 0
			}
			if end > 0 {
				return end
			}
		case r == '\n' && i > 0:
			return i + size
		}
		if unicode.IsSpace(r) {
			if st.units >= minClause && (st.prev == ',' || st.prev == ';' || st.prev == ':' || st.prev == '—' || st.prev == '–') {
				st.clause = i
			}
			st.space, st.word = i, i+size
		} else if (r == '，' || r == '；' || r == '：' || r == '、') && st.units >= minClause {
			st.clause = i + size
		}
		st.units += width(r)
		if st.units >= clauseLen && st.clause > 0 {
			return st.clause
		}
		if st.units >= maxLen {
			return hardCut(b, st.space, i+size)
		}
		st.prev = r
		st.i = i + size
	}
	s.scan = st
	return 0
}

// lengths returns the clause and maximum lengths in effect.
func (s *Splitter) lengths() (clause, maxLen int) {
	clause, maxLen = s.ClauseLength, s.MaxLength
	if clause <= 0 {
		clause = DefaultClauseLength
	}
	if maxLen <= 0 {
		maxLen = DefaultMaxLength
	}
	return clause, maxLen
}

// latinEnd decides whether the terminator at i (. ! ? …) ends the
// sentence that starts at 0; wordStart is where the word before it
// starts. end is the sentence's end, 0 when it does not end there; decided
// is false when the text after the terminator has not arrived yet.
func (s *Splitter) latinEnd(b []byte, wordStart, i int) (end int, decided bool) {
	j := i
	period := true
	for n := 0; j < len(b); n++ {
		if n == maxLookahead {
			return j, true
		}
		r, size := utf8.DecodeRune(b[j:])
		if r == '!' || r == '?' {
			period = false
		} else if r != '.' && r != '…' && !isCloser(r) {
			break
		}
		j += size
	}
	if j == len(b) {
		return j, s.final
	}
	if r, _ := utf8.DecodeRune(b[j:]); !unicode.IsSpace(r) {
		return 0, true // 4.95, example.com, U.S.A
	}
	if !period {
		return j, true
	}
	word := strings.ToLower(strings.TrimRight(string(b[wordStart:i]), "."))
	switch {
	case titles[word]:
		return 0, true
	case utf8.RuneCountInString(word) == 1 && unicode.IsLetter([]rune(word)[0]):
		return 0, true // an initial
	case wordStart == 0 && word != "" && strings.Trim(word, "0123456789") == "":
		return 0, true // a list number
	}
	k := j
	for n := 0; k < len(b); n++ {
		if n == maxLookahead {
			return j, true
		}
		r, size := utf8.DecodeRune(b[k:])
		if !unicode.IsSpace(r) {
			if unicode.IsLower(r) {
				return 0, true // approx. ten, etc. and so on
			}
			return j, true
		}
		k += size
	}
	return j, s.final
}

// skipClosers returns the index after the closing quotes and brackets that
// start at i.
func skipClosers(b []byte, i int) int {
	for n := 0; i < len(b) && n < maxLookahead; n++ {
		r, size := utf8.DecodeRune(b[i:])
		if !isCloser(r) {
			break
		}
		i += size
	}
	return i
}

// isCloser reports closing quotes and brackets that belong to the sentence
// before them.
func isCloser(r rune) bool {
	switch r {
	case '"', '\'', '”', '’', ')', ']', '»', '」', '』', '）', '】', '》':
		return true
	}
	return false
}

// hardCut returns where to cut a sentence that reached the maximum length
// at end: at its last space when it has one, else at end moved back out of
// any number, so that "4.95" stays whole.
func hardCut(b []byte, space, end int) int {
	if space > 0 {
		return space
	}
	cut := end
	for cut > 0 {
		r, size := utf8.DecodeLastRune(b[:cut])
		if !(r >= '0' && r <= '9') && r != '.' && r != ',' {
			break
		}
		cut -= size
	}
	if cut == 0 {
		return end
	}
	return cut
}

// partialRune returns the length of an incomplete UTF-8 sequence at the
// end of b, 0 when it ends with a whole rune.
func partialRune(b []byte) int {
	for k := 1; k <= utf8.UTFMax && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if utf8.FullRune(b[len(b)-k:]) {
				return 0
			}
			return k
		}
	}
	return 0
}

// width returns how many units a rune counts for.
func width(r rune) int {
	if r >= 0x1100 && (unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || (r >= 0xFF00 && r <= 0xFFEF) || (r >= 0x3000 && r <= 0x303F)) {
		return 3
	}
	return 1
}
