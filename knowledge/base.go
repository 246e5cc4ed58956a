package knowledge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Base is a knowledge base: a Store of chunks and vectors, the Embedder
// that filled it, and an in-memory lexical index over the same chunks. It
// implements Searcher.
//
// A Base is safe for concurrent use. Searches run in parallel with each
// other and with Ingest; Ingest calls are serialised. No lock is held
// while the store or the embedder works.
type Base struct {
	store Store
	emb   Embedder
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	prog  func(IngestProgress)

	ingestMu sync.Mutex // serialises Ingest
	mu       sync.RWMutex
	lex      *lexIndex
	closed   atomic.Bool
}

var _ Searcher = (*Base)(nil)

// Open returns a Base over store, whose chunks were (or will be) embedded
// by emb. It reads every stored chunk to build the lexical index (and the
// embedder's corpus statistics, see CorpusObserver). It fails with
// ErrEmbedderMismatch when the store holds vectors of another embedder,
// unless WithRebuild empties it. On success the Base owns store and
// closes it in Close.
func Open(store Store, emb Embedder, opts ...Option) (*Base, error) {
	s := defaultSettings()
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	if err := s.cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || emb == nil {
		return nil, fmt.Errorf("%w: Open needs a store and an embedder", ErrInvalidConfig)
	}
	if emb.Dimensions() <= 0 {
		return nil, fmt.Errorf("%w: embedder %s has %d dimensions", ErrInvalidConfig, emb.Name(), emb.Dimensions())
	}
	b := &Base{store: store, emb: emb, cfg: s.cfg, log: s.log, now: s.now, prog: s.progress, lex: newLexIndex(s.cfg)}
	ctx := context.Background()
	if s.rebuild {
		if err := b.empty(ctx); err != nil {
			return nil, err
		}
	}
	name, err := store.Embedder(ctx)
	if err != nil {
		return nil, fmt.Errorf("knowledge: reading the store: %w", err)
	}
	if name != "" && name != emb.Name() {
		return nil, fmt.Errorf("%w: it was filled by %q and the configured embedder is %q: ingest again with --rebuild (WithRebuild), or configure %q", ErrEmbedderMismatch, name, emb.Name(), name)
	}
	err = store.Records(ctx, func(r Record) error {
		b.index([]Chunk{r.Chunk})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("knowledge: reading the store: %w", err)
	}
	return b, nil
}

// empty deletes every document from the store.
func (b *Base) empty(ctx context.Context) error {
	docs, err := b.store.Documents(ctx)
	if err != nil {
		return fmt.Errorf("knowledge: reading the store: %w", err)
	}
	for path := range docs {
		if err := b.store.Delete(ctx, path); err != nil {
			return fmt.Errorf("knowledge: emptying the store: %w", err)
		}
	}
	return nil
}

// index adds chunks to the lexical index and the embedder's corpus.
func (b *Base) index(chunks []Chunk) {
	obs, _ := b.emb.(CorpusObserver)
	b.mu.Lock()
	for _, c := range chunks {
		b.lex.add(c)
	}
	b.mu.Unlock()
	if obs != nil {
		for _, c := range chunks {
			obs.Observe(EmbedText(c))
		}
	}
}

// unindex removes document doc's chunks from the lexical index and the
// embedder's corpus.
func (b *Base) unindex(doc string) {
	b.mu.Lock()
	old := b.lex.docChunks(doc)
	b.lex.removeDoc(doc)
	b.mu.Unlock()
	if obs, ok := b.emb.(CorpusObserver); ok {
		for _, c := range old {
			obs.Forget(EmbedText(c))
		}
	}
}

// Len returns the number of chunks in the base.
func (b *Base) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.lex.live
}

// Embedder returns the embedder the Base was opened with.
func (b *Base) Embedder() Embedder { return b.emb }

// Close closes the store. It is idempotent; a Search or Ingest after
// Close fails with ErrClosed.
func (b *Base) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	b.ingestMu.Lock() // wait for a running ingest
	defer b.ingestMu.Unlock()
	if err := b.store.Close(); err != nil && !errors.Is(err, ErrClosed) {
		return err
	}
	return nil
}
