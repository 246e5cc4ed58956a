package knowledge

import (
	"fmt"
	"log/slog"
	"time"
)

// Option configures a Base; an option given an invalid value makes Open
// fail with ErrInvalidConfig.
type Option func(*settings) error

// settings is what the options build.
type settings struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	progress func(IngestProgress)
	rebuild  bool
}

func defaultSettings() settings {
	return settings{
		cfg: DefaultConfig(),
		log: slog.New(slog.DiscardHandler),
		now: time.Now,
	}
}

// WithConfig replaces the whole configuration (start from DefaultConfig).
func WithConfig(c Config) Option {
	return func(s *settings) error { s.cfg = c; return nil }
}

// WithLogger sets where the Base logs (ingested files, searches that fell
// back to lexical ranking). Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger: nil logger", ErrInvalidConfig)
		}
		s.log = l
		return nil
	}
}

// WithNow sets the clock that stamps Document.Ingested and times
// ingests. Default time.Now.
func WithNow(now func() time.Time) Option {
	return func(s *settings) error {
		if now == nil {
			return fmt.Errorf("%w: WithNow: nil clock", ErrInvalidConfig)
		}
		s.now = now
		return nil
	}
}

// WithProgress sets a function called after each file Ingest looks at,
// from Ingest's goroutine; it must return quickly. Default none.
func WithProgress(fn func(IngestProgress)) Option {
	return func(s *settings) error { s.progress = fn; return nil }
}

// WithRebuild empties the store when the Base opens, so that the next
// Ingest embeds every file again: use it after changing embedders (the
// store otherwise refuses with ErrEmbedderMismatch) or to start over.
func WithRebuild() Option {
	return func(s *settings) error { s.rebuild = true; return nil }
}
