package analysis

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind says what a Token is.
type Kind uint8

// Token kinds.
const (
	// Word is an English (or other alphabetic-script) word, stemmed.
	Word Kind = iota + 1
	// Number is a run of digits, from digits in the text or from spoken
	// number words ("forty two" -> "42").
	Number
	// HanUnigram is one Han character.
	HanUnigram
	// HanBigram is two adjacent Han characters.
	HanBigram
)

// Token is one term of a text.
type Token struct {
	// Text is the term: a stemmed lowercase word, a digit string, or one
	// or two Han characters.
	Text string
	// Kind says which.
	Kind Kind
	// Pos is the term's position among the text's words (Han characters
	// count one each); bigrams take the position of their first
	// character. Stopwords take positions too, so that adjacency between
	// terms reflects the text.
	Pos int
}

// IsHan reports whether r is a Han (Chinese) character.
func IsHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// Tokens appends the terms of text to dst and returns it. Stopwords are
// dropped; Han runs give unigrams (without Chinese particles) and bigrams.
func Tokens(text string, dst []Token) []Token {
	var words []string
	var pos int
	flush := func() {
		if len(words) == 0 {
			return
		}
		dst = appendWords(dst, words, &pos)
		words = words[:0]
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case IsHan(r):
			flush()
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !IsHan(r2) {
					break
				}
				j += s2
			}
			dst = appendHan(dst, text[i:j], &pos)
			i = j
		case isWordRune(r):
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if isWordRune(r2) || (isApostrophe(r2) && j+s2 < len(text) && nextIsLetter(text[j+s2:])) {
					j += s2
					continue
				}
				break
			}
			words = append(words, text[i:j])
			i = j
		case r == '%':
			words = append(words, "percent")
			i += size
		default:
			i += size
		}
	}
	flush()
	return dst
}

// nextIsLetter reports whether s starts with a letter.
func nextIsLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) && !IsHan(r)
}

func isWordRune(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)) && !IsHan(r)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '\u2019' }

// appendWords turns raw words (as written) into Word and Number tokens,
// joining spoken numbers.
func appendWords(dst []Token, raw []string, pos *int) []Token {
	norm := make([]string, 0, len(raw))
	for _, w := range raw {
		norm = append(norm, normalizeWord(w))
	}
	for i := 0; i < len(norm); {
		if n, used := parseNumber(norm[i:]); used > 0 {
			dst = append(dst, Token{Text: n, Kind: Number, Pos: *pos})
			*pos += used
			i += used
			continue
		}
		w := norm[i]
		i++
		p := *pos
		*pos++
		switch {
		case w == "":
		case isDigits(w):
			dst = append(dst, Token{Text: w, Kind: Number, Pos: p})
		case isStopword(w) || utf8.RuneCountInString(w) < 2:
		default:
			if s := Stem(w); s != "" && !isStopword(s) {
				dst = append(dst, Token{Text: s, Kind: Word, Pos: p})
			}
		}
	}
	return dst
}

// normalizeWord lowercases w and removes apostrophes: a possessive "'s"
// goes ("men's" -> "men"), other contractions join ("can't" -> "cant").
func normalizeWord(w string) string {
	w = strings.ToLower(w)
	if strings.ContainsAny(w, "'\u2019") {
		w = strings.ReplaceAll(w, "\u2019", "'")
		if strings.HasSuffix(w, "'s") && !isStopword(strings.ReplaceAll(w, "'", "")) {
			w = w[:len(w)-2]
		}
		w = strings.ReplaceAll(w, "'", "")
	}
	return w
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// appendHan appends the unigrams and bigrams of a run of Han characters.
func appendHan(dst []Token, run string, pos *int) []Token {
	prev := -1 // byte offset of the previous rune
	i := 0
	for i < len(run) {
		_, size := utf8.DecodeRuneInString(run[i:])
		uni := run[i : i+size]
		if !isHanParticle(uni) {
			dst = append(dst, Token{Text: uni, Kind: HanUnigram, Pos: *pos})
		}
		if prev >= 0 {
			dst = append(dst, Token{Text: run[prev : i+size], Kind: HanBigram, Pos: *pos - 1})
		}
		prev = i
		i += size
		*pos++
	}
	return dst
}

// isHanParticle reports whether a Han character is a grammatical particle
// or pronoun that says nothing about a topic on its own.
func isHanParticle(s string) bool {
	switch s {
	case "的", "了", "吗", "呢", "吧", "啊", "呀", "嘛", "么", "我", "你", "您", "他", "她", "它", "们", "是", "在", "和", "与", "或", "也", "都", "就", "这", "那", "个", "请", "哪", "什", "怎", "哦", "嗯":
		return true
	}
	return false
}
