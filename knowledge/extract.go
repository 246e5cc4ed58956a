package knowledge

import (
	"bytes"
	"path"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Article is a file's content as plain text cut into sections, before
// chunking.
type Article struct {
	// Title is the first heading, else the front matter's or HTML
	// <title>, else a title made from the file name.
	Title string
	// Language is the language the file declares (Markdown front matter
	// "lang"/"language", HTML lang attribute), "" when it declares none.
	Language string
	// Sections are the article's sections in order.
	Sections []Section
}

// Section is the text under one heading.
type Section struct {
	// Headings is the path of headings down to this section, outermost
	// first; empty for text before the first heading.
	Headings []string
	// Paragraphs are the section's paragraphs, list items and table rows,
	// as plain text on one line each.
	Paragraphs []string
}

// Supported reports whether Ingest reads files named like name: Markdown
// (.md, .markdown), text (.txt) and HTML (.html, .htm), in any letter case.
func Supported(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown", ".txt", ".html", ".htm":
		return true
	}
	return false
}

// Extract turns a file's bytes into an Article, choosing the format by
// the extension of name (see Supported; other names are read as text).
// It never fails: malformed markup is read as well as it can be. Text
// that is not UTF-8 is decoded from UTF-16 (with a byte order mark) or
// Windows-1252.
func Extract(name string, data []byte) Article {
	text := decode(data)
	var a Article
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown":
		a = parseMarkdown(text)
	case ".html", ".htm":
		a = parseHTML(text)
	default:
		a = parsePlainText(text)
	}
	if a.Title == "" {
		a.Title = titleFromName(name)
	}
	return a
}

// titleFromName makes a title from a file name: "returns-policy.md" ->
// "Returns policy".
func titleFromName(name string) string {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	base = strings.TrimSuffix(base, path.Ext(base))
	base = strings.Join(strings.FieldsFunc(base, func(r rune) bool { return r == '-' || r == '_' || r == ' ' || r == '.' }), " ")
	if base == "" {
		return "Untitled"
	}
	r, size := utf8.DecodeRuneInString(base)
	return strings.ToUpper(string(r)) + base[size:]
}

// decode returns data as UTF-8 text without a byte order mark.
func decode(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decodeUTF16(data[2:], false)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeUTF16(data[2:], true)
	}
	if utf8.Valid(data) {
		return string(data)
	}
	return decodeWindows1252(data)
}

func decodeUTF16(b []byte, bigEndian bool) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		if bigEndian {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		} else {
			u = append(u, uint16(b[i+1])<<8|uint16(b[i]))
		}
	}
	return string(utf16.Decode(u))
}

// decodeWindows1252 decodes bytes that are not UTF-8 as Windows-1252, the
// usual encoding of such files; valid UTF-8 sequences inside are kept.
func decodeWindows1252(data []byte) string {
	var b strings.Builder
	b.Grow(len(data) + len(data)/8)
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r != utf8.RuneError || size > 1 {
			b.WriteRune(r)
			data = data[size:]
			continue
		}
		b.WriteRune(cp1252(data[0]))
		data = data[1:]
	}
	return b.String()
}

// cp1252 maps a Windows-1252 byte to its rune.
func cp1252(c byte) rune {
	if c < 0x80 || c >= 0xA0 {
		return rune(c)
	}
	high := [32]rune{'€', '\uFFFD', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\uFFFD', 'Ž', '\uFFFD',
		'\uFFFD', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\uFFFD', 'ž', 'Ÿ'}
	return high[c-0x80]
}

// parsePlainText reads text as paragraphs separated by blank lines, with
// lines inside a paragraph joined.
func parsePlainText(text string) Article {
	var sec Section
	var para []string
	flush := func() {
		if p := strings.Join(para, " "); p != "" {
			sec.Paragraphs = append(sec.Paragraphs, p)
		}
		para = para[:0]
	}
	for line := range strings.Lines(text) {
		line = collapseSpace(line)
		if line == "" {
			flush()
			continue
		}
		para = append(para, line)
	}
	flush()
	return Article{Sections: []Section{sec}}
}

// collapseSpace trims s and turns every run of white space into one
// space.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
