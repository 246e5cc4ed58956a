package flow

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// abbreviations end with a period that does not end a sentence (lowercase,
// without their final period).
var abbreviations = map[string]bool{
	"a.m": true, "p.m": true, "u.s": true, "e.g": true, "i.e": true, "etc": true, "vs": true,
	"mr": true, "mrs": true, "ms": true, "dr": true, "st": true, "no": true, "ave": true,
	"approx": true, "dept": true, "inc": true, "jr": true, "sr": true, "apt": true, "p.o": true,
	"n.w": true, "n.e": true, "s.w": true, "s.e": true, "fig": true, "mt": true,
}

// splitSentences cuts text into sentences, for one Response each: at ".",
// "!", "?" followed by a space and not ending an abbreviation or a decimal,
// at "。", "！", "？" and at line breaks. Sentences are trimmed and empty ones
// dropped.
func splitSentences(text string) []string {
	var out []string
	start := 0
	emit := func(end int) {
		if s := strings.TrimSpace(text[start:end]); s != "" {
			out = append(out, s)
		}
		start = end
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch r {
		case '\n':
			emit(i)
		case '。', '！', '？', '；':
			emit(i + n)
		case '.', '!', '?':
			end := i + n
			for end < len(text) && strings.ContainsRune(`.!?"')`, rune(text[end])) {
				end++
			}
			if end == len(text) || (text[end] == ' ' || text[end] == '\n') && !(r == '.' && abbreviationBefore(text[start:i], text[end:])) {
				emit(end)
				i = end
				continue
			}
		}
		i += n
	}
	emit(len(text))
	return out
}

// timeZones may follow "a.m." and "p.m." in the same sentence.
var timeZones = map[string]bool{"eastern": true, "central": true, "mountain": true, "pacific": true,
	"et": true, "ct": true, "mt": true, "pt": true, "est": true, "cst": true, "mst": true, "pst": true,
	"edt": true, "cdt": true, "mdt": true, "pdt": true, "local": true}

// abbreviationBefore reports whether s ends with an abbreviation or a single
// letter (an initial), whose period does not end the sentence. A time
// ("8 p.m.") followed by a capitalised word other than a time zone ends
// it.
func abbreviationBefore(s, after string) bool {
	i := strings.LastIndexFunc(s, unicode.IsSpace)
	word := strings.ToLower(strings.TrimLeft(s[i+1:], "(\"'"))
	if word == "" {
		return false
	}
	if word == "a.m" || word == "p.m" {
		next := strings.Fields(after)
		if len(next) == 0 {
			return false
		}
		r, _ := utf8.DecodeRuneInString(next[0])
		return !unicode.IsUpper(r) || timeZones[strings.ToLower(strings.Trim(next[0], ".,;:"))]
	}
	if abbreviations[word] {
		return true
	}
	r, n := utf8.DecodeRuneInString(word)
	return n == len(word) && unicode.IsLetter(r)
}

// normalize lowercases text and keeps only letters and digits separated by
// single spaces, for comparing what was said with what was heard.
func normalize(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	space := false
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// heardAll reports whether heard, the words of a bot turn the caller heard,
// include the whole of sentence.
func heardAll(heard, sentence string) bool {
	s := normalize(sentence)
	return s == "" || strings.Contains(normalize(heard), s)
}
