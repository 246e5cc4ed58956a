// Package hashed is the knowledge embedder that needs no model: it hashes
// a text's features (stemmed English words, pairs of adjacent words,
// character n-grams of each word, and for Chinese single characters and
// character pairs) into a fixed number of dimensions with random signs
// ("feature hashing"), and normalises the vector to unit length.
//
// # Inverse document frequency, and why stored vectors do not carry it
//
// Rare features say more about a text than common ones. The embedder
// learns how many stored chunks hold each feature (it implements
// knowledge.CorpusObserver; knowledge.Base feeds it the stored chunks at
// open and on every ingest), and weighs the features of a question
// (EmbedQuery) by their inverse document frequency. Stored vectors
// (Embed) carry no IDF: they depend on their own text only, so they stay
// valid when articles are added or removed and the statistics change,
// and nothing needs re-embedding. The cosine of an IDF-weighted question
// with a plain chunk vector sums, over shared features, the chunk's
// weight times the question's IDF-weighted one: TF-IDF scoring with the
// IDF applied on the question's side.
package hashed

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"sync/atomic"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/internal/analysis"
)

// dfBuckets is the size of the document-frequency table (features are
// counted by their hash modulo this; 4 MiB of counters).
const dfBuckets = 1 << 20

// Embedder is the hashed embedder. It is safe for concurrent use. Its
// statistics describe one corpus: give each knowledge.Base its own
// Embedder.
type Embedder struct {
	cfg  Config
	name string
	df   []int32 // accessed atomically
	n    atomic.Int64
}

var (
	_ knowledge.Embedder       = (*Embedder)(nil)
	_ knowledge.QueryEmbedder  = (*Embedder)(nil)
	_ knowledge.CorpusObserver = (*Embedder)(nil)
)

// Option configures an Embedder; an invalid value makes New fail with
// ErrConfig.
type Option func(*Config) error

// WithConfig replaces the whole configuration (start from DefaultConfig).
func WithConfig(c Config) Option { return func(dst *Config) error { *dst = c; return nil } }

// WithDimensions sets Config.Dimensions.
func WithDimensions(n int) Option { return func(c *Config) error { c.Dimensions = n; return nil } }

// New returns an embedder with the default configuration changed by opts.
func New(opts ...Option) (*Embedder, error) {
	cfg := DefaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Embedder{cfg: cfg, name: name(cfg), df: make([]int32, dfBuckets)}, nil
}

// name identifies the settings that shape stored vectors:
// "hashed-v1-1024", with a fingerprint of the other settings when they are
// not the defaults.
func name(c Config) string {
	d := DefaultConfig()
	c.IDFPower, d.IDFPower = 0, 0
	d.Dimensions = c.Dimensions
	if c == d {
		return fmt.Sprintf("hashed-v1-%d", c.Dimensions)
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%+v", c)
	return fmt.Sprintf("hashed-v1-%d-%08x", c.Dimensions, h.Sum32())
}

// Name identifies the embedder and the settings of its vectors.
func (e *Embedder) Name() string { return e.name }

// Dimensions is the length of the vectors.
func (e *Embedder) Dimensions() int { return e.cfg.Dimensions }

// Config returns the embedder's configuration.
func (e *Embedder) Config() Config { return e.cfg }

// Embed returns the unit vector of each text, without IDF weighting. A
// text without features (empty, only stopwords) gets a vector with a
// single non-zero value that matches nothing else. ctx is checked between
// texts.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	fs := make([]feature, 0, 256)
	for i, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fs = e.features(t, fs[:0])
		out[i] = e.vector(fs, false)
	}
	return out, nil
}

// EmbedQuery returns the unit vector of a question, its features weighed
// by inverse document frequency raised to Config.IDFPower.
func (e *Embedder) EmbedQuery(ctx context.Context, query string) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return e.vector(e.features(query, nil), e.cfg.IDFPower > 0), nil
}

// Observe counts the features of text in the document frequencies.
func (e *Embedder) Observe(text string) { e.count(text, 1) }

// Forget removes the features of text, observed before, from the
// document frequencies.
func (e *Embedder) Forget(text string) { e.count(text, -1) }

func (e *Embedder) count(text string, delta int32) {
	fs := merge(e.features(text, nil))
	for _, f := range fs {
		atomic.AddInt32(&e.df[f.hash%dfBuckets], delta)
	}
	e.n.Add(int64(delta))
}

// idf returns the inverse document frequency of a feature.
func (e *Embedder) idf(h uint64) float64 {
	n := float64(max(e.n.Load(), 0))
	df := float64(max(atomic.LoadInt32(&e.df[h%dfBuckets]), 0))
	df = min(df, n)
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// vector hashes features into a unit vector; with idf, each feature's
// weight is multiplied by its IDF to the power Config.IDFPower.
func (e *Embedder) vector(fs []feature, idf bool) []float32 {
	fs = merge(fs)
	v := make([]float32, e.cfg.Dimensions)
	var sum float64
	for _, f := range fs {
		w := f.weight / float64(f.count) * (1 + math.Log(float64(f.count)))
		if idf {
			w *= math.Pow(e.idf(f.hash), e.cfg.IDFPower)
		}
		d := (f.hash >> 32) % uint64(len(v))
		if f.hash&1 == 1 {
			w = -w
		}
		v[d] += float32(w)
	}
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		// No features: a fixed direction, so that the vector is valid.
		v[0] = 1
		return v
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
	return v
}

// features appends the weighted features of text to dst.
func (e *Embedder) features(text string, dst []feature) []feature {
	toks := analysis.Tokens(text, nil)
	c := e.cfg
	var prev *analysis.Token
	for i := range toks {
		t := &toks[i]
		switch t.Kind {
		case analysis.Word, analysis.Number:
			dst = appendFeature(dst, 'w', t.Text, "", c.WordWeight)
			if prev != nil && t.Pos-prev.Pos <= 2 && c.BigramWeight > 0 {
				dst = appendFeature(dst, 'b', prev.Text, t.Text, c.BigramWeight)
			}
			prev = t
			if t.Kind == analysis.Word && c.CharNGramMax > 0 && c.CharWeight > 0 {
				dst = e.charNGrams(dst, t.Text)
			}
		case analysis.HanUnigram:
			dst = appendFeature(dst, 'h', t.Text, "", c.HanWeight)
			prev = nil
		case analysis.HanBigram:
			dst = appendFeature(dst, 'h', t.Text, "", c.HanBigramWeight)
			prev = nil
		}
	}
	return dst
}

// charNGrams appends the character n-grams of "<word>", sharing
// CharWeight among them.
func (e *Embedder) charNGrams(dst []feature, word string) []feature {
	r := []rune("<" + word + ">")
	lo, hi := e.cfg.CharNGramMin, e.cfg.CharNGramMax
	count := 0
	for n := lo; n <= hi; n++ {
		if len(r) >= n {
			count += len(r) - n + 1
		}
	}
	if count == 0 {
		return dst
	}
	w := e.cfg.CharWeight / float64(count)
	for n := lo; n <= hi; n++ {
		for i := 0; i+n <= len(r); i++ {
			dst = appendFeature(dst, 'c', string(r[i:i+n]), "", w)
		}
	}
	return dst
}
