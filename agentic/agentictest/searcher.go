package agentictest

import (
	"context"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/parley-voice/parley/knowledge"
)

// Searcher is a scripted knowledge.Searcher. A query scripted with Script
// returns its hits; any other query is ranked over Chunks by the words it
// shares with each chunk's heading and text (a plain lexical score, enough
// to find the right article among a few). It honours SearchOptions.K and
// Language, records every query and is safe for concurrent use.
type Searcher struct {
	mu      sync.Mutex
	chunks  []knowledge.Chunk
	scripts map[string][]knowledge.Hit
	err     error
	queries []SearchCall
}

// SearchCall is one call of Searcher.Search.
type SearchCall struct {
	// Query is the text searched for.
	Query string
	// Options are the options given.
	Options knowledge.SearchOptions
}

// NewSearcher returns a Searcher over chunks.
func NewSearcher(chunks ...knowledge.Chunk) *Searcher {
	return &Searcher{chunks: append([]knowledge.Chunk(nil), chunks...), scripts: map[string][]knowledge.Hit{}}
}

// Script makes query return hits.
func (s *Searcher) Script(query string, hits ...knowledge.Hit) *Searcher {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[key(query)] = append([]knowledge.Hit(nil), hits...)
	return s
}

// Fail makes every later Search return err (nil to stop failing).
func (s *Searcher) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// Search returns up to opts.K hits (5 when 0), best first. It returns
// ctx.Err() once ctx is done.
func (s *Searcher) Search(ctx context.Context, query string, opts knowledge.SearchOptions) ([]knowledge.Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, SearchCall{Query: query, Options: opts})
	if s.err != nil {
		return nil, s.err
	}
	k := opts.K
	if k <= 0 {
		k = 5
	}
	if hits, ok := s.scripts[key(query)]; ok {
		return append([]knowledge.Hit(nil), hits[:min(k, len(hits))]...), nil
	}
	q := words(query)
	var hits []knowledge.Hit
	for _, c := range s.chunks {
		if opts.Language != "" && c.Language != "" && c.Language != opts.Language {
			continue
		}
		cw := words(c.Title + " " + c.Heading + " " + c.Text)
		shared := 0
		for w := range q {
			if cw[w] {
				shared++
			}
		}
		if shared > 0 {
			hits = append(hits, knowledge.Hit{Chunk: c, Score: float64(shared) / math.Sqrt(float64(len(cw)))})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	for i := range hits {
		hits[i].LexicalRank = i + 1
	}
	return hits[:min(k, len(hits))], nil
}

// Queries returns the searches so far, oldest first.
func (s *Searcher) Queries() []SearchCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SearchCall(nil), s.queries...)
}

// words returns the lowercase words of s longer than two letters, and Han
// characters.
func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r)) || unicode.Is(unicode.Han, r)
	}) {
		if len(w) > 2 {
			out[w] = true
		}
	}
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			out[string(r)] = true
		}
	}
	return out
}
