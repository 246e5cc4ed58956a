package knowledge

import "strings"

// htmlKind is the kind of an htmlToken.
type htmlKind uint8

const (
	htmlText htmlKind = iota + 1
	htmlStart
	htmlEnd
)

// htmlToken is one piece of an HTML document.
type htmlToken struct {
	kind  htmlKind
	name  string // lowercase tag name for tags
	text  string // decoded text for htmlText
	attrs []htmlAttr
	self  bool // "<br/>"
}

// htmlAttr is one attribute of a start tag, its value decoded.
type htmlAttr struct {
	key, val string
}

// attr returns the value of attribute key and whether the tag has it.
func (t htmlToken) attr(key string) (string, bool) {
	for _, a := range t.attrs {
		if a.key == key {
			return a.val, true
		}
	}
	return "", false
}

// tokenizeHTML calls fn for every token of src, in order. It is tolerant:
// it never fails, treats a '<' that opens no tag as text, skips comments,
// doctypes and processing instructions, and reads the content of script,
// style and other raw-text elements as one text token up to their end tag.
func tokenizeHTML(src string, fn func(htmlToken)) {
	for i := 0; i < len(src); {
		lt := strings.IndexByte(src[i:], '<')
		if lt < 0 {
			fn(htmlToken{kind: htmlText, text: decodeEntities(src[i:])})
			return
		}
		if lt > 0 {
			fn(htmlToken{kind: htmlText, text: decodeEntities(src[i : i+lt])})
		}
		i += lt
		next, tok, ok := readTag(src, i)
		if !ok {
			fn(htmlToken{kind: htmlText, text: "<"})
			i++
			continue
		}
		i = next
		if tok.kind == 0 {
			continue // comment, doctype, processing instruction
		}
		fn(tok)
		if tok.kind == htmlStart && !tok.self && isRawText(tok.name) {
			end := indexFold(src[i:], "</"+tok.name)
			if end < 0 {
				end = len(src) - i
			}
			text := src[i : i+end]
			if tok.name == "title" || tok.name == "textarea" {
				text = decodeEntities(text)
			}
			fn(htmlToken{kind: htmlText, text: text})
			i += end
		}
	}
}

// isRawText reports whether an element's content is text up to its end
// tag, without tags inside.
func isRawText(name string) bool {
	switch name {
	case "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext":
		return true
	}
	return false
}

// indexFold is strings.Index ignoring ASCII case in s.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := strings.IndexByte(s[i:], sub[0])
		if j < 0 {
			return -1
		}
		i += j
		if i+len(sub) <= len(s) && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// readTag reads the markup at src[i] ('<'). ok is false when it opens no
// tag; a token of kind 0 is markup to skip.
func readTag(src string, i int) (next int, tok htmlToken, ok bool) {
	rest := src[i+1:]
	switch {
	case strings.HasPrefix(rest, "!--"):
		end := strings.Index(rest[3:], "-->")
		if end < 0 {
			return len(src), htmlToken{}, true
		}
		return i + 1 + 3 + end + 3, htmlToken{}, true
	case strings.HasPrefix(rest, "!") || strings.HasPrefix(rest, "?"):
		end := strings.IndexByte(rest, '>')
		if end < 0 {
			return len(src), htmlToken{}, true
		}
		return i + 1 + end + 1, htmlToken{}, true
	case strings.HasPrefix(rest, "/"):
		if len(rest) < 2 || !isASCIILetter(rest[1]) {
			return 0, htmlToken{}, false
		}
		name, n := tagName(rest[1:])
		end := strings.IndexByte(rest[1+n:], '>')
		if end < 0 {
			return len(src), htmlToken{kind: htmlEnd, name: name}, true
		}
		return i + 1 + 1 + n + end + 1, htmlToken{kind: htmlEnd, name: name}, true
	case len(rest) > 0 && isASCIILetter(rest[0]):
		name, n := tagName(rest)
		attrs, self, used := readAttrs(rest[n:])
		return i + 1 + n + used, htmlToken{kind: htmlStart, name: name, attrs: attrs, self: self}, true
	}
	return 0, htmlToken{}, false
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// tagName reads a tag name, lowercased.
func tagName(s string) (string, int) {
	n := 0
	for n < len(s) && !isSpaceByte(s[n]) && s[n] != '>' && s[n] != '/' && s[n] != '\f' {
		n++
	}
	return strings.ToLower(s[:n]), n
}

// readAttrs reads attributes up to and including the closing '>'.
func readAttrs(s string) (attrs []htmlAttr, self bool, used int) {
	i := 0
	for i < len(s) {
		for i < len(s) && (isSpaceByte(s[i]) || s[i] == '\f') {
			i++
		}
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '>':
			return attrs, self, i + 1
		case '/':
			self = true
			i++
			continue
		}
		self = false
		k := i
		for i < len(s) && !isSpaceByte(s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/' {
			i++
		}
		key := strings.ToLower(s[k:i])
		for i < len(s) && isSpaceByte(s[i]) {
			i++
		}
		val := ""
		if i < len(s) && s[i] == '=' {
			i++
			for i < len(s) && isSpaceByte(s[i]) {
				i++
			}
			val, i = attrValue(s, i)
		}
		if key != "" {
			attrs = append(attrs, htmlAttr{key: key, val: decodeEntities(val)})
		} else {
			i++
		}
	}
	return attrs, self, len(s)
}

// attrValue reads a quoted or unquoted attribute value at s[i].
func attrValue(s string, i int) (string, int) {
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		q := s[i]
		end := strings.IndexByte(s[i+1:], q)
		if end < 0 {
			return s[i+1:], len(s)
		}
		return s[i+1 : i+1+end], i + 1 + end + 1
	}
	k := i
	for i < len(s) && !isSpaceByte(s[i]) && s[i] != '>' {
		i++
	}
	return s[k:i], i
}
