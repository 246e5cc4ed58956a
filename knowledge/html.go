package knowledge

import "strings"

// htmlParser turns HTML tokens into sections: h1-h6 start sections,
// block elements end paragraphs, table rows become lines, and the content
// of script, style, head, nav and hidden elements is skipped.
type htmlParser struct {
	*sections
	para     strings.Builder
	head     strings.Builder // text of the open heading
	level    int             // level of the open heading, 0 when none
	title    string          // <title>
	inTitle  bool
	language string
	skip     []string // names of the open skipped elements, outermost first
	table    *htmlTable
}

// htmlTable collects the rows of the innermost open table.
type htmlTable struct {
	header []string
	cells  []string
	cell   strings.Builder
	inCell bool
	allTH  bool
	rows   int
	outer  *htmlTable
}

// parseHTML turns an HTML page into an Article.
func parseHTML(src string) Article {
	p := &htmlParser{sections: newSections()}
	tokenizeHTML(src, p.token)
	p.endHeading()
	for p.table != nil {
		p.endTable()
	}
	p.flush()
	a := p.article(collapseSpace(p.title))
	a.Language = p.language
	return a
}

// token handles one token.
func (p *htmlParser) token(t htmlToken) {
	if len(p.skip) > 0 {
		p.skipping(t)
		return
	}
	switch t.kind {
	case htmlText:
		p.text(t.text)
	case htmlStart:
		p.start(t)
	case htmlEnd:
		p.end(t.name)
	}
}

// skipping tracks nesting inside a skipped element until it closes.
func (p *htmlParser) skipping(t htmlToken) {
	top := p.skip[len(p.skip)-1]
	switch {
	case t.kind == htmlStart && t.name == top && !t.self && !isVoid(t.name):
		p.skip = append(p.skip, t.name)
	case t.kind == htmlEnd && t.name == top:
		p.skip = p.skip[:len(p.skip)-1]
	case t.kind == htmlEnd && t.name == "head" && top == "head":
		p.skip = p.skip[:0]
	case t.kind == htmlStart && t.name == "body":
		p.skip = p.skip[:0] // a missing </head>
	case t.kind == htmlStart && t.name == "title":
		p.inTitle = true
	case t.kind == htmlText && p.inTitle:
		p.title += t.text
		p.inTitle = false
	}
}

// text adds text to whatever is open: a title, heading, table cell or
// paragraph.
func (p *htmlParser) text(s string) {
	switch {
	case p.inTitle:
		p.title += s
		p.inTitle = false
	case p.level > 0:
		p.head.WriteString(s)
	case p.table != nil && p.table.inCell:
		p.table.cell.WriteString(s)
	default:
		p.para.WriteString(s)
	}
}

// start handles a start tag.
func (p *htmlParser) start(t htmlToken) {
	if t.name == "html" {
		if l, ok := t.attr("lang"); ok {
			p.language = l
		}
	}
	if skipped(t) {
		if !t.self && !isVoid(t.name) {
			p.skip = append(p.skip, t.name)
		}
		return
	}
	switch {
	case t.name == "title":
		p.inTitle = true
	case len(t.name) == 2 && t.name[0] == 'h' && t.name[1] >= '1' && t.name[1] <= '6':
		p.endHeading()
		p.flush()
		p.level = int(t.name[1] - '0')
	case t.name == "table":
		p.flush()
		p.table = &htmlTable{outer: p.table, allTH: true}
	case p.table != nil && (t.name == "td" || t.name == "th"):
		p.table.endCell()
		p.table.inCell = true
		if t.name == "td" {
			p.table.allTH = false
		}
	case p.table != nil && t.name == "tr":
		p.endRow()
	case t.name == "img":
		if alt, ok := t.attr("alt"); ok {
			p.text(" " + alt + " ")
		}
	case isBlock(t.name):
		if p.level > 0 && t.name != "br" {
			p.endHeading() // a block inside a heading ends the heading
		}
		if p.level == 0 && (p.table == nil || !p.table.inCell) {
			p.flush()
		} else {
			p.text(" ")
		}
	}
}

// end handles an end tag.
func (p *htmlParser) end(name string) {
	switch {
	case len(name) == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6':
		p.endHeading()
	case name == "title":
		p.inTitle = false
	case p.table != nil && (name == "td" || name == "th"):
		p.table.endCell()
	case p.table != nil && name == "tr":
		p.endRow()
	case p.table != nil && name == "table":
		p.endTable()
	case isBlock(name):
		if p.level == 0 && (p.table == nil || !p.table.inCell) {
			p.flush()
		} else {
			p.text(" ")
		}
	}
}

// endHeading closes the open heading, starting its section.
func (p *htmlParser) endHeading() {
	if p.level == 0 {
		return
	}
	p.heading(p.level, collapseSpace(p.head.String()))
	p.head.Reset()
	p.level = 0
}

// flush ends the current paragraph.
func (p *htmlParser) flush() {
	p.add(collapseSpace(p.para.String()))
	p.para.Reset()
}

// endCell closes the open cell.
func (t *htmlTable) endCell() {
	if !t.inCell {
		return
	}
	t.cells = append(t.cells, collapseSpace(t.cell.String()))
	t.cell.Reset()
	t.inCell = false
}

// endRow writes the open row: the first row of header cells becomes the
// table's header.
func (p *htmlParser) endRow() {
	t := p.table
	t.endCell()
	if len(t.cells) == 0 {
		t.allTH = true
		return
	}
	if t.rows == 0 && t.allTH {
		t.header = t.cells
	} else {
		p.add(tableRow(t.header, t.cells))
	}
	t.rows++
	t.cells = nil
	t.allTH = true
}

// endTable closes the innermost table.
func (p *htmlParser) endTable() {
	p.endRow()
	p.table = p.table.outer
}

// skipped reports whether an element's content is left out: scripts,
// styles, the head (except its title), navigation, forms' widgets,
// embedded graphics, and elements marked hidden.
func skipped(t htmlToken) bool {
	switch t.name {
	case "script", "style", "noscript", "template", "head", "nav", "svg", "math", "iframe", "object", "canvas", "select", "button", "textarea":
		return true
	}
	if _, ok := t.attr("hidden"); ok {
		return true
	}
	v, _ := t.attr("aria-hidden")
	return v == "true"
}

// isVoid reports whether an element never has content or an end tag.
func isVoid(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr":
		return true
	}
	return false
}

// isBlock reports whether an element starts and ends a paragraph.
func isBlock(name string) bool {
	switch name {
	case "p", "div", "section", "article", "main", "header", "footer", "aside", "ul", "ol", "li", "dl", "dt", "dd",
		"blockquote", "pre", "figure", "figcaption", "form", "fieldset", "details", "summary", "address", "hr", "br",
		"center", "caption", "legend", "body", "html", "tr", "table", "thead", "tbody", "tfoot":
		return true
	}
	return false
}
