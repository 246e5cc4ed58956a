package nlu

import (
	"sort"
	"strings"
)

// The gazetteer holds every spoken form of the slot values a domain knows,
// and finds them in utterances. Its forms come from, per slot:
//
//   - enum values, said as written with "_" as a space ("credit card");
//   - the slot's synonyms (value -> forms) and the synonym keys of a text
//     slot, which are its known values;
//   - the slot's description (see describedForms and describedValues);
//   - for text slots, phrases learned from the examples of the intents that
//     carry the slot: a known value's last word (its head: "jacket") with
//     up to two words before it that are not function words, numbers or
//     values of another slot ("the rain jacket" teaches "rain jacket").
//
// One-letter forms ("m" for a size) come only from synonyms, as a lone
// letter is too often something else.

// numberWordMark stands for {number} among a form's words.
const numberWordMark = "\x00number"

// gazEntry is one spoken form of one value.
type gazEntry struct {
	slot  string
	value string // may hold {number}
	words []string
	// single is set for a one-word literal form, which a degree word
	// ("too small") cancels.
	single bool
	// plural lets the last word take an "s" ("sundays"): enum values,
	// whose value does not depend on the words said.
	plural bool
}

// gazetteer finds slot values in tokens.
type gazetteer struct {
	entries []gazEntry
	byFirst map[string][]int
	zh      bool
}

// gazMatch is a slot value found in an utterance.
type gazMatch struct {
	slot, value string
	from, to    int // token indices, to exclusive
}

// newGazetteer builds the gazetteer of a domain.
func newGazetteer(d *Domain) *gazetteer {
	g := &gazetteer{byFirst: map[string][]int{}, zh: d.Language == "zh"}
	names := sortedSlotNames(d)
	for _, name := range names {
		s := d.Slots[name]
		if s.Type == SlotEmail || s.Type == SlotMoney {
			continue
		}
		for _, v := range s.Values {
			g.add(s, v, strings.ReplaceAll(v, "_", " "), false)
		}
		for v, forms := range describedForms(s) {
			for _, f := range forms {
				g.add(s, v, f, true)
			}
		}
		for _, v := range describedValues(s) {
			g.add(s, v, v, false)
		}
		for _, v := range sortedKeys(s.Synonyms) {
			if !strings.Contains(v, numberPlaceholder) {
				g.add(s, v, v, false)
			}
			for _, f := range s.Synonyms[v] {
				g.add(s, v, f, true)
			}
		}
	}
	g.learn(d)
	g.index()
	return g
}

// sortedSlotNames returns the domain's slot names in order.
func sortedSlotNames(d *Domain) []string {
	names := make([]string, 0, len(d.Slots))
	for n := range d.Slots {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// sortedKeys returns a map's keys in order.
func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// add adds one form of value; explicit marks forms stated in the file
// (synonyms, descriptions), which may be one letter long.
func (g *gazetteer) add(s Slot, value, form string, explicit bool) {
	form = normalizeForm(form)
	if form == "" || !explicit && len(form) == 1 {
		return
	}
	words := formWords(form)
	if len(words) == 0 {
		return
	}
	for _, e := range g.entries {
		if e.slot == s.Name && e.value == value && equalWords(e.words, words) {
			return
		}
	}
	g.entries = append(g.entries, gazEntry{
		slot: s.Name, value: value, words: words,
		single: len(words) == 1 && words[0] != numberWordMark,
		plural: s.Type == SlotEnum && !g.zh,
	})
}

// formWords splits a form into the words tokens are compared with: English
// words, Han characters, and numberWordMark for {number}.
func formWords(form string) []string {
	var out []string
	for {
		before, after, found := strings.Cut(form, numberPlaceholder)
		for _, t := range tokenize(before, nil) {
			out = append(out, t.text)
		}
		if !found {
			return out
		}
		out = append(out, numberWordMark)
		form = after
	}
}

// equalWords reports whether two word lists are equal.
func equalWords(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// index builds byFirst.
func (g *gazetteer) index() {
	g.byFirst = make(map[string][]int, len(g.entries))
	for i, e := range g.entries {
		g.byFirst[e.words[0]] = append(g.byFirst[e.words[0]], i)
		if e.plural && len(e.words) == 1 {
			g.byFirst[e.words[0]+"s"] = append(g.byFirst[e.words[0]+"s"], i)
		}
	}
}

// learn adds the text-slot phrases of the domain's examples (see the file
// comment).
func (g *gazetteer) learn(d *Domain) {
	if g.zh {
		return // Mandarin has no spaces to find phrase edges by
	}
	heads := map[string][]string{} // head word -> slots
	for _, e := range g.entries {
		if s := d.Slots[e.slot]; s.Type == SlotText && e.words[len(e.words)-1] != numberWordMark {
			h := e.words[len(e.words)-1]
			if !contains(heads[h], e.slot) {
				heads[h] = append(heads[h], e.slot)
			}
		}
	}
	g.index()
	for _, in := range d.Intents {
		for _, ex := range in.Examples {
			toks := tokenize(ex, nil)
			for i, t := range toks {
				for _, slot := range heads[t.text] {
					if contains(in.Slots, slot) {
						g.learnPhrase(d.Slots[slot], toks, i)
					}
				}
			}
		}
	}
}

// learnPhrase adds the phrase ending at head token i, if it is longer than
// the head.
func (g *gazetteer) learnPhrase(s Slot, toks []token, i int) {
	from := i
	for j := i - 1; j >= 0 && i-j <= 2; j-- {
		w := toks[j].text
		if k, _ := numberWord(w); k != nwNone || isFunctionWordEN(w) || isFillerEN(w) || g.valueOfOtherSlot(s.Name, w) {
			break
		}
		from = j
	}
	if from == i {
		return
	}
	if from > 0 {
		if k, _ := numberWord(toks[from-1].text); k != nwNone {
			return // "two person tent": the words belong to the number
		}
	}
	parts := make([]string, 0, i-from+1)
	for _, t := range toks[from : i+1] {
		parts = append(parts, t.text)
	}
	phrase := strings.Join(parts, " ")
	g.add(s, phrase, phrase, false)
}

// valueOfOtherSlot reports whether w is a one-word form of a slot other
// than slot ("blue" is a color, not part of a product).
func (g *gazetteer) valueOfOtherSlot(slot, w string) bool {
	for _, i := range g.byFirst[w] {
		if e := g.entries[i]; e.slot != slot && len(e.words) == 1 {
			return true
		}
	}
	return false
}

// match finds the slot values in toks. ents are the utterance's entities:
// {number} matches a number entity, and no form matches inside an e-mail
// address, a digit string, a phone number or an amount. For each slot,
// a match inside a longer match of the same slot is dropped.
func (g *gazetteer) match(toks []token, ents []ent, out []gazMatch) []gazMatch {
	start := len(out)
	for i := range toks {
		out = g.matchAt(toks, ents, i, g.byFirst[toks[i].text], out)
		if e, ok := entityAt(ents, i, EntityNumber); ok && e.from == i {
			out = g.matchAt(toks, ents, i, g.byFirst[numberWordMark], out)
		}
	}
	return dropContained(out, start)
}

// matchAt appends the longest match per slot of the candidate entries at
// token i.
func (g *gazetteer) matchAt(toks []token, ents []ent, i int, cands []int, out []gazMatch) []gazMatch {
	for _, ci := range cands {
		e := g.entries[ci]
		to, num, ok := g.matchEntry(toks, ents, i, e)
		if !ok {
			continue
		}
		if e.single && !g.zh && i > 0 && isDegreeWordEN(toks[i-1].text) {
			continue
		}
		value := e.value
		if num != "" {
			value = strings.Replace(value, numberPlaceholder, num, 1)
		}
		replaced := false
		for k := range out {
			if m := &out[k]; m.slot == e.slot && m.from == i {
				if to > m.to {
					m.value, m.to = value, to
				}
				replaced = true
			}
		}
		if !replaced {
			out = append(out, gazMatch{slot: e.slot, value: value, from: i, to: to})
		}
	}
	return out
}

// matchEntry matches entry e at token i; it returns the token after the
// match and the number {number} matched.
func (g *gazetteer) matchEntry(toks []token, ents []ent, i int, e gazEntry) (int, string, bool) {
	j := i
	num := ""
	for wi, w := range e.words {
		if j >= len(toks) {
			return 0, "", false
		}
		if w == numberWordMark {
			n, ok := entityAt(ents, j, EntityNumber)
			if !ok || n.from != j {
				return 0, "", false
			}
			num, j = n.Value, n.to
			continue
		}
		t := toks[j].text
		if !sameWord(t, w) && !(e.plural && wi == len(e.words)-1 && len(t) == len(w)+1 && t[len(w)] == 's' && sameWord(t[:len(w)], w)) {
			return 0, "", false
		}
		if blockedBy(ents, j) {
			return 0, "", false
		}
		j++
	}
	return j, num, true
}

// sameWord compares a token with a form word, ignoring apostrophes ("new
// year's day" matches the form "new years day").
func sameWord(t, w string) bool {
	if t == w {
		return true
	}
	i, j := 0, 0
	for i < len(t) || j < len(w) {
		switch {
		case i < len(t) && t[i] == '\'':
			i++
		case j < len(w) && w[j] == '\'':
			j++
		case i < len(t) && j < len(w) && t[i] == w[j]:
			i++
			j++
		default:
			return false
		}
	}
	return true
}

// entityAt returns the entity of type typ that covers token i.
func entityAt(ents []ent, i int, typ string) (ent, bool) {
	for _, e := range ents {
		if e.Type == typ && e.from <= i && i < e.to {
			return e, true
		}
	}
	return ent{}, false
}

// blockedBy reports whether token i is inside an entity that no slot form
// may match into.
func blockedBy(ents []ent, i int) bool {
	for _, e := range ents {
		if e.from <= i && i < e.to {
			switch e.Type {
			case EntityEmail, EntityDigits, EntityPhone, EntityMoney:
				return true
			}
		}
	}
	return false
}

// dropContained removes from out[start:] the matches that lie inside a
// longer match of the same slot.
func dropContained(out []gazMatch, start int) []gazMatch {
	kept := out[:start]
	for i, m := range out[start:] {
		inside := false
		for j, o := range out[start:] {
			if i != j && o.slot == m.slot && o.from <= m.from && m.to <= o.to && (o.to-o.from > m.to-m.from) {
				inside = true
				break
			}
		}
		if !inside {
			kept = append(kept, m)
		}
	}
	return kept
}
