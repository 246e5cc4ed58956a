package knowledge

// sections builds an Article's sections from headings and paragraphs
// given in document order.
type sections struct {
	art     Article
	stack   []heading
	firstH1 string
	first   string
}

type heading struct {
	level int
	text  string
}

func newSections() *sections {
	s := &sections{}
	s.art.Sections = []Section{{}}
	return s
}

// add appends a paragraph to the current section; empty text is ignored.
func (s *sections) add(text string) {
	if text == "" {
		return
	}
	cur := &s.art.Sections[len(s.art.Sections)-1]
	cur.Paragraphs = append(cur.Paragraphs, text)
}

// heading starts a section under a heading of level lvl (1 to 6); empty
// text is ignored.
func (s *sections) heading(lvl int, text string) {
	if text == "" {
		return
	}
	if s.first == "" {
		s.first = text
	}
	if lvl == 1 && s.firstH1 == "" {
		s.firstH1 = text
	}
	for len(s.stack) > 0 && s.stack[len(s.stack)-1].level >= lvl {
		s.stack = s.stack[:len(s.stack)-1]
	}
	s.stack = append(s.stack, heading{lvl, text})
	path := make([]string, len(s.stack))
	for j, h := range s.stack {
		path[j] = h.text
	}
	s.art.Sections = append(s.art.Sections, Section{Headings: path})
}

// article returns the Article: its title is the first level-1 heading,
// else fallback when not empty, else the first heading; sections without
// text are dropped.
func (s *sections) article(fallback string) Article {
	a := s.art
	switch {
	case s.firstH1 != "":
		a.Title = s.firstH1
	case fallback != "":
		a.Title = fallback
	default:
		a.Title = s.first
	}
	out := a.Sections[:0]
	for _, sec := range a.Sections {
		if len(sec.Paragraphs) > 0 {
			out = append(out, sec)
		}
	}
	a.Sections = out
	return a
}
