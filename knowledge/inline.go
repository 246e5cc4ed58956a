package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// inlineText removes Markdown inline markup from s: backslash escapes,
// code spans, emphasis and strikethrough markers, links and images (their
// text stays), autolinks, HTML tags and entities. White space is
// collapsed.
func inlineText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	in := inliner{s: s}
	if strings.ContainsAny(s, "[(") {
		in.close = matchBrackets(s)
	}
	in.write(&b, 0, len(s), 0)
	return collapseSpace(b.String())
}

// Bounds of the searches for the end of a code span and of a tag, so
// that text full of backticks or '<' costs linear time.
const (
	maxCodeSpan = 4096
	maxTag      = 1024
)

// inliner removes the markup of one string.
type inliner struct {
	s string
	// close holds, for each '[' and '(' of s, the index of the bracket
	// closing it, or -1; nil when s has no brackets.
	close []int32
}

// matchBrackets pairs the square and round brackets of s in one pass,
// skipping backslash-escaped ones.
func matchBrackets(s string) []int32 {
	close := make([]int32, len(s))
	var square, round []int32
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '[':
			close[i] = -1
			square = append(square, int32(i))
		case '(':
			close[i] = -1
			round = append(round, int32(i))
		case ']':
			if n := len(square); n > 0 {
				close[square[n-1]] = int32(i)
				square = square[:n-1]
			}
		case ')':
			if n := len(round); n > 0 {
				close[round[n-1]] = int32(i)
				round = round[:n-1]
			}
		}
	}
	return close
}

// matching returns the index of the bracket closing the one at i, or -1.
func (in *inliner) matching(i int) int {
	if in.close == nil {
		return -1
	}
	return int(in.close[i])
}

// write writes the text of s[lo:hi] without markup; depth bounds the
// recursion into link texts.
func (in *inliner) write(b *strings.Builder, lo, hi, depth int) {
	s := in.s[:hi]
	for i := lo; i < hi; {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			b.WriteByte(s[i+1])
			i += 2
		case c == '`':
			i = codeSpan(b, s, i)
		case (c == '[' || (c == '!' && i+1 < len(s) && s[i+1] == '[')) && depth < 8:
			i = in.link(b, i, hi, depth)
		case c == '<':
			i = angle(b, s, i)
		case c == '&':
			r, n := decodeEntity(s[i:])
			b.WriteString(r)
			i += n
		case c == '*' || c == '~':
			n := run(s, i, c)
			if !flanking(s, i, i+n) {
				b.WriteString(s[i : i+n])
			}
			i += n
		case c == '_':
			n := run(s, i, c)
			if !(wordByteBefore(s, i) && wordByteAt(s, i+n)) && flanking(s, i, i+n) {
				i += n
				continue
			}
			b.WriteString(s[i : i+n])
			i += n
		default:
			b.WriteByte(c)
			i++
		}
	}
}

func isASCIIPunct(c byte) bool {
	return c < 0x80 && unicode.IsPunct(rune(c)) || c == '`' || c == '|' || c == '<' || c == '>' || c == '~' || c == '^' || c == '+' || c == '=' || c == '$'
}

// run returns the length of the run of c starting at i.
func run(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

// flanking reports whether the delimiter run s[i:j] touches a non-space
// character on at least one side, as emphasis markers do.
func flanking(s string, i, j int) bool {
	before := i > 0 && !isSpaceByte(s[i-1])
	after := j < len(s) && !isSpaceByte(s[j])
	return before || after
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func wordByteBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func wordByteAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// codeSpan writes the content of the code span at i, or the backticks
// when they open none.
func codeSpan(b *strings.Builder, s string, i int) int {
	n := run(s, i, '`')
	fence := s[i : i+n]
	end := min(len(s), i+n+maxCodeSpan)
	for j := i + n; j < end; {
		k := strings.Index(s[j:end], fence)
		if k < 0 {
			break
		}
		k += j
		if run(s, k, '`') == n {
			b.WriteString(" " + strings.TrimSpace(s[i+n:k]) + " ")
			return k + n
		}
		j = k + run(s, k, '`')
	}
	b.WriteString(fence)
	return i + n
}

// link writes the text of the link or image at i ("[text](url)",
// "![alt](src)", "[text][ref]", "[text]"), or the bracket when none
// starts there; hi bounds the text being written.
func (in *inliner) link(b *strings.Builder, i, hi, depth int) int {
	s := in.s
	open := i
	if s[i] == '!' {
		open++
	}
	close := in.matching(open)
	if close < 0 || close >= hi {
		b.WriteByte(s[i])
		return i + 1
	}
	end := close + 1
	if end < hi && s[end] == '(' {
		if c := in.matching(end); c >= 0 && c < hi {
			end = c + 1
		}
	} else if end < hi && s[end] == '[' {
		if c := in.matching(end); c >= 0 && c < hi {
			end = c + 1
		}
	}
	in.write(b, open+1, close, depth+1)
	return end
}

// angle handles '<' at i: an autolink keeps its address, an HTML tag or
// comment is removed (a <br> becomes a space), anything else is text.
func angle(b *strings.Builder, s string, i int) int {
	if strings.HasPrefix(s[i:], "<!--") {
		if k := strings.Index(s[i+4:], "-->"); k >= 0 {
			return i + 4 + k + 3
		}
		return len(s) // an unclosed comment hides the rest, as in HTML
	}
	end := strings.IndexByte(s[i:min(len(s), i+maxTag)], '>')
	if end < 0 || i+1 >= len(s) {
		b.WriteByte('<')
		return i + 1
	}
	inner := s[i+1 : i+end]
	switch {
	case isAutolink(inner):
		b.WriteString(strings.TrimPrefix(inner, "mailto:"))
	case isTagLike(inner):
		b.WriteByte(' ')
	default:
		b.WriteByte('<')
		return i + 1
	}
	return i + end + 1
}

// isAutolink reports whether the text between angle brackets is a URL or
// an email address.
func isAutolink(s string) bool {
	if strings.ContainsAny(s, " \t\n<") {
		return false
	}
	if k := strings.Index(s, ":"); k > 1 && k < 33 && !strings.ContainsAny(s[:k], "/@") {
		return true
	}
	at := strings.IndexByte(s, '@')
	return at > 0 && strings.Contains(s[at:], ".")
}

// isTagLike reports whether the text between angle brackets is an HTML
// tag ("b", "/b", "br /", "span class=x").
func isTagLike(s string) bool {
	s = strings.TrimPrefix(s, "/")
	if s == "" {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return false
	}
	for k := 0; k < len(s) && s[k] != ' ' && s[k] != '/' && s[k] != '\t'; k++ {
		if !(s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= '0' && s[k] <= '9' || s[k] == '-') {
			return false
		}
	}
	return true
}
