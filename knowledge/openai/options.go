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

// HTTPDoer sends HTTP requests; *http.Client implements it.
// Implementations must honour the request's context, which carries the
// per-attempt timeout and the caller's cancellation.
type HTTPDoer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Option configures an Embedder; an invalid value makes New fail with
// ErrConfig.
type Option func(*settings) error

// settings is what the options build.
type settings struct {
	cfg    Config
	getenv func(string) string
	http   HTTPDoer
	log    *slog.Logger
	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time
	jitter func() float64
}

func defaultSettings() settings {
	return settings{
		cfg:    DefaultConfig(),
		getenv: os.Getenv,
		http:   &http.Client{},
		log:    slog.New(slog.DiscardHandler),
		sleep:  sleepContext,
		now:    time.Now,
		jitter: rand.Float64,
	}
}

// WithConfig replaces the whole configuration (start from
// DefaultConfig). Empty APIKey and BaseURL are still filled from the
// environment (see WithEnv).
func WithConfig(c Config) Option { return func(s *settings) error { s.cfg = c; return nil } }

// WithBaseURL sets Config.BaseURL.
func WithBaseURL(u string) Option { return func(s *settings) error { s.cfg.BaseURL = u; return nil } }

// WithAPIKey sets Config.APIKey.
func WithAPIKey(key string) Option { return func(s *settings) error { s.cfg.APIKey = key; return nil } }

// WithModel sets Config.Model.
func WithModel(model string) Option {
	return func(s *settings) error { s.cfg.Model = model; return nil }
}

// WithDimensions sets Config.Dimensions.
func WithDimensions(n int) Option {
	return func(s *settings) error { s.cfg.Dimensions = n; return nil }
}

// WithEnv sets how New reads OPENAI_API_KEY and OPENAI_BASE_URL to fill an
// empty Config.APIKey and Config.BaseURL. Default os.Getenv; nil ignores
// the environment.
func WithEnv(getenv func(string) string) Option {
	return func(s *settings) error { s.getenv = getenv; return nil }
}

// WithHTTPClient sets the HTTP client. Default a new *http.Client.
func WithHTTPClient(c HTTPDoer) Option {
	return func(s *settings) error {
		if c == nil {
			return fmt.Errorf("%w: WithHTTPClient: nil client", ErrConfig)
		}
		s.http = c
		return nil
	}
}

// WithLogger sets where retries are logged. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger: nil logger", ErrConfig)
		}
		s.log = l
		return nil
	}
}

// WithClock sets the clock (now) and the wait between retries (sleep,
// which must return ctx.Err() when ctx ends first), so that tests run
// without real waits. Defaults time.Now and a timer.
func WithClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) error {
		if now == nil || sleep == nil {
			return fmt.Errorf("%w: WithClock: nil function", ErrConfig)
		}
		s.now, s.sleep = now, sleep
		return nil
	}
}

// WithJitter sets the source of the retry jitter, a function returning
// values in [0, 1). Default math/rand/v2.Float64.
func WithJitter(f func() float64) Option {
	return func(s *settings) error {
		if f == nil {
			return fmt.Errorf("%w: WithJitter: nil function", ErrConfig)
		}
		s.jitter = f
		return nil
	}
}
