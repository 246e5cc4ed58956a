package records

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Store is the call records database. Start, Complete, Heartbeat and Flush
// queue writes for its writer goroutine; List and Get read. All methods
// are safe for concurrent use. Close it to drain the queue and release the
// file.
type Store struct {
	cfg   Config
	o     *options
	db    *sql.DB
	path  string
	spill string

	q        chan op
	mu       sync.RWMutex // held for reading while queueing; Close takes it to close q
	closed   bool
	closing  chan struct{} // closed when Close starts: shortens retries
	done     chan struct{} // closed when the writer has stopped
	once     sync.Once
	closeErr error

	written, retries, unsaved atomic.Uint64

	fault func(kind opKind) error // test hook: fails a write before it runs
}

// Stats are a store's counters.
type Stats struct {
	// Written counts writes committed.
	Written uint64
	// Retries counts failed write attempts that were retried.
	Retries uint64
	// Unsaved counts writes given up and saved to the unsaved file (or,
	// when even that failed, logged in full).
	Unsaved uint64
	// Queued is the number of writes waiting for the writer.
	Queued int
}

// Open opens (creating it if needed) the database at cfg.Path, brings its
// schema up to date, replays writes a previous run could not save, marks
// calls a crash left live as ended (reason EndServerRestart), and starts the
// writer. ctx bounds the opening only.
func Open(ctx context.Context, cfg Config, opts ...Option) (*Store, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
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
	db, err := sql.Open("sqlite", dsn(abs, cfg.BusyTimeout))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrOpen, abs, err)
	}
	db.SetMaxOpenConns(8)
	s := &Store{cfg: cfg, o: o, db: db, path: abs, spill: abs + ".unsaved.jsonl",
		q: make(chan op, cfg.Queue), closing: make(chan struct{}), done: make(chan struct{})}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	go s.write()
	return s, nil
}

// dsn returns the SQLite URI of the file at abs with the connection's
// pragmas: WAL so readers never wait for the writer, NORMAL sync (a power
// cut may lose the last transactions, never corrupt the file).
func dsn(abs string, busy time.Duration) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	return u.String() + "?" + q.Encode()
}

// init migrates, replays the unsaved file and recovers live calls.
func (s *Store) init(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrOpen, s.path, err)
	}
	if err := migrate(ctx, s.db); err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	s.replaySpill(ctx)
	return s.recoverLive(ctx)
}

// recoverLive ends the calls a crash left live, at the last time the server
// saw them alive.
func (s *Store) recoverLive(ctx context.Context) error {
	res, err := s.db.ExecContext(ctx, `UPDATE calls SET status = ?, end_reason = ?,
		ended_at = max(seen_at, started_at), duration_ms = max(seen_at - started_at, 0)
		WHERE status = ?`, StatusEnded, EndServerRestart, StatusLive)
	if err != nil {
		return fmt.Errorf("%w: recovering live calls: %w", ErrOpen, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		s.o.logger.Warn("records: calls left live by the previous run marked ended",
			"calls", n, "end_reason", EndServerRestart)
	}
	return nil
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	return Stats{Written: s.written.Load(), Retries: s.retries.Load(), Unsaved: s.unsaved.Load(), Queued: len(s.q)}
}

// Start queues the insertion of a live call's record (its status is set to
// StatusLive). It waits while the queue is full, until ctx is done, and
// returns ErrClosed after Close. The record is copied.
func (s *Store) Start(ctx context.Context, r Record) error {
	r.Status = StatusLive
	return s.queueRecord(ctx, opStart, r)
}

// Complete queues the final record of a call (its status is set to
// StatusEnded): the call row, its turns and its events are written in one
// transaction, replacing what Start wrote. Errors are as for Start.
func (s *Store) Complete(ctx context.Context, r Record) error {
	r.Status = StatusEnded
	if r.EndedAt.IsZero() {
		r.EndedAt = s.o.now()
	}
	return s.queueRecord(ctx, opComplete, r)
}

func (s *Store) queueRecord(ctx context.Context, kind opKind, r Record) error {
	n, err := r.normalized()
	if err != nil {
		return err
	}
	return s.queue(ctx, op{kind: kind, rec: n})
}

// Heartbeat queues a note that the live calls are still alive now, so that
// after a crash they are recorded as ended near the time the server died.
// The server calls it every minute or so.
func (s *Store) Heartbeat(ctx context.Context) error {
	return s.queue(ctx, op{kind: opHeartbeat, at: s.o.now()})
}

// Flush waits until every write queued before it has been committed (or
// given up), or ctx is done.
func (s *Store) Flush(ctx context.Context) error {
	b := make(chan struct{})
	if err := s.queue(ctx, op{kind: opBarrier, barrier: b}); err != nil {
		return err
	}
	select {
	case <-b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) queue(ctx context.Context, o op) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	select {
	case s.q <- o:
		return nil
	default:
	}
	select {
	case s.q <- o:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("records: queue full: %w", ctx.Err())
	}
}

// Close stops taking writes, commits the queued ones (a write still
// failing gets a few more attempts, then is saved to the unsaved file for
// the next Open), and closes the database. It is idempotent.
func (s *Store) Close() error {
	s.once.Do(func() {
		close(s.closing)
		s.mu.Lock()
		s.closed = true
		close(s.q)
		s.mu.Unlock()
		<-s.done
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}
