package llm

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"

	"github.com/parley-voice/parley/pipeline"
)

// HTTPDoer sends HTTP requests; *http.Client implements it. Implementations
// must honour the request's context, which carries the turn's cancellation
// (barge-in) and timeouts.
type HTTPDoer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Option configures New; an option given an invalid value makes New fail
// with ErrConfig.
type Option func(*settings) error

// settings is what the options build.
type settings struct {
	getenv func(string) string
	http   HTTPDoer
	log    *slog.Logger
	clock  pipeline.Clock
	jitter func() float64
}

// defaultSettings returns the settings before any option.
func defaultSettings() settings {
	return settings{
		getenv: os.Getenv,
		http:   &http.Client{},
		log:    slog.New(slog.DiscardHandler),
		clock:  pipeline.SystemClock(),
		jitter: rand.Float64,
	}
}

// WithEnv sets how New reads OPENAI_API_KEY and OPENAI_BASE_URL to fill an
// empty Config.APIKey and Config.BaseURL (see Config.FromEnv). Default
// os.Getenv; nil ignores the environment.
func WithEnv(getenv func(string) string) Option {
	return func(s *settings) error { s.getenv = getenv; return nil }
}

// WithHTTPClient sends requests through c instead of a client of the
// Factory's own. The Factory does not close c's connections.
func WithHTTPClient(c HTTPDoer) Option {
	return func(s *settings) error {
		if c == nil {
			return fmt.Errorf("%w: WithHTTPClient(nil)", ErrConfig)
		}
		s.http = c
		return nil
	}
}

// WithLogger logs failures, retries and tool calls to l, with each call's
// call_id. Default: no logging.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger(nil)", ErrConfig)
		}
		s.log = l
		return nil
	}
}

// WithClock sets the clock that runs the timeouts (first token, turn,
// tools), the waits between retries, and the date in the system prompt.
// Tests pass a pipelinetest.Clock. Default pipeline.SystemClock().
func WithClock(c pipeline.Clock) Option {
	return func(s *settings) error {
		if c == nil {
			return fmt.Errorf("%w: WithClock(nil)", ErrConfig)
		}
		s.clock = c
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
