package knowledge

import (
	"math"
	"sync"

	"github.com/parley-voice/parley/knowledge/internal/analysis"
	"github.com/parley-voice/parley/knowledge/internal/topk"
)

// lexIndex is an in-memory BM25F index over chunks: the chunk's text and
// its title and heading path are two fields, the second weighted by
// heading weight. It also holds the chunks themselves, so that a search
// can return them without reading the store. Not safe for concurrent
// use: Base guards it.
type lexIndex struct {
	k1, b, hw float64
	slots     []lexSlot
	free      []int32
	byID      map[string]int32
	byDoc     map[string][]int32
	post      map[string][]posting
	live      int
	sumLen    float64
	scratch   sync.Pool // *lexScratch
}

// lexSlot is one indexed chunk; dead slots are reused.
type lexSlot struct {
	chunk  Chunk
	length float32
	terms  []string // unique terms, for removal
	live   bool
}

// posting is a chunk's weighted term frequency for one term.
type posting struct {
	slot int32
	tf   float32
}

// lexHit is a chunk found by the lexical ranking.
type lexHit struct {
	slot  int32
	score float32
}

// lexScratch is the reusable memory of one search.
type lexScratch struct {
	scores  []float32
	touched []int32
	rows    []int32
	tokens  []analysis.Token
}

func newLexIndex(cfg Config) *lexIndex {
	return &lexIndex{
		k1: cfg.BM25K1, b: cfg.BM25B, hw: cfg.HeadingWeight,
		byID: make(map[string]int32), byDoc: make(map[string][]int32), post: make(map[string][]posting),
	}
}

// headingField is the text of a chunk's heading field: its title and
// heading path.
func headingField(c Chunk) string {
	if c.Heading == "" || (c.Title != "" && !hasPrefixPath(c.Heading, c.Title) && c.Heading != c.Title) {
		return c.Title + " " + c.Heading
	}
	return c.Heading
}

// add indexes c, replacing a chunk with the same ID.
func (x *lexIndex) add(c Chunk) {
	x.remove(c.ID)
	tf := make(map[string]float32)
	var length float32
	for _, t := range analysis.Tokens(c.Text, nil) {
		tf[t.Text]++
		length++
	}
	if x.hw > 0 {
		for _, t := range analysis.Tokens(headingField(c), nil) {
			tf[t.Text] += float32(x.hw)
			length += float32(x.hw)
		}
	}
	var slot int32
	if n := len(x.free); n > 0 {
		slot, x.free = x.free[n-1], x.free[:n-1]
	} else {
		slot = int32(len(x.slots))
		x.slots = append(x.slots, lexSlot{})
	}
	terms := make([]string, 0, len(tf))
	for term, f := range tf {
		x.post[term] = append(x.post[term], posting{slot: slot, tf: f})
		terms = append(terms, term)
	}
	x.slots[slot] = lexSlot{chunk: c, length: length, terms: terms, live: true}
	x.byID[c.ID] = slot
	x.byDoc[c.Doc] = append(x.byDoc[c.Doc], slot)
	x.live++
	x.sumLen += float64(length)
}

// remove drops the chunk with ID id, if indexed.
func (x *lexIndex) remove(id string) {
	slot, ok := x.byID[id]
	if !ok {
		return
	}
	s := &x.slots[slot]
	for _, term := range s.terms {
		ps := x.post[term]
		for i, p := range ps {
			if p.slot == slot {
				ps[i] = ps[len(ps)-1]
				ps = ps[:len(ps)-1]
				break
			}
		}
		if len(ps) == 0 {
			delete(x.post, term)
		} else {
			x.post[term] = ps
		}
	}
	doc := s.chunk.Doc
	slots := x.byDoc[doc]
	for i, sl := range slots {
		if sl == slot {
			slots = append(slots[:i], slots[i+1:]...)
			break
		}
	}
	if len(slots) == 0 {
		delete(x.byDoc, doc)
	} else {
		x.byDoc[doc] = slots
	}
	x.live--
	x.sumLen -= float64(s.length)
	*s = lexSlot{}
	x.free = append(x.free, slot)
	delete(x.byID, id)
}

// docChunks returns the chunks of document doc, in index order.
func (x *lexIndex) docChunks(doc string) []Chunk {
	slots := x.byDoc[doc]
	out := make([]Chunk, 0, len(slots))
	for _, s := range slots {
		out = append(out, x.slots[s].chunk)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Index < out[j-1].Index; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// removeDoc drops every chunk of document doc.
func (x *lexIndex) removeDoc(doc string) {
	for _, c := range x.docChunks(doc) {
		x.remove(c.ID)
	}
}

// search appends to dst the n chunks that score best for query under
// BM25F, restricted to language lang when it is not empty, best first.
func (x *lexIndex) search(query string, n int, lang string, dst []lexHit) []lexHit {
	if x.live == 0 || n <= 0 {
		return dst
	}
	sc := x.getScratch()
	defer x.scratch.Put(sc)
	sc.tokens = analysis.Tokens(query, sc.tokens[:0])
	avg := x.sumLen / float64(x.live)
	for i, t := range sc.tokens {
		if seen(sc.tokens[:i], t.Text) {
			continue
		}
		ps := x.post[t.Text]
		if len(ps) == 0 {
			continue
		}
		idf := float32(math.Log(1 + (float64(x.live)-float64(len(ps))+0.5)/(float64(len(ps))+0.5)))
		for _, p := range ps {
			s := &x.slots[p.slot]
			if lang != "" && s.chunk.Language != lang {
				continue
			}
			norm := float32(x.k1 * (1 - x.b + x.b*float64(s.length)/avg))
			if sc.scores[p.slot] == 0 {
				sc.touched = append(sc.touched, p.slot)
			}
			sc.scores[p.slot] += idf * p.tf * float32(x.k1+1) / (p.tf + norm)
		}
	}
	h := topk.Heap{Rows: sc.rows[:0], Scores: sc.scores}
	for _, slot := range sc.touched {
		h.Offer(slot, n)
	}
	h.Sort()
	for _, slot := range h.Rows {
		dst = append(dst, lexHit{slot: slot, score: sc.scores[slot]})
	}
	for _, slot := range sc.touched {
		sc.scores[slot] = 0
	}
	sc.touched, sc.rows = sc.touched[:0], h.Rows
	return dst
}

// getScratch returns search memory sized for the index.
func (x *lexIndex) getScratch() *lexScratch {
	sc, _ := x.scratch.Get().(*lexScratch)
	if sc == nil {
		sc = &lexScratch{}
	}
	if len(sc.scores) < len(x.slots) {
		sc.scores = make([]float32, len(x.slots)+len(x.slots)/4)
	}
	return sc
}

// seen reports whether term appears among tokens.
func seen(tokens []analysis.Token, term string) bool {
	for _, t := range tokens {
		if t.Text == term {
			return true
		}
	}
	return false
}
