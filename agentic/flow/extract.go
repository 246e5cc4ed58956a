package flow

import (
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/parley-voice/parley/knowledge"
)

// Extractive answers: from the top hits of a knowledge search, the one or
// two sentences that share the most (and the rarest) words with the
// question, so that the bot speaks a short answer rather than an article.

// stopwords are English words that say nothing about a question's topic.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the and or but if of to in on at by for from with about as into
		is are was were be been being am do does did done have has had having can could will would shall should
		may might must i me my mine you your yours we us our he she it its they them their this that these those
		there here what which who whom whose when where why how not no yes so than too very just also any some
		all each every both either neither one get got make want need like know tell please thanks thank hi hello
		okay ok well then now up out over again more most much many s t don doesn didn isn aren wasn i'm i'd
		let me it's what's that's there's take takes`) {
		stopwords[w] = true
	}
}

// canonical maps words callers and help articles use for the same thing to
// one term, so that "how much does shipping cost" finds "Price: $6.95".
// Read-only after initialisation.
var canonical = map[string]string{
	"cost": "price", "costs": "price", "pricing": "price", "priced": "price", "fee": "price",
	"charge": "price", "charged": "price", "rate": "price", "expensive": "price", "cheap": "price",
	"delivery": "deliver", "delivered": "deliver", "arrive": "deliver", "arrives": "deliver",
	"opening": "open", "opens": "open", "close": "open", "closes": "open", "closing": "open",
}

// crossReference reports a sentence that sends the reader to another
// article ("Prices are covered in the article on shipping costs."): read
// out on the phone it answers nothing.
func crossReference(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "article") || strings.HasPrefix(l, "see ") || strings.Contains(l, "this page")
}

// terms returns the content words of s: lowercase, without stop words,
// plurals reduced; runs of Han characters become character bigrams.
func terms(s string) []string {
	var out []string
	var han []rune
	flushHan := func() {
		switch {
		case len(han) == 1:
			out = append(out, string(han))
		case len(han) > 1:
			for i := 0; i+1 < len(han); i++ {
				out = append(out, string(han[i:i+2]))
			}
		}
		han = han[:0]
	}
	var word strings.Builder
	flushWord := func() {
		w := word.String()
		word.Reset()
		w = strings.TrimSuffix(strings.Trim(w, "'"), "'s")
		if w == "" || stopwords[w] {
			return
		}
		if len(w) > 4 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
			w = strings.TrimSuffix(w, "s")
			if strings.HasSuffix(w, "ie") {
				w = strings.TrimSuffix(w, "ie") + "y"
			}
		}
		if c, ok := canonical[w]; ok {
			w = c
		}
		out = append(out, w)
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'':
			flushHan()
			word.WriteRune(unicode.ToLower(r))
		default:
			flushWord()
			flushHan()
		}
	}
	flushWord()
	flushHan()
	return out
}

// Scoring weights of extract: a query word that is also in the article's
// title counts for titleWeight of a rare word, and each rank a hit is
// below the first divides its sentences' scores by 1+rankPenalty.
const (
	titleWeight = 0.3
	rankPenalty = 0.15
)

// candidate is a sentence of a hit, scored against the question.
type candidate struct {
	text  string
	hit   int // rank of its hit, from 0
	order int // position in its hit
	score float64
	doc   string
	label string // the section's name, when it holds a query word the sentence lacks
	own   bool   // the sentence itself holds a query word
}

// extract returns up to n sentences of hits that answer query, best first
// (sentences of one chunk keep their order), and the document of the best.
// It returns nothing when no sentence shares a content word with the
// query.
func extract(query string, hits []knowledge.Hit, n int) ([]string, string) {
	q := uniq(terms(query))
	if len(q) == 0 || len(hits) == 0 || n <= 0 {
		return nil, ""
	}
	var cands []candidate
	sterms := [][]string{}
	for hi, h := range hits {
		prefix := sectionLabel(h.Heading)
		for si, s := range splitSentences(cleanChunk(h.Text)) {
			// A sentence ending in a colon introduces a list: it says
			// nothing on its own.
			if len(terms(s)) == 0 || crossReference(s) || strings.HasSuffix(s, ":") || strings.EqualFold(s, h.Title) || strings.EqualFold(s, prefix) {
				continue
			}
			cands = append(cands, candidate{text: s, hit: hi, order: si, doc: h.Doc})
			sterms = append(sterms, uniq(terms(s)))
		}
	}
	idf := documentFrequencies(q, sterms)
	for i := range cands {
		h := hits[cands[i].hit]
		heading := uniq(terms(sectionLabel(h.Heading)))
		title := uniq(terms(h.Title))
		score := 0.0
		for _, t := range q {
			switch {
			case contains(sterms[i], t) && contains(title, t):
				// A word of the article's title chose the article; it
				// says little about which of its sentences answers.
				score += idf[t] * titleWeight
				cands[i].own = true
			case contains(sterms[i], t):
				score += idf[t]
				cands[i].own = true
			case contains(heading, t):
				score += idf[t]
				if label := sectionLabel(h.Heading); names(label, t) {
					cands[i].label = label
				}
			}
		}
		cands[i].score = score / (1 + rankPenalty*float64(cands[i].hit))
	}
	return pick(cands, n)
}

// pick chooses the best sentence and up to n-1 more scoring at least half
// as much, and labels a sentence with its section when the section names
// what the sentence leaves out ("Denver, Colorado: Saturday: 9 a.m. to 7
// p.m.").
func pick(cands []candidate, n int) ([]string, string) {
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	if len(cands) == 0 || cands[0].score <= 0 {
		return nil, ""
	}
	best := cands[0]
	chosen := []candidate{best}
	for _, c := range cands[1:] {
		if len(chosen) == n {
			break
		}
		if c.own && c.score >= best.score/2 && c.hit == best.hit {
			chosen = append(chosen, c)
		}
	}
	sort.SliceStable(chosen, func(i, j int) bool { return chosen[i].order < chosen[j].order })
	out := make([]string, 0, len(chosen))
	for i, c := range chosen {
		s := c.text
		if i == 0 && chosen[0].label != "" {
			sep := ": "
			if hasHan(c.label) {
				sep = "："
			}
			s = chosen[0].label + sep + s
		}
		out = append(out, s)
	}
	return out, best.doc
}

// names reports whether term is a name in label: Chinese text, or a word
// of a label in title case ("Denver, Colorado"), which is worth saying
// before a sentence that lacks it. Headings in sentence case ("Return
// shipping fee") are topics, not names.
func names(label, term string) bool {
	if hasHan(term) {
		return true
	}
	found := false
	for _, w := range strings.FieldsFunc(label, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		r := []rune(w)
		if len(r) >= 3 && !unicode.IsUpper(r[0]) {
			return false
		}
		if contains(terms(w), term) {
			found = true
		}
	}
	return found
}

// hasHan reports whether s holds a Han character.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// documentFrequencies weighs each query term by its rarity among the
// candidate sentences (inverse document frequency).
func documentFrequencies(q []string, sterms [][]string) map[string]float64 {
	idf := make(map[string]float64, len(q))
	n := float64(len(sterms))
	for _, t := range q {
		df := 0.0
		for _, s := range sterms {
			if contains(s, t) {
				df++
			}
		}
		idf[t] = math.Log(1 + (n+1)/(df+0.5))
	}
	return idf
}

// sectionLabel returns the last part of a heading path ("Returns Policy >
// How long you have" gives "How long you have"), or "" for a heading of
// one part (the article's title).
func sectionLabel(heading string) string {
	parts := strings.Split(heading, " > ")
	if len(parts) < 2 {
		return ""
	}
	return strings.TrimSpace(parts[len(parts)-1])
}

// cleanChunk turns what remains of list and table markup into speakable
// text: bullets and numbering dropped, table cells joined by commas.
func cleanChunk(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		l = strings.TrimLeft(l, "-*•> ")
		if j := strings.IndexByte(l, '.'); j > 0 && j <= 3 && strings.Trim(l[:j], "0123456789") == "" {
			l = strings.TrimSpace(l[j+1:])
		}
		if strings.Trim(l, "|-: ") == "" {
			l = ""
		}
		if strings.Contains(l, "|") {
			cells := strings.FieldsFunc(l, func(r rune) bool { return r == '|' })
			for k := range cells {
				cells[k] = strings.TrimSpace(cells[k])
			}
			l = strings.Join(cells, ", ")
		}
		lines[i] = strings.ReplaceAll(strings.ReplaceAll(l, "**", ""), "__", "")
	}
	return strings.Join(lines, "\n")
}

// uniq returns list without repeats, in order.
func uniq(list []string) []string {
	out := list[:0:0]
	for _, s := range list {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
