// Package qdrant is the knowledge.Store over a Qdrant server (gRPC,
// github.com/qdrant/go-client), for knowledge bases shared by several
// Parley nodes or too large for memory. Chunks are points of one
// collection (cosine distance, payload: the chunk's fields, indexed by
// document and language); documents are points of a second collection,
// the registry, named after the first with "_documents" appended.
//
// Qdrant has no transactions: Put upserts the new chunks over the old
// ones (chunk IDs are stable), deletes the old chunks beyond the new
// count, and only then records the document with its new hash. A crash
// in between leaves the old hash recorded, so the next ingest redoes the
// document.
package qdrant

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/parley-voice/parley/knowledge"
)

// batchSize is the most points sent or read in one call.
const batchSize = 256

// Store is a knowledge.Store in Qdrant. It is safe for concurrent use;
// writes from one Store are serialised.
type Store struct {
	cfg    Config
	client *qdrant.Client
	chunks string // collection names
	docs   string
	wmu    sync.Mutex
	dims   atomic.Int64 // the chunk collection's vector size, 0 when unknown or absent
	closed atomic.Bool
}

var _ knowledge.Store = (*Store)(nil)

// Option configures Open; an invalid value makes Open fail with ErrConfig.
type Option func(*settings) error

type settings struct {
	cfg    Config
	getenv func(string) string
}

// WithConfig replaces the whole configuration (start from DefaultConfig).
// Empty APIKey and URL are still filled from the environment (WithEnv).
func WithConfig(c Config) Option { return func(s *settings) error { s.cfg = c; return nil } }

// WithEnv sets how Open reads QDRANT_URL and QDRANT_API_KEY (see
// Config.FromEnv). Default os.Getenv; nil ignores the environment.
func WithEnv(getenv func(string) string) Option {
	return func(s *settings) error { s.getenv = getenv; return nil }
}

// Open connects to the server, checks that it answers (ctx bounds the
// check), and creates the registry collection when missing; the chunk
// collection is created by the first Put, which knows the vectors'
// length.
func Open(ctx context.Context, opts ...Option) (*Store, error) {
	s := settings{cfg: DefaultConfig(), getenv: osGetenv}
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	cfg := s.cfg.FromEnv(s.getenv)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	host, port, useTLS, _ := cfg.address()
	client, err := qdrant.NewClient(&qdrant.Config{
		Host: host, Port: port, APIKey: cfg.APIKey, UseTLS: useTLS,
		SkipCompatibilityCheck: true, PoolSize: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s:%d: %w", ErrUnavailable, host, port, err)
	}
	st := &Store{cfg: cfg, client: client, chunks: cfg.Collection, docs: cfg.Collection + "_documents"}
	if err := st.init(ctx); err != nil {
		client.Close()
		return nil, fmt.Errorf("knowledge/qdrant: %s:%d: %w", host, port, err)
	}
	return st, nil
}

// init checks the server's health, creates the registry and reads the
// chunk collection's vector size.
func (s *Store) init(ctx context.Context) error {
	cctx, cancel := s.call(ctx)
	defer cancel()
	if _, err := s.client.HealthCheck(cctx); err != nil {
		return classify(err)
	}
	if err := s.ensure(ctx, s.docs, 1, qdrant.Distance_Dot, keyPath, keyEmbedder); err != nil {
		return err
	}
	return s.loadDims(ctx)
}

// call returns ctx bounded by the configured timeout.
func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.cfg.Timeout)
}

// ensure creates a collection with keyword indexes on fields when it is
// missing.
func (s *Store) ensure(ctx context.Context, name string, size uint64, d qdrant.Distance, fields ...string) error {
	cctx, cancel := s.call(ctx)
	defer cancel()
	exists, err := s.client.CollectionExists(cctx, name)
	if err != nil {
		return classify(err)
	}
	if exists {
		return nil
	}
	err = s.client.CreateCollection(cctx, &qdrant.CreateCollection{
		CollectionName: name,
		VectorsConfig:  qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: size, Distance: d}),
	})
	if err != nil && status.Code(err) != codes.AlreadyExists {
		return classify(err)
	}
	for _, f := range fields {
		_, err := s.client.CreateFieldIndex(cctx, &qdrant.CreateFieldIndexCollection{
			CollectionName: name, FieldName: f, FieldType: qdrant.FieldType_FieldTypeKeyword.Enum(), Wait: qdrant.PtrOf(true),
		})
		if err != nil {
			return classify(err)
		}
	}
	return nil
}

// loadDims reads the chunk collection's vector size (0 when it does not
// exist).
func (s *Store) loadDims(ctx context.Context) error {
	cctx, cancel := s.call(ctx)
	defer cancel()
	exists, err := s.client.CollectionExists(cctx, s.chunks)
	if err != nil {
		return classify(err)
	}
	if !exists {
		s.dims.Store(0)
		return nil
	}
	info, err := s.client.GetCollectionInfo(cctx, s.chunks)
	if err != nil {
		return classify(err)
	}
	s.dims.Store(int64(info.GetConfig().GetParams().GetVectorsConfig().GetParams().GetSize()))
	return nil
}

// classify wraps a client error in the sentinel that says what to do;
// a call cancelled by its context wraps context.Canceled.
func classify(err error) error {
	if err == nil {
		return nil
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	case codes.Canceled:
		return fmt.Errorf("%w: %w", context.Canceled, err)
	case codes.Unauthenticated, codes.PermissionDenied:
		return fmt.Errorf("%w: %w", ErrAuth, err)
	}
	return fmt.Errorf("%w: %w", ErrServer, err)
}

// Close closes the connection. It is idempotent; other calls fail with
// knowledge.ErrClosed afterwards.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.client.Close()
}

func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return knowledge.ErrClosed
	}
	return ctx.Err()
}

// matchDoc is the filter of a document's chunks.
func matchDoc(path string) *qdrant.Filter {
	return &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword(keyDoc, path)}}
}

// scroll calls fn for every point of collection matching filter, page by
// page.
func (s *Store) scroll(ctx context.Context, collection string, filter *qdrant.Filter, vectors bool, fn func(*qdrant.RetrievedPoint) error) error {
	var offset *qdrant.PointId
	for {
		cctx, cancel := s.call(ctx)
		pts, next, err := s.client.ScrollAndOffset(cctx, &qdrant.ScrollPoints{
			CollectionName: collection, Filter: filter, Offset: offset, Limit: qdrant.PtrOf(uint32(batchSize)),
			WithPayload: qdrant.NewWithPayload(true), WithVectors: qdrant.NewWithVectors(vectors),
		})
		cancel()
		if err != nil {
			return classify(err)
		}
		for _, p := range pts {
			if err := fn(p); err != nil {
				return err
			}
		}
		if next == nil || len(pts) == 0 {
			return nil
		}
		offset = next
	}
}

// osGetenv reads the environment.
func osGetenv(key string) string { return os.Getenv(key) }
