// Package memstore keeps documents, chunks and vectors in memory with the
// semantics of knowledge.Store: the in-memory half of the disk store and
// the whole of knowledgetest.MemStore.
package memstore

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/internal/vecindex"
)

// Mem is an in-memory store. It is safe for concurrent use: Nearest,
// Records and the other readers take a read lock; Apply and Remove a
// write lock. Writers that persist elsewhere first (disk) call Check,
// write, then Apply, serialising their writes themselves.
type Mem struct {
	mu    sync.RWMutex
	docs  map[string]knowledge.Document
	byDoc map[string][]string // chunk IDs of each document
	idx   *vecindex.Index[knowledge.Chunk]
	pool  sync.Pool // *[]vecindex.Result[knowledge.Chunk]
}

// New returns an empty store.
func New() *Mem {
	return &Mem{docs: make(map[string]knowledge.Document), byDoc: make(map[string][]string)}
}

// Check validates a Put of doc with records against the store's content:
// ErrEmbedderMismatch when another document came from another embedder,
// ErrInvalidRecord for records that do not belong to doc, repeat an ID,
// or hold vectors of the wrong length or no direction.
func (m *Mem) Check(doc knowledge.Document, records []knowledge.Record) error {
	if doc.Path == "" {
		return fmt.Errorf("%w: document without a path", knowledge.ErrInvalidRecord)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	for path, d := range m.docs {
		if path != doc.Path && d.Embedder != doc.Embedder {
			return fmt.Errorf("%w: it holds vectors of %q, not %q: re-ingest from scratch (parley kb ingest --rebuild)", knowledge.ErrEmbedderMismatch, d.Embedder, doc.Embedder)
		}
	}
	dims := 0
	if m.idx != nil && m.idx.Len() > len(m.byDoc[doc.Path]) {
		dims = m.idx.Dimensions()
	}
	return CheckRecords(doc, records, dims)
}

// CheckRecords validates records of doc: each belongs to doc, IDs are
// unique, vectors are finite, not zero, and of one length (dims when it
// is not 0).
func CheckRecords(doc knowledge.Document, records []knowledge.Record, dims int) error {
	ids := make(map[string]bool, len(records))
	for _, r := range records {
		switch {
		case r.Doc != doc.Path:
			return fmt.Errorf("%w: chunk %q belongs to %q, not %q", knowledge.ErrInvalidRecord, r.ID, r.Doc, doc.Path)
		case r.ID == "" || ids[r.ID]:
			return fmt.Errorf("%w: chunk ID %q empty or repeated", knowledge.ErrInvalidRecord, r.ID)
		case dims != 0 && len(r.Vector) != dims:
			return fmt.Errorf("%w: chunk %q has a vector of %d values and the store holds %d: re-ingest from scratch after changing the embedder's dimensions", knowledge.ErrInvalidRecord, r.ID, len(r.Vector), dims)
		}
		if _, err := vecindex.Norm(r.Vector); err != nil {
			return fmt.Errorf("%w: chunk %q: %w", knowledge.ErrInvalidRecord, r.ID, err)
		}
		ids[r.ID] = true
		dims = len(r.Vector)
	}
	return nil
}

// Apply replaces doc's chunks with records; call Check first.
func (m *Mem) Apply(doc knowledge.Document, records []knowledge.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removeLocked(doc.Path)
	if len(records) > 0 && (m.idx == nil || m.idx.Len() == 0) {
		m.idx = vecindex.New[knowledge.Chunk](len(records[0].Vector))
	}
	ids := make([]string, 0, len(records))
	for _, r := range records {
		if err := m.idx.Add(r.ID, r.Language, r.Vector, r.Chunk); err != nil {
			m.removeLocked(doc.Path)
			for _, id := range ids {
				m.idx.Remove(id)
			}
			return fmt.Errorf("%w: chunk %q: %w", knowledge.ErrInvalidRecord, r.ID, err)
		}
		ids = append(ids, r.ID)
	}
	m.docs[doc.Path] = doc
	m.byDoc[doc.Path] = ids
	return nil
}

// Remove deletes document path and its chunks.
func (m *Mem) Remove(path string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removeLocked(path)
}

func (m *Mem) removeLocked(path string) {
	for _, id := range m.byDoc[path] {
		m.idx.Remove(id)
	}
	delete(m.byDoc, path)
	delete(m.docs, path)
}

// Documents returns a copy of the documents by path.
func (m *Mem) Documents() map[string]knowledge.Document {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return maps.Clone(m.docs)
}

// Embedder returns the embedder of the stored documents, "" when empty.
func (m *Mem) Embedder() string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, d := range m.docs {
		return d.Embedder
	}
	return ""
}

// Len returns the number of chunks.
func (m *Mem) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.idx == nil {
		return 0
	}
	return m.idx.Len()
}

// Records calls fn for every record (vectors at unit length), in no set
// order, without holding the lock while fn runs; it stops at fn's first
// error or when ctx ends.
func (m *Mem) Records(ctx context.Context, fn func(knowledge.Record) error) error {
	m.mu.RLock()
	var recs []knowledge.Record
	if m.idx != nil {
		recs = make([]knowledge.Record, 0, m.idx.Len())
		m.idx.Each(func(id string, c knowledge.Chunk) bool {
			v, _ := m.idx.Vector(id, make([]float32, 0, m.idx.Dimensions()))
			recs = append(recs, knowledge.Record{Chunk: c, Vector: v})
			return true
		})
	}
	m.mu.RUnlock()
	for _, r := range recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Nearest returns the k records most similar to v, restricted to
// language when it is not empty. The records' Vector is nil: a search
// needs the chunks, and copying their vectors would cost more than the
// search (Records returns vectors). Apart from the result, it allocates
// nothing in steady state.
func (m *Mem) Nearest(v []float32, k int, language string) ([]knowledge.ScoredRecord, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.idx == nil || m.idx.Len() == 0 || k <= 0 {
		return nil, nil
	}
	bufp, _ := m.pool.Get().(*[]vecindex.Result[knowledge.Chunk])
	if bufp == nil {
		bufp = new([]vecindex.Result[knowledge.Chunk])
	}
	defer m.pool.Put(bufp)
	res, err := m.idx.Search(v, k, language, *bufp)
	*bufp = res
	if err != nil {
		return nil, fmt.Errorf("%w: %w", knowledge.ErrInvalidRecord, err)
	}
	out := make([]knowledge.ScoredRecord, len(res))
	for i, r := range res {
		out[i] = knowledge.ScoredRecord{Record: knowledge.Record{Chunk: r.Payload}, Similarity: float64(r.Score)}
	}
	return out, nil
}
