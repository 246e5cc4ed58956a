// Package knowledgetest helps test code that uses package knowledge: an
// in-memory Store, an embedder wrapper that fails on demand, and
// StoreSuite, the conformance tests every knowledge.Store must pass.
package knowledgetest

import (
	"context"
	"sync/atomic"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/internal/memstore"
)

// MemStore is a knowledge.Store held in memory, lost on Close. It is safe
// for concurrent use and behaves as the disk store does without the
// file.
type MemStore struct {
	mem    *memstore.Mem
	closed atomic.Bool
}

var _ knowledge.Store = (*MemStore)(nil)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore { return &MemStore{mem: memstore.New()} }

// Documents lists the stored documents by path.
func (s *MemStore) Documents(ctx context.Context) (map[string]knowledge.Document, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.mem.Documents(), nil
}

// Put replaces doc's chunks with records, atomically.
func (s *MemStore) Put(ctx context.Context, doc knowledge.Document, records []knowledge.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := s.mem.Check(doc, records); err != nil {
		return err
	}
	return s.mem.Apply(doc, records)
}

// Delete removes a document and its chunks.
func (s *MemStore) Delete(ctx context.Context, path string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	s.mem.Remove(path)
	return nil
}

// Records calls fn for every stored record.
func (s *MemStore) Records(ctx context.Context, fn func(knowledge.Record) error) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	return s.mem.Records(ctx, fn)
}

// Nearest returns the k records most similar to v.
func (s *MemStore) Nearest(ctx context.Context, v []float32, k int, language string) ([]knowledge.ScoredRecord, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.mem.Nearest(v, k, language)
}

// Embedder names the embedder the stored vectors came from.
func (s *MemStore) Embedder(ctx context.Context) (string, error) {
	if err := s.check(ctx); err != nil {
		return "", err
	}
	return s.mem.Embedder(), nil
}

// Close marks the store closed; it is idempotent.
func (s *MemStore) Close() error {
	s.closed.Store(true)
	return nil
}

func (s *MemStore) check(ctx context.Context) error {
	if s.closed.Load() {
		return knowledge.ErrClosed
	}
	return ctx.Err()
}

// FlakyEmbedder wraps an embedder and fails every call with Err while
// Fail is set, as a remote embeddings endpoint does when it is down.
// Calls counts the calls made. It keeps the wrapped embedder's
// QueryEmbedder and CorpusObserver behaviour.
type FlakyEmbedder struct {
	knowledge.Embedder
	// Err is returned while Fail is set.
	Err error
	// Fail makes every call fail.
	Fail atomic.Bool
	// Calls counts Embed and EmbedQuery calls.
	Calls atomic.Int64
}

// Embed fails with Err while Fail is set, else embeds with the wrapped
// embedder.
func (f *FlakyEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	f.Calls.Add(1)
	if f.Fail.Load() {
		return nil, f.Err
	}
	return f.Embedder.Embed(ctx, texts)
}

// EmbedQuery fails with Err while Fail is set, else embeds with the
// wrapped embedder's EmbedQuery (or Embed).
func (f *FlakyEmbedder) EmbedQuery(ctx context.Context, q string) ([]float32, error) {
	f.Calls.Add(1)
	if f.Fail.Load() {
		return nil, f.Err
	}
	if qe, ok := f.Embedder.(knowledge.QueryEmbedder); ok {
		return qe.EmbedQuery(ctx, q)
	}
	vs, err := f.Embedder.Embed(ctx, []string{q})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// Observe passes text to the wrapped embedder when it observes corpora.
func (f *FlakyEmbedder) Observe(text string) {
	if o, ok := f.Embedder.(knowledge.CorpusObserver); ok {
		o.Observe(text)
	}
}

// Forget passes text to the wrapped embedder when it observes corpora.
func (f *FlakyEmbedder) Forget(text string) {
	if o, ok := f.Embedder.(knowledge.CorpusObserver); ok {
		o.Forget(text)
	}
}
