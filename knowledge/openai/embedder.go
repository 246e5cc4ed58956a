// Package openai is the knowledge embedder for any OpenAI-compatible
// embeddings endpoint (POST {base_url}/embeddings): OpenAI itself, vLLM,
// Ollama, llama.cpp's server, LocalAI. It sends texts in batches, retries
// transient failures with exponential backoff (honouring Retry-After),
// checks every answer (one finite vector of the right length per text),
// and turns the server's errors into sentinels that say what to fix.
package openai

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/knowledge"
)

// Embedder embeds texts through an OpenAI-compatible endpoint. It is safe
// for concurrent use.
type Embedder struct {
	cfg    Config
	client *goopenai.Client
	dims   int
	name   string
	log    *slog.Logger
	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time
	jitter func() float64
}

var (
	_ knowledge.Embedder      = (*Embedder)(nil)
	_ knowledge.QueryEmbedder = (*Embedder)(nil)
)

// New returns an embedder. When Config.Dimensions is 0 it embeds one
// short text to learn the vectors' length, so that a wrong key, address
// or model fails here, at start, with a clear error; ctx bounds that
// request.
func New(ctx context.Context, opts ...Option) (*Embedder, error) {
	s := defaultSettings()
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	cfg := s.cfg.FromEnv(s.getenv)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cc := goopenai.DefaultConfig(cfg.APIKey)
	cc.BaseURL = cfg.baseURL()
	cc.HTTPClient = headerDoer{next: s.http}
	e := &Embedder{
		cfg: cfg, client: goopenai.NewClientWithConfig(cc), dims: cfg.Dimensions,
		log: s.log, sleep: s.sleep, now: s.now, jitter: s.jitter,
	}
	if e.dims == 0 {
		vs, err := e.embed(ctx, []string{"dimension probe"}, "")
		if err != nil {
			return nil, fmt.Errorf("knowledge/openai: asking %s for the length of %s vectors: %w", cfg.baseURL(), cfg.Model, err)
		}
		e.dims = len(vs[0])
	}
	e.name = embedderName(cfg, e.dims)
	return e, nil
}

// embedderName is "openai:<model>:<dims>", with a fingerprint of the
// document prefix when there is one.
func embedderName(c Config, dims int) string {
	n := fmt.Sprintf("openai:%s:%d", c.Model, dims)
	if c.DocumentPrefix != "" {
		h := fnv.New32a()
		h.Write([]byte(c.DocumentPrefix))
		n += fmt.Sprintf(":%08x", h.Sum32())
	}
	return n
}

// Name identifies the model and vector length ("openai:text-embedding-3-small:1536").
func (e *Embedder) Name() string { return e.name }

// Dimensions is the length of the vectors.
func (e *Embedder) Dimensions() int { return e.dims }

// Embed returns one vector per text (each prefixed with
// Config.DocumentPrefix), sending Config.BatchSize texts per request.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.cfg.BatchSize {
		batch := texts[start:min(start+e.cfg.BatchSize, len(texts))]
		vs, err := e.embed(ctx, batch, e.cfg.DocumentPrefix)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

// EmbedQuery returns the vector of a question prefixed with
// Config.QueryPrefix.
func (e *Embedder) EmbedQuery(ctx context.Context, query string) ([]float32, error) {
	vs, err := e.embed(ctx, []string{query}, e.cfg.QueryPrefix)
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// embed sends one batch, retrying transient failures.
func (e *Embedder) embed(ctx context.Context, texts []string, prefix string) ([][]float32, error) {
	req := goopenai.EmbeddingRequestStrings{
		Input:          make([]string, len(texts)),
		Model:          goopenai.EmbeddingModel(e.cfg.Model),
		EncodingFormat: goopenai.EmbeddingEncodingFormat(e.cfg.EncodingFormat),
		Dimensions:     e.cfg.Dimensions,
	}
	for i, t := range texts {
		if t == "" {
			t = " " // servers reject empty inputs
		}
		req.Input[i] = prefix + t
	}
	for attempt := 0; ; attempt++ {
		vs, f := e.attempt(ctx, req)
		if f.err == nil {
			return vs, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !f.retry || attempt >= e.cfg.Retries {
			return nil, f.err
		}
		wait, ok := backoff(ctx, e.cfg, attempt+1, f.hint, e.jitter, e.now())
		if !ok {
			return nil, f.err
		}
		e.log.Warn("knowledge/openai: retrying", "attempt", attempt+2, "wait", wait, "err", f.err)
		if err := e.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// attempt sends one request and checks its answer.
func (e *Embedder) attempt(ctx context.Context, req goopenai.EmbeddingRequestStrings) ([][]float32, failure) {
	info := &attemptInfo{}
	actx, cancel := context.WithTimeoutCause(context.WithValue(ctx, attemptKey{}, info), e.cfg.Timeout, errAttemptTimeout)
	defer cancel()
	resp, err := e.client.CreateEmbeddings(actx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, failure{err: ctx.Err()}
		}
		return nil, classify(actx, err, info, e.now(), e.cfg.Timeout)
	}
	vs, err := e.check(resp, len(req.Input))
	if err != nil {
		return nil, failure{err: err}
	}
	return vs, failure{}
}

// check returns the vectors of a response in input order, or ErrResponse
// when they are not one finite vector of the expected length per input.
func (e *Embedder) check(resp goopenai.EmbeddingResponse, n int) ([][]float32, error) {
	if len(resp.Data) != n {
		return nil, fmt.Errorf("%w: %d vectors for %d texts", ErrResponse, len(resp.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("%w: index %d missing, repeated or out of range", ErrResponse, d.Index)
		}
		want := e.dims
		if want == 0 {
			want = len(resp.Data[0].Embedding)
		}
		if len(d.Embedding) == 0 || len(d.Embedding) != want {
			return nil, fmt.Errorf("%w: a vector of %d values, want %d: set knowledge.openai.dimensions to the model's (or 0 to ask the server)", ErrResponse, len(d.Embedding), want)
		}
		for _, f := range d.Embedding {
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				return nil, fmt.Errorf("%w: a vector holds %v", ErrResponse, f)
			}
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}
