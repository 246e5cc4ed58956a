package knowledge

import (
	"context"
	"errors"
	"sort"
	"strings"
)

// DefaultK is the number of hits a search returns when SearchOptions.K is
// 0; MaxK is the most it returns.
const (
	DefaultK = 5
	MaxK     = 100
)

// Search returns up to opts.K chunks that answer query, best first: the
// fusion by reciprocal rank of a BM25 ranking over the chunks' text and
// headings and a vector ranking by cosine similarity. With
// opts.Language set, only chunks in that language are searched. An empty
// query returns no hits. When the embedder fails (a remote embeddings
// endpoint down), the search logs a warning and answers from the lexical
// ranking alone. It returns ctx.Err() when ctx ends first.
func (b *Base) Search(ctx context.Context, query string, opts SearchOptions) ([]Hit, error) {
	if b.closed.Load() {
		return nil, ErrClosed
	}
	k := opts.K
	if k <= 0 {
		k = DefaultK
	}
	k = min(k, MaxK)
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lang := NormalizeLanguage(opts.Language)
	depth := max(b.cfg.Candidates, k)
	var near []ScoredRecord
	if b.cfg.VectorWeight > 0 {
		var err error
		near, err = b.nearest(ctx, query, depth, lang)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			if errors.Is(err, ErrClosed) {
				return nil, err
			}
			b.log.Warn("knowledge: vector search failed; answering from lexical ranking only", "err", err)
		}
	}
	hits := limitPerDoc(b.fuse(query, lang, depth, near), b.cfg.MaxPerDoc)
	if len(hits) > k {
		hits = hits[:k]
	}
	return hits, ctx.Err()
}

// nearest embeds query and asks the store for its nearest chunks.
func (b *Base) nearest(ctx context.Context, query string, depth int, lang string) ([]ScoredRecord, error) {
	var v []float32
	if qe, ok := b.emb.(QueryEmbedder); ok {
		var err error
		if v, err = qe.EmbedQuery(ctx, query); err != nil {
			return nil, err
		}
	} else {
		vs, err := b.emb.Embed(ctx, []string{query})
		if err != nil {
			return nil, err
		}
		if len(vs) != 1 {
			return nil, ErrEmbedding
		}
		v = vs[0]
	}
	if len(v) != b.emb.Dimensions() {
		return nil, ErrEmbedding
	}
	return b.store.Nearest(ctx, v, depth, lang)
}

// fused is a candidate of the fusion.
type fused struct {
	hit  Hit
	best int // best rank in either ranking
}

// fuse runs the lexical ranking and merges it with the vector ranking
// near by reciprocal rank fusion.
func (b *Base) fuse(query, lang string, depth int, near []ScoredRecord) []Hit {
	byID := make(map[string]*fused, 2*depth)
	order := make([]*fused, 0, 2*depth)
	get := func(c Chunk) *fused {
		f, ok := byID[c.ID]
		if !ok {
			f = &fused{hit: Hit{Chunk: c}}
			byID[c.ID] = f
			order = append(order, f)
		}
		return f
	}
	if b.cfg.LexicalWeight > 0 {
		b.mu.RLock()
		lex := b.lex.search(query, depth, lang, make([]lexHit, 0, depth))
		for i, h := range lex {
			f := get(b.lex.slots[h.slot].chunk)
			f.hit.LexicalRank = i + 1
			f.hit.Score += b.cfg.LexicalWeight / (b.cfg.RRFK + float64(i+1))
			f.best = i + 1
		}
		b.mu.RUnlock()
	}
	rank := 0
	for _, r := range near {
		_, lexical := byID[r.ID]
		if !lexical && r.Similarity < b.cfg.MinSimilarity {
			continue
		}
		rank++
		f := get(r.Chunk)
		f.hit.VectorRank = rank
		f.hit.Score += b.cfg.VectorWeight / (b.cfg.RRFK + float64(rank))
		if f.best == 0 || rank < f.best {
			f.best = rank
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, c := order[i], order[j]
		if a.hit.Score != c.hit.Score {
			return a.hit.Score > c.hit.Score
		}
		if a.best != c.best {
			return a.best < c.best
		}
		return a.hit.ID < c.hit.ID
	})
	hits := make([]Hit, len(order))
	for i, f := range order {
		hits[i] = f.hit
	}
	return hits
}

// limitPerDoc keeps at most n hits of each document (all when n is 0),
// in order.
func limitPerDoc(hits []Hit, n int) []Hit {
	if n <= 0 {
		return hits
	}
	count := make(map[string]int)
	out := hits[:0]
	for _, h := range hits {
		if count[h.Doc] < n {
			count[h.Doc]++
			out = append(out, h)
		}
	}
	return out
}
