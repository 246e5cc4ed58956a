package nlu

import (
	"math"
	"strings"
	"time"
)

// modelParams are the settings of features and training.
type modelParams struct {
	train trainParams
	// charWeight and bigramWeight weigh feature kinds (see featurizer).
	charWeight, bigramWeight float32
	// minChar and maxChar bound the English character n-grams.
	minChar, maxChar int
	// descriptionWeight is the weight of an intent's description, trained
	// as one more example; 0 leaves descriptions out.
	descriptionWeight float64
	// idf weighs features by inverse document frequency.
	idf bool
}

// defaultModelParams returns the settings chosen on the development sets
// (testdata/dev.*.jsonl) and 5-fold cross-validation over the reference
// domain's examples, never on the held-out sets. Training copies of the
// examples with a word left out, skip-bigrams and a nearest-example vote
// were tried there and did not help.
func defaultModelParams() modelParams {
	return modelParams{
		train:             trainParams{iterations: 60, rate: 3, momentum: 0.9, l2: 3e-4},
		charWeight:        0.5,
		minChar:           3,
		maxChar:           5,
		bigramWeight:      0.5,
		descriptionWeight: 0.5,
		idf:               true,
	}
}

// model understands the utterances of one domain (one language).
type model struct {
	d   *Domain
	zh  bool
	gaz *gazetteer
	clf *classifier
	fz  featurizer
	// idf weighs features by inverse document frequency over the
	// examples; unknownIDF is the weight of a feature no example has.
	idf        map[uint64]float32
	unknownIDF float32
	intents    []string // class index -> intent name
	// placeholder maps a slot name to its unit ("<product>").
	placeholder map[string]string
	// addressSlots are the text slots that read street addresses.
	addressSlots map[string]bool
	// digitsPlaceholder maps a digit-string length to the placeholder of
	// the one digits slot that takes it.
	digitsPlaceholder map[int]string
}

// newModel builds and trains the model of d.
func newModel(d *Domain, mp modelParams) *model {
	m := &model{
		d:            d,
		zh:           d.Language == "zh",
		placeholder:  map[string]string{},
		addressSlots: map[string]bool{},
	}
	m.fz = featurizer{zh: m.zh, charWeight: mp.charWeight, bigramWeight: mp.bigramWeight,
		minChar: mp.minChar, maxChar: mp.maxChar}
	for name, s := range d.Slots {
		m.placeholder[name] = "<" + name + ">"
		desc := strings.ToLower(s.Description)
		if s.Type == SlotText && (strings.Contains(name, "address") || strings.Contains(name, "street") ||
			strings.Contains(desc, "address") || strings.Contains(desc, "street")) {
			m.addressSlots[name] = true
		}
	}
	m.digitsPlaceholder = digitsPlaceholders(d)
	m.gaz = newGazetteer(d)
	for _, in := range d.Intents {
		m.intents = append(m.intents, in.Name)
	}
	m.clf = trainClassifier(m.samples(mp), len(m.intents), mp.train)
	return m
}

// digitsPlaceholders maps each digit-string length that exactly one
// bounded digits slot of d takes to that slot's placeholder.
func digitsPlaceholders(d *Domain) map[int]string {
	owners := map[int][]string{}
	for _, name := range sortedSlotNames(d) {
		s := d.Slots[name]
		if s.Type != SlotDigits || s.MinLength == 0 && s.MaxLength == 0 {
			continue
		}
		hi := s.MaxLength
		if hi == 0 {
			hi = 32
		}
		for n := max(1, s.MinLength); n <= hi; n++ {
			owners[n] = append(owners[n], name)
		}
	}
	out := map[int]string{}
	for n, names := range owners {
		if len(names) == 1 {
			out[n] = "<" + names[0] + ">"
		}
	}
	return out
}

// samples returns the training samples: the examples and the
// descriptions. It also sets the model's idf weights.
func (m *model) samples(mp modelParams) []sample {
	sc := newScratch()
	anchor := time.Date(2000, 1, 3, 12, 0, 0, 0, time.UTC)
	var out []sample
	add := func(units []string, label int, weight float64) {
		fs, buf := m.fz.features(units, sc.buf, nil)
		sc.buf = buf
		if len(fs) > 0 {
			out = append(out, sample{feats: fs, label: label, weight: weight})
		}
	}
	df := map[uint64]int{}
	docs := 0
	for label, in := range m.d.Intents {
		for _, ex := range in.Examples {
			n := len(out)
			add(m.analyze(sc, ex, anchor), label, 1)
			if len(out) > n {
				docs++
				for _, f := range out[n].feats {
					df[f.h]++
				}
			}
		}
		if in.Description != "" && mp.descriptionWeight > 0 {
			add(m.analyze(sc, in.Description, anchor), label, mp.descriptionWeight)
		}
	}
	m.idf = make(map[uint64]float32, len(df))
	for h, n := range df {
		m.idf[h] = float32(math.Log(float64(docs+1)/float64(n+1)) + 1)
	}
	m.unknownIDF = float32(math.Log(float64(docs+1)) + 1)
	if !mp.idf {
		clear(m.idf)
		m.unknownIDF = 1
	}
	for i := range out {
		out[i].feats = m.weigh(out[i].feats)
	}
	return out
}

// weigh applies the idf weights to merged features and scales them to
// unit length.
func (m *model) weigh(fs []feat) []feat {
	for i := range fs {
		w, ok := m.idf[fs[i].h]
		if !ok {
			w = m.unknownIDF
		}
		fs[i].v *= w
	}
	return scaleUnit(fs)
}

// analyze runs extraction and the gazetteer on text and returns a copy of
// its units.
func (m *model) analyze(sc *scratch, text string, now time.Time) []string {
	sc.x.run(text, m.d.Language, now)
	sc.matches = m.gaz.match(sc.x.toks, sc.x.ents, sc.matches[:0])
	sc.units = m.units(sc.x, sc.matches, sc.units[:0])
	return append([]string(nil), sc.units...)
}

// placeholderEntity returns the unit that stands for an entity in
// features, or "" when the entity's words stay. A digit string whose
// length fits exactly one digits slot of the domain stands for that slot
// ("<zip_code>" for five digits), as the slot says more about the intent
// than the digits do.
func (m *model) placeholderEntity(e ent) string {
	switch e.Type {
	case EntityDigits, EntityPhone:
		if p, ok := m.digitsPlaceholder[len(e.Value)]; ok {
			return p
		}
		if e.Type == EntityPhone {
			return "<phone>"
		}
		return "<digits>"
	case EntityMoney:
		return "<money>"
	case EntityEmail:
		return "<email>"
	case EntityDate:
		return "<date>"
	case EntityTime:
		return "<time>"
	}
	return ""
}

// units returns the normalized words (English) or characters (Mandarin)
// of an analyzed utterance: slot values and entities become placeholders,
// fillers go, contractions are expanded, and a yes/no answer adds "<yes>"
// or "<no>" before its words.
func (m *model) units(x *extraction, matches []gazMatch, out []string) []string {
	ei := 0
	for i := 0; i < len(x.toks); {
		if to, n := m.slotUnits(matches, i, &out); n > 0 {
			i = to
			continue
		}
		for ei < len(x.ents) && x.ents[ei].from < i {
			ei++
		}
		if ei < len(x.ents) && x.ents[ei].from == i {
			e := x.ents[ei]
			if p := m.placeholderEntity(e); p != "" {
				out = append(out, p)
				i = e.to
				continue
			}
			if e.Type == EntityYesNo {
				if e.Value == "yes" {
					out = append(out, "<yes>")
				} else {
					out = append(out, "<no>")
				}
			}
		}
		t := x.toks[i].text
		i++
		if m.zh {
			if t != "呃" && t != "额" {
				out = append(out, t)
			}
			continue
		}
		out = appendWordEN(x, i-1, t, out)
	}
	return out
}

// slotUnits appends the placeholders of the longest slot matches starting
// at token i; it returns the token after them and how many it appended.
func (m *model) slotUnits(matches []gazMatch, i int, out *[]string) (int, int) {
	to := -1
	for _, mt := range matches {
		if mt.from == i && mt.to > to {
			to = mt.to
		}
	}
	if to < 0 {
		return i, 0
	}
	n := 0
	for _, mt := range matches {
		if mt.from == i && mt.to == to {
			*out = append(*out, m.placeholder[mt.slot])
			n++
		}
	}
	return to, n
}

// appendWordEN appends the units of English token i (text t): nothing for
// a filler, two words for a contraction.
func appendWordEN(x *extraction, i int, t string, out []string) []string {
	switch {
	case isFillerEN(t) && !(t == "uh" && (x.tok(i+1) == "huh" || x.tok(i+1) == "uh")) && !(t == "mm" && x.tok(i+1) == "hmm"):
		return out
	case t == "like" && !likeIsVerb(x.tok(i-1)):
		return out
	case t == "you" && x.tok(i+1) == "know" && !knowIsVerb(x.tok(i-1)), t == "know" && x.tok(i-1) == "you" && !knowIsVerb(x.tok(i-2)):
		return out
	}
	if a, b, ok := expandEN(t); ok {
		out = append(out, a)
		if b != "" {
			out = append(out, b)
		}
		return out
	}
	return append(out, t)
}

// knowIsVerb reports whether "you know" after prev asks or states
// something ("do you know") rather than filling a pause.
func knowIsVerb(prev string) bool {
	switch prev {
	case "do", "did", "does", "would", "will", "if", "as", "don't", "dont", "didn't", "didnt", "so", "can", "could":
		return true
	}
	return false
}
