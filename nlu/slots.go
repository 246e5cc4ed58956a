package nlu

import (
	"strings"
)

// Slot filling. Each slot the intent carries (and each expected slot) takes
// the value its type reads:
//
//   - digits: a digit string, phone number or whole number of the utterance
//     whose length is within the slot's bounds; when several fit, the one
//     after a word of the slot's name ("zip" for zip_code) wins, then the
//     last one;
//   - email, money: the last e-mail address or amount;
//   - enum and text: the last value the gazetteer found (the value the
//     caller settles on: "swap the medium for a large" is l);
//   - a text slot whose name or description speaks of an address or a
//     street also reads street addresses ("four twelve oak street" is
//     "412 oak street");
//   - an expected text slot with nothing found takes the answer's content
//     words ("the merino socks" is "merino socks").

// slotSpan records the tokens a filled slot read, to tell a bare answer.
type slotSpan struct{ from, to int }

// filler fills the slots of one utterance.
type filler struct {
	m       *model
	x       *extraction
	matches []gazMatch
	used    []bool // entities already given to a slot
	spans   []slotSpan
}

// fill sets res[name] for each slot in names that the utterance holds.
func (f *filler) fill(names []string, expected func(string) bool, res map[string]string) {
	if cap(f.used) < len(f.x.ents) {
		f.used = make([]bool, len(f.x.ents))
	}
	f.used = f.used[:len(f.x.ents)]
	clear(f.used)
	for _, name := range names {
		s, ok := f.m.d.Slots[name]
		if !ok {
			continue
		}
		var v string
		switch s.Type {
		case SlotDigits:
			v = f.digits(s)
		case SlotEmail:
			v = f.lastEntity(EntityEmail)
		case SlotMoney:
			v = f.lastEntity(EntityMoney)
		case SlotEnum:
			v = f.lastMatch(name)
		case SlotText:
			v = f.text(s, expected(name))
		}
		if v == "" && s.Type != SlotText && expected(name) {
			v = f.lastMatch(name) // a synonym given to a digits slot
		}
		if v != "" {
			res[name] = v
		}
	}
}

// digits picks the digit string for s.
func (f *filler) digits(s Slot) string {
	best, bestCue := -1, false
	for i, e := range f.x.ents {
		if f.used[i] || !digitLike(e) {
			continue
		}
		n := len(e.Value)
		if s.MinLength > 0 && n < s.MinLength || s.MaxLength > 0 && n > s.MaxLength {
			continue
		}
		cue := f.nameCue(s.Name, e.from)
		if best < 0 || cue || !bestCue {
			best, bestCue = i, cue
		}
	}
	if best < 0 {
		return ""
	}
	f.use(best)
	return f.x.ents[best].Value
}

// digitLike reports whether an entity is a string of digits.
func digitLike(e ent) bool {
	switch e.Type {
	case EntityDigits, EntityPhone:
		return true
	case EntityNumber:
		return isASCIIDigits(e.Value)
	}
	return false
}

// nameCue reports whether a word of the slot's name ("zip" of zip_code,
// "order" of order_number) comes within four tokens before token i.
func (f *filler) nameCue(name string, i int) bool {
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		t := f.x.toks[j].text
		rest := name
		for rest != "" {
			var part string
			part, rest, _ = strings.Cut(rest, "_")
			if len(part) > 2 && (t == part || strings.HasPrefix(t, part)) {
				return true
			}
		}
	}
	return false
}

// use marks entity i as taken by a slot.
func (f *filler) use(i int) {
	f.used[i] = true
	e := f.x.ents[i]
	f.spans = append(f.spans, slotSpan{e.from, e.to})
}

// lastEntity returns the value of the last unused entity of type typ.
func (f *filler) lastEntity(typ string) string {
	for i := len(f.x.ents) - 1; i >= 0; i-- {
		if e := f.x.ents[i]; e.Type == typ && !f.used[i] {
			f.use(i)
			return e.Value
		}
	}
	return ""
}

// lastMatch returns the value of the last gazetteer match of slot.
func (f *filler) lastMatch(slot string) string {
	best := -1
	for i, m := range f.matches {
		if m.slot == slot && (best < 0 || m.from >= f.matches[best].from) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	m := f.matches[best]
	f.spans = append(f.spans, slotSpan{m.from, m.to})
	return m.value
}

// text fills a text slot.
func (f *filler) text(s Slot, expected bool) string {
	if f.m.addressSlots[s.Name] {
		if v := f.address(expected); v != "" {
			return v
		}
	}
	n := len(f.spans)
	v := f.lastMatch(s.Name)
	if !expected {
		return v
	}
	// An answer to a question about the slot may say more than a known
	// value: "the merino socks" is "merino socks", not "socks".
	if f.otherSlotSaid(s.Name) {
		return v // "do these boots run small" says a product, not a size
	}
	if bare, span := f.bareText(); bare != "" && (v == "" || strings.HasSuffix(bare, v) && strings.Count(bare, " ") < 3) {
		f.spans = append(f.spans[:n], span)
		return bare
	}
	return v
}

// otherSlotSaid reports whether the utterance holds a known value of a slot
// other than slot.
func (f *filler) otherSlotSaid(slot string) bool {
	for _, m := range f.matches {
		if m.slot != slot {
			return true
		}
	}
	return false
}

// bareText returns the content words of an answer to a question about a
// text slot, when they are few enough to be that answer, and their span.
func (f *filler) bareText() (string, slotSpan) {
	var words []string
	first, last := -1, -1
	zh := f.x.lang == "zh"
	for i, t := range f.x.toks {
		switch {
		case zh && strings.Contains(zhFunctionChars, t.text):
			continue
		case !zh && (isFunctionWordEN(t.text) || isFillerEN(t.text) || f.x.taken[i]):
			continue
		}
		words = append(words, t.text)
		if first < 0 {
			first = i
		}
		last = i
	}
	span := slotSpan{first, last + 1}
	switch {
	case first < 0:
		return "", span
	case zh && last-first < 12:
		var b strings.Builder
		for _, t := range f.x.toks[first : last+1] {
			b.WriteString(t.text)
		}
		return b.String(), span
	case !zh && len(words) <= 5:
		return strings.Join(words, " "), span
	}
	return "", span
}

// zhFunctionChars are Mandarin characters that carry no slot value and no
// intent in a short answer: particles, demonstratives, "I want".
const zhFunctionChars = "的是吧啊呢哦嗯那个这家就我要对"

// bareAnswer reports whether every token of the utterance outside the
// filled slots is a function word, a hesitation or a yes/no: the utterance
// gives slot values and expresses no intent of its own.
func (f *filler) bareAnswer() bool {
	if len(f.spans) == 0 {
		return false
	}
	for i, t := range f.x.toks {
		if f.inSpan(i) {
			continue
		}
		if f.x.lang == "zh" {
			if !strings.Contains(zhFunctionChars, t.text) {
				return false
			}
			continue
		}
		if !(isFunctionWordEN(t.text) || isFillerEN(t.text)) {
			return false
		}
	}
	return true
}

// inSpan reports whether token i lies in a filled slot's span.
func (f *filler) inSpan(i int) bool {
	for _, s := range f.spans {
		if s.from <= i && i < s.to {
			return true
		}
	}
	return false
}
