package knowledge

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeEntity decodes the character reference at the start of s
// ("&amp;", "&#233;", "&#x4E2D;"), returning its text and how many bytes
// it took. Unknown or malformed references decode to "&" (one byte), as
// browsers read them.
func decodeEntity(s string) (string, int) {
	if len(s) < 3 || s[0] != '&' {
		return "&", 1
	}
	end := strings.IndexByte(s[:min(len(s), 40)], ';')
	if s[1] == '#' {
		return numericEntity(s, end)
	}
	if end < 0 {
		// A few legacy entities are recognised without the semicolon.
		for _, name := range []string{"amp", "lt", "gt", "quot", "nbsp"} {
			if strings.HasPrefix(s[1:], name) {
				r, _ := namedEntity(name)
				return r, 1 + len(name)
			}
		}
		return "&", 1
	}
	if r, ok := namedEntity(s[1:end]); ok {
		return r, end + 1
	}
	return "&", 1
}

// numericEntity decodes "&#NNN;" or "&#xHHH;"; end is the index of the
// semicolon, or -1.
func numericEntity(s string, end int) (string, int) {
	digits, base, start := s[2:], 10, 2
	if len(digits) > 0 && (digits[0] == 'x' || digits[0] == 'X') {
		digits, base, start = digits[1:], 16, 3
	}
	n := 0
	for n < len(digits) && n < 8 && isDigitIn(digits[n], base) {
		n++
	}
	if n == 0 {
		return "&", 1
	}
	v, err := strconv.ParseUint(digits[:n], base, 32)
	used := start + n
	if end == used {
		used++
	}
	if err != nil || v == 0 || v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return "\uFFFD", used
	}
	if v >= 0x80 && v < 0xA0 {
		return string(cp1252(byte(v))), used
	}
	return string(rune(v)), used
}

func isDigitIn(c byte, base int) bool {
	if c >= '0' && c <= '9' {
		return true
	}
	return base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')
}

// namedEntity returns the text of the named character references that
// appear in help-center pages.
func namedEntity(name string) (string, bool) {
	switch name {
	case "amp", "AMP":
		return "&", true
	case "lt", "LT":
		return "<", true
	case "gt", "GT":
		return ">", true
	case "quot", "QUOT":
		return `"`, true
	case "apos":
		return "'", true
	case "nbsp", "ensp", "emsp", "thinsp":
		return " ", true
	case "shy", "zwj", "zwnj", "lrm", "rlm":
		return "", true
	case "copy":
		return "©", true
	case "reg":
		return "®", true
	case "trade":
		return "™", true
	case "mdash":
		return "—", true
	case "ndash":
		return "–", true
	case "hellip":
		return "…", true
	case "lsquo":
		return "‘", true
	case "rsquo":
		return "’", true
	case "ldquo":
		return "“", true
	case "rdquo":
		return "”", true
	case "laquo":
		return "«", true
	case "raquo":
		return "»", true
	case "bull", "middot":
		return "·", true
	case "deg":
		return "°", true
	case "times":
		return "×", true
	case "divide":
		return "÷", true
	case "plusmn":
		return "±", true
	case "frac12":
		return "½", true
	case "frac14":
		return "¼", true
	case "frac34":
		return "¾", true
	case "euro":
		return "€", true
	case "pound":
		return "£", true
	case "yen":
		return "¥", true
	case "cent":
		return "¢", true
	case "sect":
		return "§", true
	case "para":
		return "¶", true
	case "rarr":
		return "→", true
	case "larr":
		return "←", true
	case "check":
		return "✓", true
	case "eacute":
		return "é", true
	case "egrave":
		return "è", true
	case "aacute":
		return "á", true
	case "agrave":
		return "à", true
	case "ntilde":
		return "ñ", true
	case "ouml":
		return "ö", true
	case "uuml":
		return "ü", true
	case "auml":
		return "ä", true
	case "ccedil":
		return "ç", true
	case "szlig":
		return "ß", true
	}
	return "", false
}

// decodeEntities decodes every character reference in s.
func decodeEntities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '&' {
			j := strings.IndexByte(s[i:], '&')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		r, n := decodeEntity(s[i:])
		b.WriteString(r)
		i += n
	}
	return b.String()
}
