package records

import (
	"fmt"
	"log/slog"
	"time"
)

// Config is the `records:` section of the server configuration.
type Config struct {
	// Path is the SQLite file. A relative path is relative to the working
	// directory. Default data/calls.db.
	Path string `yaml:"path"`
	// BusyTimeout is how long a statement waits for a lock held by another
	// connection before failing (and being retried). Default 5s.
	BusyTimeout time.Duration `yaml:"busy_timeout"`
	// Queue bounds the writes waiting for the writer goroutine; when it is
	// full Start and Complete wait. Default 1024.
	Queue int `yaml:"queue"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{Path: "data/calls.db", BusyTimeout: 5 * time.Second, Queue: 1024}
}

// Validate reports the first invalid field, named as in parley.yaml.
func (c Config) Validate() error {
	switch {
	case c.Path == "":
		return fmt.Errorf("%w: path: must not be empty (e.g. data/calls.db)", ErrConfig)
	case c.BusyTimeout < 0 || c.BusyTimeout > time.Hour:
		return fmt.Errorf("%w: busy_timeout: must be in [0, 1h], got %v", ErrConfig, c.BusyTimeout)
	case c.Queue < 1 || c.Queue > 1<<20:
		return fmt.Errorf("%w: queue: must be in [1, 1048576], got %d", ErrConfig, c.Queue)
	}
	return nil
}

// Option sets a runtime parameter of a Store.
type Option func(*options) error

type options struct {
	logger     *slog.Logger
	now        func() time.Time
	minBackoff time.Duration
	maxBackoff time.Duration
	closeTries int
	batch      int
	observe    func(op string, d time.Duration, err error)
}

// WithLogger sets the logger for failed writes and recoveries. Default: a
// logger that discards.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrConfig)
		}
		o.logger = l
		return nil
	}
}

// WithNow sets the clock that stamps recoveries and heartbeats. Default
// time.Now.
func WithNow(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrConfig)
		}
		o.now = now
		return nil
	}
}

// WithRetry sets the back-off between attempts of a failed write: it starts
// at min and doubles up to max. While the store is open a write is retried
// until it succeeds; when it is closing, closeTries more attempts are made
// before the write is saved to the unsaved file. Defaults 100ms, 5s, 3.
func WithRetry(min, max time.Duration, closeTries int) Option {
	return func(o *options) error {
		if min <= 0 || max < min || max > time.Hour || closeTries < 1 || closeTries > 100 {
			return fmt.Errorf("%w: retry needs 0 < min <= max <= 1h and closeTries in [1, 100], got %v, %v, %d",
				ErrConfig, min, max, closeTries)
		}
		o.minBackoff, o.maxBackoff, o.closeTries = min, max, closeTries
		return nil
	}
}

// WithBatch sets how many queued writes the writer commits in one
// transaction at most: more gives more throughput under load, each
// transaction holding the file's write lock a little longer. Default 64.
func WithBatch(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 4096 {
			return fmt.Errorf("%w: batch must be in [1, 4096], got %d", ErrConfig, n)
		}
		o.batch = n
		return nil
	}
}

// WithObserver sets a function called after each write attempt with the
// operation ("start", "complete", "heartbeat"), how long the transaction
// took and its error, for metrics. It runs on the writer goroutine and
// must return quickly.
func WithObserver(fn func(op string, d time.Duration, err error)) Option {
	return func(o *options) error {
		o.observe = fn
		return nil
	}
}

func buildOptions(opts []Option) (*options, error) {
	o := &options{logger: slog.New(slog.DiscardHandler), now: time.Now, minBackoff: 100 * time.Millisecond,
		maxBackoff: 5 * time.Second, closeTries: 3, batch: 64}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}
