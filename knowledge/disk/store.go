// Package disk is the embedded, on-disk knowledge.Store: one SQLite file
// (pure Go, modernc.org/sqlite, WAL journal) holding documents and chunks
// with their vectors as little-endian float32 BLOBs. Every vector is also
// held in memory, one contiguous column per dimension, and searched
// exactly (brute force): 10,000 chunks of 1024 dimensions take about a
// millisecond for a hashed question (see BenchmarkSearch10k).
//
// The file is read once, at Open. Writes go to the file first, in one
// transaction per document, then to memory, so a crash never leaves a
// half-written document. Another process's writes to the same file are
// seen by a store opened after them: run `parley kb ingest` before
// starting the server, or ingest through the server.
package disk

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/internal/memstore"
)

// schemaVersion is the version of the tables this package writes.
const schemaVersion = "1"

// Store is the on-disk store. It is safe for concurrent use; searches do
// not wait for writes to the file.
type Store struct {
	db     *sql.DB
	mem    *memstore.Mem
	path   string
	wmu    sync.Mutex // serialises writes: file first, then memory
	closed atomic.Bool
}

var _ knowledge.Store = (*Store)(nil)

// Option configures Open; an invalid value makes Open fail with ErrConfig.
type Option func(*Config) error

// WithConfig replaces the whole configuration (start from DefaultConfig).
func WithConfig(c Config) Option { return func(dst *Config) error { *dst = c; return nil } }

// WithPath sets Config.Path.
func WithPath(path string) Option { return func(c *Config) error { c.Path = path; return nil } }

// Open opens (creating when missing) the store file and loads it into
// memory. ctx bounds the loading.
func Open(ctx context.Context, opts ...Option) (*Store, error) {
	cfg := DefaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOpen, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOpen, err)
	}
	db, err := sql.Open("sqlite", dsn(abs, cfg))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrOpen, abs, err)
	}
	s := &Store{db: db, mem: memstore.New(), path: abs}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.load(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// dsn returns the data source name of the file at abs: a SQLite URI with
// the connection's pragmas.
func dsn(abs string, cfg Config) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	return u.String() + "?" + q.Encode()
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Len returns the number of chunks stored.
func (s *Store) Len() int { return s.mem.Len() }

// Documents lists the stored documents by path.
func (s *Store) Documents(ctx context.Context) (map[string]knowledge.Document, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.mem.Documents(), nil
}

// Records calls fn for every stored record (vectors at unit length); fn
// may call the store.
func (s *Store) Records(ctx context.Context, fn func(knowledge.Record) error) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	return s.mem.Records(ctx, fn)
}

// Nearest returns the k records most similar to v, most similar first,
// restricted to language when it is not empty. It reads memory only.
func (s *Store) Nearest(ctx context.Context, v []float32, k int, language string) ([]knowledge.ScoredRecord, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.mem.Nearest(v, k, language)
}

// Embedder names the embedder the stored vectors came from, "" when the
// store is empty.
func (s *Store) Embedder(ctx context.Context) (string, error) {
	if err := s.check(ctx); err != nil {
		return "", err
	}
	return s.mem.Embedder(), nil
}

// Close closes the file. It is idempotent; other calls fail with
// knowledge.ErrClosed afterwards.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.wmu.Lock() // let a running write finish
	defer s.wmu.Unlock()
	return s.db.Close()
}

func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return knowledge.ErrClosed
	}
	return ctx.Err()
}
