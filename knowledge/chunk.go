package knowledge

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/knowledge/internal/analysis"
)

// ChunkID returns the ID of chunk index of document doc: "doc#index".
func ChunkID(doc string, index int) string { return doc + "#" + strconv.Itoa(index) }

// HeadingSeparator joins the headings of a chunk's heading path.
const HeadingSeparator = " > "

// Chunks cuts an article into chunks of at most maxTokens tokens (see
// CountTokens): one per section when it fits, else parts of it split at
// paragraph boundaries where that keeps parts at least half full, else at
// sentence boundaries, else between words; consecutive parts of a section
// share up to overlap tokens of whole sentences. doc is the article's
// path and lang its language.
func Chunks(doc, lang string, a Article, maxTokens, overlap int) []Chunk {
	var out []Chunk
	for _, sec := range a.Sections {
		heading := strings.Join(sec.Headings, HeadingSeparator)
		for _, text := range splitSection(sec.Paragraphs, maxTokens, overlap) {
			out = append(out, Chunk{
				ID:       ChunkID(doc, len(out)),
				Doc:      doc,
				Index:    len(out),
				Title:    a.Title,
				Heading:  heading,
				Text:     text,
				Language: lang,
			})
		}
	}
	return out
}

// CountTokens counts the tokens of s as chunking does: each word of
// letters or digits counts one, each Han character one.
func CountTokens(s string) int {
	n, inWord := 0, false
	for _, r := range s {
		switch {
		case analysis.IsHan(r):
			n++
			inWord = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !inWord {
				n++
			}
			inWord = true
		default:
			inWord = false
		}
	}
	return n
}

// unit is a sentence (or a piece of an over-long one) of a section.
type unit struct {
	text     string
	tokens   int
	paraHead bool // the first unit of a paragraph
}

// splitSection returns the texts of the chunks of one section.
func splitSection(paras []string, maxTokens, overlap int) []string {
	total := 0
	for _, p := range paras {
		total += CountTokens(p)
	}
	if total == 0 {
		return nil
	}
	if total <= maxTokens {
		return []string{strings.Join(paras, "\n")}
	}
	var units []unit
	for _, p := range paras {
		first := true
		for _, s := range sentences(p) {
			for _, piece := range splitLong(s, maxTokens) {
				units = append(units, unit{text: piece, tokens: CountTokens(piece), paraHead: first})
				first = false
			}
		}
	}
	return pack(units, maxTokens, overlap)
}

// pack groups units into chunks of at most maxTokens tokens.
func pack(units []unit, maxTokens, overlap int) []string {
	var out []string
	start := 0
	for start < len(units) {
		end, size := start, 0
		for end < len(units) && (end == start || size+units[end].tokens <= maxTokens) {
			size += units[end].tokens
			end++
		}
		if end < len(units) {
			end = preferParagraphCut(units, start, end, maxTokens)
		}
		out = append(out, joinUnits(units[start:end]))
		if end >= len(units) {
			break
		}
		next := end
		for back := 0; next-1 > start && back+units[next-1].tokens <= overlap; next-- {
			back += units[next-1].tokens
		}
		start = next
	}
	return out
}

// preferParagraphCut moves a cut before units[end] back to the last
// paragraph start after start when the chunk keeps at least half of
// maxTokens; end < len(units).
func preferParagraphCut(units []unit, start, end, maxTokens int) int {
	if units[end].paraHead {
		return end
	}
	size := 0
	for i := start; i < end; i++ {
		size += units[i].tokens
	}
	for i := end - 1; i > start; i-- {
		size -= units[i].tokens
		if units[i].paraHead {
			if size*2 >= maxTokens {
				return i
			}
			break
		}
	}
	return end
}

// joinUnits writes units back as text: a paragraph per line, sentences
// joined by a space (none after Chinese punctuation).
func joinUnits(us []unit) string {
	var b strings.Builder
	for i, u := range us {
		if i > 0 {
			switch {
			case u.paraHead:
				b.WriteByte('\n')
			case !endsWithCJK(us[i-1].text):
				b.WriteByte(' ')
			}
		}
		b.WriteString(u.text)
	}
	return b.String()
}

func endsWithCJK(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return analysis.IsHan(r) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// sentences splits a paragraph after sentence-ending punctuation: ". ",
// "! ", "? " before a capital letter, digit or quote (not after common
// abbreviations or initials), and after Chinese "。！？；".
func sentences(p string) []string {
	var out []string
	start := 0
	for i, r := range p {
		switch r {
		case '。', '！', '？', '；', '!', '?':
			end := i + utf8.RuneLen(r)
			if r == '!' || r == '?' {
				if !sentenceFollows(p[end:]) {
					continue
				}
			}
			out = appendTrimmed(out, p[start:end])
			start = end
		case '.':
			end := i + 1
			if sentenceFollows(p[end:]) && !abbreviation(p[start:i]) {
				out = appendTrimmed(out, p[start:end])
				start = end
			}
		}
	}
	return appendTrimmed(out, p[start:])
}

func appendTrimmed(out []string, s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}

// sentenceFollows reports whether rest (what follows a '.', '!' or '?')
// starts a new sentence: white space, then a capital, digit, quote or
// Han character, or the end of the paragraph.
func sentenceFollows(rest string) bool {
	if rest == "" {
		return true
	}
	t := strings.TrimLeft(rest, " \t")
	if len(t) == len(rest) || t == "" {
		return t == ""
	}
	r, _ := utf8.DecodeRuneInString(t)
	return unicode.IsUpper(r) || unicode.IsDigit(r) || r == '"' || r == '\'' || r == '“' || r == '(' || analysis.IsHan(r)
}

// abbreviation reports whether the text before a '.' ends with an
// abbreviation or an initial, after which '.' does not end a sentence.
func abbreviation(before string) bool {
	i := strings.LastIndexFunc(before, func(r rune) bool { return unicode.IsSpace(r) || r == '(' })
	w := strings.ToLower(before[i+1:])
	if utf8.RuneCountInString(w) == 1 {
		return true
	}
	switch strings.TrimRight(w, ".") {
	case "mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "no", "approx", "a.m", "p.m", "u.s", "u.k", "inc", "ltd", "co", "jr", "sr", "mt", "ft", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec":
		return true
	}
	return false
}

// splitLong cuts a sentence longer than maxTokens between words (or
// between Han characters) into pieces of at most maxTokens tokens.
func splitLong(s string, maxTokens int) []string {
	if CountTokens(s) <= maxTokens {
		return []string{s}
	}
	var out []string
	start, n, inWord := 0, 0, false
	for i, r := range s {
		han := analysis.IsHan(r)
		word := !han && (unicode.IsLetter(r) || unicode.IsDigit(r))
		startsToken := han || (word && !inWord)
		if startsToken && n == maxTokens {
			out = appendTrimmed(out, s[start:i])
			start, n = i, 0
		}
		if startsToken {
			n++
		}
		inWord = word
	}
	return appendTrimmed(out, s[start:])
}
