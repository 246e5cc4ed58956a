package knowledge

import (
	"fmt"
	"math"
)

// Config is the YAML-facing configuration of a knowledge base (the
// `knowledge:` section of the server configuration): how articles are cut
// into chunks and how the lexical and vector rankings are fused. Start
// from DefaultConfig and overlay the user's values.
type Config struct {
	// ChunkTokens is the most tokens a chunk holds; a section longer than
	// that is split at paragraph, then sentence boundaries. English words
	// and Chinese characters count one token each. Default 200: a section
	// of a help article, small enough that a hit points at the answer,
	// large enough to hold it whole.
	ChunkTokens int `yaml:"chunk_tokens"`
	// OverlapTokens is how much of the end of one chunk of a split
	// section is repeated at the start of the next (whole sentences, up
	// to this many tokens), so that an answer straddling the cut is found
	// whole in one of them. Default 40; must be below ChunkTokens/2.
	OverlapTokens int `yaml:"overlap_tokens"`
	// MaxFileBytes is the largest file ingested; larger files are
	// reported as failed. Default 4 MiB.
	MaxFileBytes int64 `yaml:"max_file_bytes"`
	// RRFK is the k of reciprocal rank fusion: a chunk ranked r by one
	// ranking scores weight/(RRFK + r). Larger values flatten the
	// difference between top ranks. Default 60, as in Cormack et al.
	// (SIGIR 2009).
	RRFK float64 `yaml:"rrf_k"`
	// LexicalWeight and VectorWeight weigh the lexical (BM25) and vector
	// rankings in the fusion; 0 turns a ranking off (not both). Defaults
	// 1 and 1.
	LexicalWeight float64 `yaml:"lexical_weight"`
	// VectorWeight: see LexicalWeight.
	VectorWeight float64 `yaml:"vector_weight"`
	// HeadingWeight is how much a word of the chunk's title and heading
	// path counts in BM25 compared with a word of its text (BM25F field
	// weight); 0 ignores headings. Default 2.
	HeadingWeight float64 `yaml:"heading_weight"`
	// Candidates is how many chunks each ranking contributes to the
	// fusion (at least the number of hits asked for). Default 50.
	Candidates int `yaml:"candidates"`
	// BM25K1 and BM25B are BM25's term-frequency saturation and length
	// normalisation. Defaults 1.2 and 0.75.
	BM25K1 float64 `yaml:"bm25_k1"`
	// BM25B: see BM25K1.
	BM25B float64 `yaml:"bm25_b"`
	// MinSimilarity drops a chunk found only by the vector ranking when
	// its cosine similarity to the question is below it, so that a
	// question the articles do not answer gets few or no hits instead of
	// the least bad ones. Default 0.05 (hashed vectors of unrelated texts
	// score near 0); -1 keeps every vector hit.
	MinSimilarity float64 `yaml:"min_similarity"`
	// MaxPerDoc is the most hits one article may take in a search's
	// answer, so that other articles get a chance when one article
	// matches in many chunks; 0 means no limit. Default 2: the best two
	// sections of an article are usually all an answer needs.
	MaxPerDoc int `yaml:"max_per_doc"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		ChunkTokens:   200,
		OverlapTokens: 40,
		MaxFileBytes:  4 << 20,
		RRFK:          60,
		LexicalWeight: 1,
		VectorWeight:  1,
		HeadingWeight: 2,
		Candidates:    50,
		BM25K1:        1.2,
		BM25B:         0.75,
		MinSimilarity: 0.05,
		MaxPerDoc:     2,
	}
}

// Validate reports the first invalid value, wrapped in ErrInvalidConfig,
// naming the YAML field.
func (c Config) Validate() error {
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
	checks := []struct {
		bad  bool
		what string
	}{
		{c.ChunkTokens < 20 || c.ChunkTokens > 8000, fmt.Sprintf("chunk_tokens: must be in [20, 8000], got %d", c.ChunkTokens)},
		{c.OverlapTokens < 0 || c.OverlapTokens*2 >= c.ChunkTokens, fmt.Sprintf("overlap_tokens: must be in [0, chunk_tokens/2), got %d", c.OverlapTokens)},
		{c.MaxFileBytes < 1024, fmt.Sprintf("max_file_bytes: must be at least 1024, got %d", c.MaxFileBytes)},
		{!finite(c.RRFK) || c.RRFK < 0, fmt.Sprintf("rrf_k: must be a number of at least 0, got %v", c.RRFK)},
		{!finite(c.LexicalWeight) || c.LexicalWeight < 0, fmt.Sprintf("lexical_weight: must be at least 0, got %v", c.LexicalWeight)},
		{!finite(c.VectorWeight) || c.VectorWeight < 0, fmt.Sprintf("vector_weight: must be at least 0, got %v", c.VectorWeight)},
		{c.LexicalWeight == 0 && c.VectorWeight == 0, "lexical_weight, vector_weight: at least one must be above 0"},
		{!finite(c.HeadingWeight) || c.HeadingWeight < 0 || c.HeadingWeight > 100, fmt.Sprintf("heading_weight: must be in [0, 100], got %v", c.HeadingWeight)},
		{c.Candidates < 1 || c.Candidates > 10000, fmt.Sprintf("candidates: must be in [1, 10000], got %d", c.Candidates)},
		{!finite(c.BM25K1) || c.BM25K1 < 0 || c.BM25K1 > 10, fmt.Sprintf("bm25_k1: must be in [0, 10], got %v", c.BM25K1)},
		{!(c.BM25B >= 0 && c.BM25B <= 1), fmt.Sprintf("bm25_b: must be in [0, 1], got %v", c.BM25B)},
		{!(c.MinSimilarity >= -1 && c.MinSimilarity <= 1), fmt.Sprintf("min_similarity: must be in [-1, 1], got %v", c.MinSimilarity)},
		{c.MaxPerDoc < 0, fmt.Sprintf("max_per_doc: must be at least 0, got %d", c.MaxPerDoc)},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%w: %s", ErrInvalidConfig, ch.what)
		}
	}
	return nil
}
