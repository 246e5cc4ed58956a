package knowledge

import (
	"strings"
)

// mdParser reads Markdown (CommonMark and the GitHub table extension) as
// sections of plain text.
type mdParser struct {
	*sections
	para     []string
	title    string // from the front matter
	language string // from the front matter
}

// parseMarkdown turns Markdown into an Article: headings make sections,
// paragraphs and list items become lines, tables become one line per row
// ("first cell: other cells"), code fences keep their text, and inline
// markup (emphasis, links, images, code spans, HTML tags, entities) is
// removed.
func parseMarkdown(text string) Article {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	p := &mdParser{sections: newSections()}
	i := p.frontMatter(lines)
	for i < len(lines) {
		i = p.line(lines, i)
	}
	p.flush()
	a := p.article(p.title)
	a.Language = p.language
	return a
}

// frontMatter reads a YAML front matter block ("---" ... "---") for its
// title and language, returning the index of the first line after it.
func (p *mdParser) frontMatter(lines []string) int {
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return 0
	}
	for j := 1; j < len(lines) && j < 200; j++ {
		t := strings.TrimSpace(lines[j])
		if t == "---" || t == "..." {
			for _, l := range lines[1:j] {
				key, val, ok := strings.Cut(l, ":")
				if !ok {
					continue
				}
				val = strings.Trim(strings.TrimSpace(val), `"'`)
				switch strings.ToLower(strings.TrimSpace(key)) {
				case "title":
					p.title = inlineText(val)
				case "lang", "language":
					p.language = val
				}
			}
			return j + 1
		}
	}
	return 0
}

// line handles the line at i and returns the index of the next line to
// handle.
func (p *mdParser) line(lines []string, i int) int {
	line := strings.TrimRight(lines[i], " \t\r")
	t := strings.TrimSpace(line)
	indent := len(line) - len(strings.TrimLeft(line, " \t"))
	switch {
	case t == "":
		p.flush()
	case indent < 4 && (strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")):
		return p.fence(lines, i, t)
	case strings.HasPrefix(t, "<!--"):
		return p.comment(lines, i)
	case indent < 4 && atxLevel(t) > 0:
		p.flush()
		lvl := atxLevel(t)
		p.heading(lvl, inlineText(strings.TrimRight(strings.TrimRight(strings.TrimSpace(t[lvl:]), "#"), " \t")))
	case len(p.para) > 0 && isSetext(t, '='):
		p.setext(1)
	case len(p.para) > 0 && isSetext(t, '-'):
		p.setext(2)
	case isRule(t):
		p.flush()
	case strings.Contains(t, "|") && i+1 < len(lines) && isDelimiterRow(lines[i+1]):
		p.flush()
		return p.table(lines, i)
	case isRefDefinition(t):
	case strings.HasPrefix(t, ">"):
		lines[i] = strings.TrimLeft(t, "> \t")
		return p.line(lines, i)
	default:
		if item, ok := listItem(t); ok {
			p.flush()
			t = item
		}
		p.para = append(p.para, t)
	}
	return i + 1
}

// flush ends the current paragraph.
func (p *mdParser) flush() {
	if len(p.para) == 0 {
		return
	}
	text := inlineText(strings.Join(p.para, " "))
	p.para = p.para[:0]
	p.add(text)
}

// setext turns the paragraph above an underline into a heading.
func (p *mdParser) setext(lvl int) {
	raw := strings.Join(p.para, " ")
	p.para = p.para[:0]
	p.heading(lvl, inlineText(raw))
}

// fence reads a fenced code block opened by t at i, keeping its text as
// one paragraph.
func (p *mdParser) fence(lines []string, i int, t string) int {
	p.flush()
	marker := t[:3]
	n := len(t) - len(strings.TrimLeft(t, marker[:1]))
	var code []string
	j := i + 1
	for ; j < len(lines); j++ {
		c := strings.TrimSpace(lines[j])
		if strings.HasPrefix(c, strings.Repeat(marker[:1], n)) && strings.Trim(c, marker[:1]) == "" {
			j++
			break
		}
		if c != "" {
			code = append(code, c)
		}
	}
	p.add(collapseSpace(strings.Join(code, " ")))
	return j
}

// comment skips an HTML comment starting at line i.
func (p *mdParser) comment(lines []string, i int) int {
	p.flush()
	for j := i; j < len(lines); j++ {
		if k := strings.Index(lines[j], "-->"); k >= 0 {
			if rest := strings.TrimSpace(lines[j][k+3:]); rest != "" {
				lines[j] = rest
				return j
			}
			return j + 1
		}
	}
	return len(lines)
}

// table reads a GitHub table whose header is at line i.
func (p *mdParser) table(lines []string, i int) int {
	header := tableCells(lines[i])
	for j := range header {
		header[j] = inlineText(header[j])
	}
	for i += 2; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" || !strings.Contains(t, "|") {
			break
		}
		cells := tableCells(t)
		for j := range cells {
			cells[j] = inlineText(cells[j])
		}
		p.add(tableRow(header, cells))
	}
	return i
}

// tableCells splits a table row into its cells, honouring "\|".
func tableCells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	if strings.HasSuffix(row, "|") && !strings.HasSuffix(row, "\\|") {
		row = row[:len(row)-1]
	}
	var cells []string
	var b strings.Builder
	for k := 0; k < len(row); k++ {
		switch {
		case row[k] == '\\' && k+1 < len(row) && row[k+1] == '|':
			b.WriteByte('|')
			k++
		case row[k] == '|':
			cells = append(cells, strings.TrimSpace(b.String()))
			b.Reset()
		default:
			b.WriteByte(row[k])
		}
	}
	return append(cells, strings.TrimSpace(b.String()))
}

// tableRow writes a table row as a line that reads on its own: "first
// — header2: second; header3: third" when the table has a header row,
// "first: second, third" when it has none.
func tableRow(header, cells []string) string {
	first := ""
	var parts []string
	for j, c := range cells {
		c = collapseSpace(c)
		if c == "" {
			continue
		}
		if j == 0 {
			first = c
			continue
		}
		if j < len(header) {
			if h := collapseSpace(header[j]); h != "" {
				c = h + ": " + c
			}
		}
		parts = append(parts, c)
	}
	switch {
	case len(parts) == 0:
		return first
	case first == "":
		return strings.Join(parts, "; ")
	case len(header) > 0:
		return first + " — " + strings.Join(parts, "; ")
	}
	return first + ": " + strings.Join(parts, ", ")
}

// atxLevel returns the level of an ATX heading line ("## Title"), 0 when t
// is not one.
func atxLevel(t string) int {
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || (n < len(t) && t[n] != ' ' && t[n] != '\t') {
		return 0
	}
	return n
}

// isSetext reports whether t underlines a setext heading with c.
func isSetext(t string, c byte) bool {
	return t != "" && strings.Trim(t, string(c)) == ""
}

// isRule reports whether t is a thematic break ("---", "***", "___").
func isRule(t string) bool {
	s := strings.ReplaceAll(strings.ReplaceAll(t, " ", ""), "\t", "")
	if len(s) < 3 {
		return false
	}
	return strings.Trim(s, s[:1]) == "" && strings.ContainsAny(s[:1], "-*_")
}

// isDelimiterRow reports whether line is a table's header delimiter row
// ("|---|:--:|").
func isDelimiterRow(line string) bool {
	t := strings.TrimSpace(line)
	if !strings.Contains(t, "-") || !strings.ContainsAny(t, "|-") {
		return false
	}
	for _, c := range tableCells(t) {
		c = strings.TrimSpace(c)
		if c == "" || strings.Trim(c, ":-") != "" || !strings.Contains(c, "-") {
			return false
		}
	}
	return true
}

// isRefDefinition reports whether t is a link reference definition
// ("[id]: https://..."); footnotes ("[^1]: text") are text.
func isRefDefinition(t string) bool {
	if !strings.HasPrefix(t, "[") || strings.HasPrefix(t, "[^") {
		return false
	}
	end := strings.Index(t, "]:")
	return end > 1 && !strings.Contains(t[1:end], "]") && strings.TrimSpace(t[end+2:]) != ""
}

// listItem returns a list item's text without its marker ("- ", "1. ",
// "* [x] ").
func listItem(t string) (string, bool) {
	rest := ""
	switch {
	case len(t) >= 2 && strings.ContainsRune("-*+", rune(t[0])) && (t[1] == ' ' || t[1] == '\t'):
		rest = t[2:]
	default:
		n := 0
		for n < len(t) && n < 9 && t[n] >= '0' && t[n] <= '9' {
			n++
		}
		if n == 0 || n+1 >= len(t) || (t[n] != '.' && t[n] != ')') || (t[n+1] != ' ' && t[n+1] != '\t') {
			return t, false
		}
		rest = t[n+2:]
	}
	rest = strings.TrimSpace(rest)
	for _, box := range []string{"[ ] ", "[x] ", "[X] "} {
		rest = strings.TrimPrefix(rest, box)
	}
	return rest, true
}
