package nlu

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// ExtractOptions controls ExtractEntities.
type ExtractOptions struct {
	// Language is "en" or "zh" (a tag such as "en-US" counts as its
	// base language); empty means zh when the text holds Han characters,
	// else en.
	Language string
	// Now anchors relative dates ("tomorrow", "next tuesday", "下周二");
	// zero means the current time.
	Now time.Time
}

// ExtractEntities finds the typed values of an utterance, whatever the
// domain: spoken numbers and digit strings, money, dates, times of day,
// phone numbers, e-mail addresses, ordinals and yes/no answers, in English
// or Mandarin. Entities are in order of position and do not overlap: the
// most specific reading wins ("forty two fifty" after "charged" is money,
// not digits). It is safe for concurrent use and never fails: text it
// cannot read yields fewer entities.
func ExtractEntities(text string, opts ExtractOptions) []Entity {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	lang := baseLanguage(opts.Language)
	if lang == "" {
		lang = detectLanguage(text)
	}
	x := newExtraction()
	x.run(text, lang, now)
	out := make([]Entity, len(x.ents))
	for i, e := range x.ents {
		out[i] = e.Entity
	}
	return out
}

// baseLanguage returns the lowercase primary subtag of a language tag:
// "en-US" is "en".
func baseLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// detectLanguage returns "zh" for text holding Han characters, else "en".
func detectLanguage(text string) string {
	if hasHan(text) {
		return "zh"
	}
	return "en"
}

// ent is an entity with its span in tokens.
type ent struct {
	Entity
	// from and to are token indices, to exclusive.
	from, to int
	// num is the value of a number entity, for slot templates.
	num float64
}

// extraction holds the state of one utterance's entity extraction. It is
// reused through a pool: run resets it.
type extraction struct {
	text   string
	lang   string
	now    time.Time
	toks   []token
	taken  []bool
	runs   []numRun
	runAt  []int // token index -> index in runs, or -1
	groups []numGroup
	ents   []ent
	buf    []byte
}

// newExtraction returns an extraction with room for a typical utterance.
func newExtraction() *extraction {
	return &extraction{
		toks:   make([]token, 0, 64),
		taken:  make([]bool, 0, 64),
		runs:   make([]numRun, 0, 8),
		runAt:  make([]int, 0, 64),
		groups: make([]numGroup, 0, 32),
		ents:   make([]ent, 0, 8),
		buf:    make([]byte, 0, 64),
	}
}

// run tokenizes text and extracts its entities.
func (x *extraction) run(text, lang string, now time.Time) {
	x.text, x.lang, x.now = text, lang, now
	x.toks = tokenize(text, x.toks[:0])
	x.taken = x.taken[:0]
	x.runAt = x.runAt[:0]
	for range x.toks {
		x.taken = append(x.taken, false)
		x.runAt = append(x.runAt, -1)
	}
	x.runs, x.groups, x.ents = x.runs[:0], x.groups[:0], x.ents[:0]
	if lang == "zh" {
		x.extractZH()
	} else {
		x.extractEN()
	}
	sort.SliceStable(x.ents, func(i, j int) bool {
		if x.ents[i].Start != x.ents[j].Start {
			return x.ents[i].Start < x.ents[j].Start
		}
		return x.ents[i].End > x.ents[j].End
	})
}

// extractEN runs the English extractors, most specific first; each takes
// the tokens it reads so that later ones do not read them again.
func (x *extraction) extractEN() {
	x.findRunsEN()
	x.emailsEN()
	x.moneyEN()
	x.datesEN()
	x.timesEN()
	x.numbersEN()
	x.ordinalsEN()
	x.yesNo()
}

// findRunsEN finds the number runs of the tokens.
func (x *extraction) findRunsEN() {
	for i := 0; i < len(x.toks); {
		if !numberAt(x.toks, i) {
			i++
			continue
		}
		r := parseRun(x.toks, i, x.groups)
		x.groups = x.groups[:len(x.groups)+len(r.groups)]
		if r.to <= i {
			i++
			continue
		}
		x.runAt[i] = len(x.runs)
		x.runs = append(x.runs, r)
		i = r.to
	}
}

// runStarting returns the number run that starts at token i.
func (x *extraction) runStarting(i int) (numRun, bool) {
	if i < 0 || i >= len(x.runAt) || x.runAt[i] < 0 {
		return numRun{}, false
	}
	r := x.runs[x.runAt[i]]
	return r, !x.anyTaken(r.from, r.to)
}

// anyTaken reports whether a token in [from, to) is taken.
func (x *extraction) anyTaken(from, to int) bool {
	for i := from; i < to && i < len(x.taken); i++ {
		if x.taken[i] {
			return true
		}
	}
	return false
}

// tok returns the text of token i, or "" out of range.
func (x *extraction) tok(i int) string {
	if i < 0 || i >= len(x.toks) {
		return ""
	}
	return x.toks[i].text
}

// add records an entity over tokens [from, to) with the value in x.buf,
// and takes the tokens.
func (x *extraction) add(typ string, from, to int, num float64) {
	x.addValue(typ, string(x.buf), from, to, num)
}

// addValue records an entity over tokens [from, to) and takes the tokens.
// An entity over a token another one took is dropped: entities never
// overlap.
func (x *extraction) addValue(typ, value string, from, to int, num float64) {
	if from >= to || to > len(x.toks) || x.anyTaken(from, to) {
		return
	}
	start, end := x.toks[from].start, x.toks[to-1].end
	x.ents = append(x.ents, ent{
		Entity: Entity{Type: typ, Value: value, Text: x.text[start:end], Start: start, End: end},
		from:   from, to: to, num: num,
	})
	for i := from; i < to; i++ {
		x.taken[i] = true
	}
}

// numbersEN turns the number runs no other extractor took into phone
// numbers, digit strings and cardinals.
func (x *extraction) numbersEN() {
	for ri := range x.runs {
		r := x.runs[ri]
		if x.anyTaken(r.from, r.to) {
			continue
		}
		if r.to-r.from == 1 && x.toks[r.from].text == "one" && x.pronounOne(r.from) {
			continue // "the second one", "this one": a pronoun
		}
		if len(r.groups) == 1 && cardinalGroup(r.groups[0]) {
			x.numberEntity(r)
			continue
		}
		x.digitsEntity(r.from, r.to, r.appendDigits(x.buf[:0]))
	}
	for i, t := range x.toks {
		if !x.taken[i] && isDecimal(t.text) {
			f, _ := strconv.ParseFloat(t.text, 64)
			x.addValue(EntityNumber, t.text, i, i+1, f)
		}
	}
}

// pronounOne reports whether the "one" at token i stands for a thing
// ("the second one", "this one") rather than a quantity.
func (x *extraction) pronounOne(i int) bool {
	p := x.tok(i - 1)
	switch p {
	case "the", "this", "that", "which", "another", "other", "each", "every", "any", "same", "no":
		return true
	}
	return ordinalUnitEN(p) > 0
}

// cardinalGroup reports whether a run of this one group is a quantity
// rather than a digit string: not "double five", not written digits with a
// leading zero or five or more digits.
func cardinalGroup(g numGroup) bool {
	switch {
	case g.kind == gRepeat:
		return false
	case g.kind == gArabic:
		return len(g.text) < 5 && (len(g.text) == 1 || g.text[0] != '0')
	}
	return true
}

// numberEntity records a one-group run as a cardinal, with "and a half"
// or "point five" decimals.
func (x *extraction) numberEntity(r numRun) {
	v, half, _ := r.cardinal()
	x.buf = formatNumber(x.buf[:0], v, half)
	num := float64(v)
	if half {
		num += 0.5
	}
	to := r.to
	if dec, end, ok := x.decimalAfter(r.to); ok && !half {
		x.buf = append(x.buf, dec...)
		num, _ = strconv.ParseFloat(string(x.buf), 64)
		to = end
	}
	x.add(EntityNumber, r.from, to, num)
}

// decimalAfter reads "point five" after a number: it returns ".5" and the
// token index after it.
func (x *extraction) decimalAfter(i int) (string, int, bool) {
	if x.tok(i) != "point" {
		return "", i, false
	}
	r, ok := x.runStarting(i + 1)
	if !ok || !r.digitsOnly() {
		return "", i, false
	}
	b := append([]byte{'.'}, r.appendDigits(nil)...)
	return string(b), r.to, true
}

// digitsEntity records a digit string as a phone number (10 or 11 digits,
// or 7 to 11 after a word about phones) or as digits.
func (x *extraction) digitsEntity(from, to int, digits []byte) {
	x.buf = digits
	n := len(digits)
	if n >= 10 && n <= 11 || n >= 7 && n <= 11 && x.phoneCue(from) {
		x.add(EntityPhone, from, to, 0)
		return
	}
	x.add(EntityDigits, from, to, 0)
}

// phoneCue reports whether a word about phones comes shortly before token i.
func (x *extraction) phoneCue(i int) bool {
	for j := i - 1; j >= 0 && j >= i-5; j-- {
		switch x.toks[j].text {
		case "phone", "cell", "mobile", "telephone", "callback", "landline":
			return true
		case "call", "reach", "text":
			if x.tok(j+1) == "me" || x.tok(j+1) == "us" {
				return true
			}
		}
	}
	return false
}

// isDecimal reports whether w is written digits with one decimal point.
func isDecimal(w string) bool {
	i := strings.IndexByte(w, '.')
	return i > 0 && i < len(w)-1 && isASCIIDigits(w[:i]) && isASCIIDigits(w[i+1:])
}

// appendMoney writes dollars and cents as "42.50".
func appendMoney(b []byte, dollars int64, cents int) []byte {
	b = strconv.AppendInt(b, dollars, 10)
	b = append(b, '.', byte('0'+cents/10), byte('0'+cents%10))
	return b
}
