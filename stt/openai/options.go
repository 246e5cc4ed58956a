package openai

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"time"
)

// HTTPDoer sends HTTP requests; *http.Client implements it. Implementations
// must honour the request's context, which carries the per-attempt timeout
// and the caller's cancellation.
type HTTPDoer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Option configures a Transcriber; options that get an invalid value make
// NewTranscriber fail with ErrConfig.
type Option func(*settings) error

// settings is what the options build.
type settings struct {
	cfg       Config
	getenv    func(string) string
	http      HTTPDoer
	log       *slog.Logger
	sleep     func(ctx context.Context, d time.Duration) error
	now       func() time.Time
	jitter    func() float64
	maxPrompt int
}

// DefaultMaxPromptBytes bounds the prompt built from the configured prompt
// and an utterance's hints: Whisper reads at most 224 prompt tokens, about
// 600 bytes of English.
const DefaultMaxPromptBytes = 600

// defaultSettings returns the settings before any option.
func defaultSettings() settings {
	return settings{
		cfg:       DefaultConfig(),
		getenv:    os.Getenv,
		log:       slog.New(slog.DiscardHandler),
		sleep:     sleepContext,
		now:       time.Now,
		jitter:    rand.Float64,
		maxPrompt: DefaultMaxPromptBytes,
	}
}

// WithConfig replaces the whole configuration (start from DefaultConfig).
// Empty APIKey and BaseURL are still filled from the environment (see
// WithEnv).
func WithConfig(c Config) Option {
	return func(s *settings) error { s.cfg = c; return nil }
}

// WithBaseURL sets Config.BaseURL.
func WithBaseURL(u string) Option {
	return func(s *settings) error { s.cfg.BaseURL = u; return nil }
}

// WithAPIKey sets Config.APIKey.
func WithAPIKey(key string) Option {
	return func(s *settings) error { s.cfg.APIKey = key; return nil }
}

// WithModel sets Config.Model.
func WithModel(model string) Option {
	return func(s *settings) error { s.cfg.Model = model; return nil }
}

// WithEnv sets how NewTranscriber reads OPENAI_API_KEY and OPENAI_BASE_URL
// to fill an empty Config.APIKey and Config.BaseURL (see Config.FromEnv).
// Default os.Getenv; nil ignores the environment.
func WithEnv(getenv func(string) string) Option {
	return func(s *settings) error { s.getenv = getenv; return nil }
}

// WithHTTPClient sends requests through c instead of a client of the
// Transcriber's own. The Transcriber does not close c's connections.
func WithHTTPClient(c HTTPDoer) Option {
	return func(s *settings) error {
		if c == nil {
			return fmt.Errorf("%w: WithHTTPClient(nil)", ErrConfig)
		}
		s.http = c
		return nil
	}
}

// WithLogger logs retries, format fallbacks and ignored hints to l. Default:
// no logging.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger(nil)", ErrConfig)
		}
		s.log = l
		return nil
	}
}

// WithSleep sets how the Transcriber waits between attempts: sleep must
// return after d, or at once with ctx.Err() when ctx is done. Tests use it
// to run retries without waiting. Default: a timer.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) error {
		if sleep == nil {
			return fmt.Errorf("%w: WithSleep(nil)", ErrConfig)
		}
		s.sleep = sleep
		return nil
	}
}

// WithNow sets the clock that turns a Retry-After date into a wait and
// checks waits against the context's deadline. Default time.Now.
func WithNow(now func() time.Time) Option {
	return func(s *settings) error {
		if now == nil {
			return fmt.Errorf("%w: WithNow(nil)", ErrConfig)
		}
		s.now = now
		return nil
	}
}

// WithJitter sets the source of backoff jitter, a function returning values
// in [0, 1); it must be safe for concurrent use. Default math/rand/v2's
// Float64.
func WithJitter(jitter func() float64) Option {
	return func(s *settings) error {
		if jitter == nil {
			return fmt.Errorf("%w: WithJitter(nil)", ErrConfig)
		}
		s.jitter = jitter
		return nil
	}
}

// WithMaxPromptBytes bounds the prompt sent with each utterance, in bytes
// (default DefaultMaxPromptBytes). Hints that do not fit are left out,
// whole phrases at a time.
func WithMaxPromptBytes(n int) Option {
	return func(s *settings) error {
		if n < 0 || n > 1<<16 {
			return fmt.Errorf("%w: WithMaxPromptBytes(%d): want 0..65536", ErrConfig, n)
		}
		s.maxPrompt = n
		return nil
	}
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
