package ws

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth bounds the nesting of arrays and objects the scanner skips
// over. Twilio's messages nest three levels deep; anything far deeper is
// hostile input, refused before it can exhaust the stack.
const maxJSONDepth = 32

// scanner is a small JSON (RFC 8259) reader over one message, built for the
// media path: it validates the syntax fully but copies nothing. Strings
// without escapes come back as sub-slices of the input; strings with
// escapes are unescaped into scratch, which the owner reuses from message
// to message (see decoder), so that decoding a media message does not
// allocate.
type scanner struct {
	data    []byte
	pos     int
	depth   int
	scratch *[]byte
}

// syntaxError reports malformed JSON at the current offset.
func (s *scanner) syntaxError(what string) error {
	return fmt.Errorf("%w: %s at byte %d", ErrMalformedMessage, what, s.pos)
}

// skipSpace advances over insignificant whitespace.
func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next significant byte, or 0 at the end of the input.
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// beginObject consumes the '{' that opens an object.
func (s *scanner) beginObject() error {
	if s.peek() != '{' {
		return s.syntaxError("expected an object")
	}
	s.pos++
	return nil
}

// nextKey reads the next member name of an object and the ':' after it.
// first says whether this is the object's first member (no ',' before it);
// the caller sets it to false after the first call. more is false once
// the closing '}' has been consumed.
func (s *scanner) nextKey(first bool) (key []byte, more bool, err error) {
	c := s.peek()
	if c == '}' {
		s.pos++
		return nil, false, nil
	}
	if !first {
		if c != ',' {
			return nil, false, s.syntaxError("expected ',' or '}' in an object")
		}
		s.pos++
		c = s.peek()
	}
	if c != '"' {
		return nil, false, s.syntaxError("expected a member name")
	}
	key, err = s.str()
	if err != nil {
		return nil, false, err
	}
	if s.peek() != ':' {
		return nil, false, s.syntaxError("expected ':' after a member name")
	}
	s.pos++
	return key, true, nil
}

// end checks that nothing but whitespace follows the top-level value.
func (s *scanner) end() error {
	if s.peek() != 0 {
		return s.syntaxError("unexpected data after the message")
	}
	return nil
}

// str reads a string value and returns its content, unescaped. Another
// value there is errWrongType (not consumed).
func (s *scanner) str() ([]byte, error) {
	if s.peek() != '"' {
		return nil, errWrongType
	}
	start := s.pos + 1
	for i := start; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == '"':
			s.pos = i + 1
			return s.data[start:i], nil
		case c == '\\':
			s.pos = i
			return s.unescape(start)
		case c < 0x20:
			s.pos = i
			return nil, s.syntaxError("control character in a string")
		}
	}
	s.pos = len(s.data)
	return nil, s.syntaxError("unterminated string")
}

// unescape finishes a string that has escapes: data[start:pos] is plain,
// pos is at the first backslash. The result goes to the scratch buffer.
func (s *scanner) unescape(start int) ([]byte, error) {
	buf := *s.scratch
	n0 := len(buf)
	buf = append(buf, s.data[start:s.pos]...)
	out, err := s.unescapeInto(buf)
	*s.scratch = out
	if err != nil {
		return nil, err
	}
	return out[n0:len(out):len(out)], nil
}

// unescapeInto appends the rest of the string, from the backslash at pos
// to the closing quote, unescaped to buf.
func (s *scanner) unescapeInto(buf []byte) ([]byte, error) {
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return buf, nil
		case c < 0x20:
			return buf, s.syntaxError("control character in a string")
		case c != '\\':
			buf = append(buf, c)
			s.pos++
			continue
		}
		if s.pos+1 >= len(s.data) {
			break
		}
		s.pos += 2
		switch e := s.data[s.pos-1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := s.hexRune()
			if err != nil {
				return buf, err
			}
			buf = utf8.AppendRune(buf, r)
		default:
			s.pos--
			return buf, s.syntaxError("invalid escape in a string")
		}
	}
	s.pos = len(s.data)
	return buf, s.syntaxError("unterminated string")
}

// hexRune reads the four hex digits after "\u" (and a second "\uXXXX" that
// completes a surrogate pair). A lone surrogate becomes U+FFFD, as
// encoding/json decodes it.
func (s *scanner) hexRune() (rune, error) {
	r, ok := s.hex4()
	if !ok {
		return 0, s.syntaxError("invalid \\u escape")
	}
	if !utf16.IsSurrogate(r) {
		return r, nil
	}
	if s.pos+1 < len(s.data) && s.data[s.pos] == '\\' && s.data[s.pos+1] == 'u' {
		save := s.pos
		s.pos += 2
		r2, ok := s.hex4()
		if !ok {
			return 0, s.syntaxError("invalid \\u escape")
		}
		if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
			return dec, nil
		}
		s.pos = save // not a pair: the second escape stands alone
	}
	return utf8.RuneError, nil
}

// hex4 reads four hex digits.
func (s *scanner) hex4() (rune, bool) {
	if s.pos+4 > len(s.data) {
		return 0, false
	}
	var r rune
	for _, c := range s.data[s.pos : s.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	s.pos += 4
	return r, true
}

// scalar reads a string or a number and returns the string's content or
// the number's text: Twilio sends most numbers as strings, and a reader
// that accepts either is robust to both.
func (s *scanner) scalar() ([]byte, error) {
	switch c := s.peek(); {
	case c == '"':
		return s.str()
	case c == '-' || (c >= '0' && c <= '9'):
		start := s.pos
		if err := s.number(); err != nil {
			return nil, err
		}
		return s.data[start:s.pos], nil
	default:
		return nil, errWrongType
	}
}

// skip reads over one value of any type, validating it.
func (s *scanner) skip() error {
	switch c := s.peek(); {
	case c == '"':
		_, err := s.str()
		return err
	case c == '{':
		return s.skipObject()
	case c == '[':
		return s.skipArray()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == 0:
		return s.syntaxError("unexpected end of the message")
	default:
		return s.syntaxError("unexpected character")
	}
}

// skipObject reads over an object.
func (s *scanner) skipObject() error {
	if s.depth++; s.depth > maxJSONDepth {
		return s.syntaxError("nested too deeply")
	}
	defer func() { s.depth-- }()
	if err := s.beginObject(); err != nil {
		return err
	}
	for first := true; ; first = false {
		_, more, err := s.nextKey(first)
		if err != nil || !more {
			return err
		}
		if err := s.skip(); err != nil {
			return err
		}
	}
}

// skipArray reads over an array.
func (s *scanner) skipArray() error {
	if s.depth++; s.depth > maxJSONDepth {
		return s.syntaxError("nested too deeply")
	}
	defer func() { s.depth-- }()
	s.pos++ // '['
	for first := true; ; first = false {
		more, err := s.nextElem(first)
		if err != nil || !more {
			return err
		}
		if err := s.skip(); err != nil {
			return err
		}
	}
}

// nextElem moves to the next element of an array whose '[' has been
// consumed; more is false once the closing ']' has been consumed.
func (s *scanner) nextElem(first bool) (more bool, err error) {
	c := s.peek()
	if c == ']' {
		s.pos++
		return false, nil
	}
	if !first {
		if c != ',' {
			return false, s.syntaxError("expected ',' or ']' in an array")
		}
		s.pos++
	}
	return true, nil
}

// literal reads true, false or null.
func (s *scanner) literal(word string) error {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.syntaxError("invalid literal")
	}
	s.pos += len(word)
	return nil
}

// number reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	if s.pos < len(s.data) && s.data[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(s.data) && s.data[s.pos] == '0':
		s.pos++
	case s.digits() == 0:
		return s.syntaxError("invalid number")
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return s.syntaxError("invalid number")
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return s.syntaxError("invalid number")
		}
	}
	return nil
}

// digits reads a run of decimal digits and returns its length.
func (s *scanner) digits() int {
	start := s.pos
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos - start
}
