package llmnlu

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"
)

// HTTPDoer sends HTTP requests; *http.Client implements it. It must honour
// the request's context, which carries the timeout and the caller's
// cancellation.
type HTTPDoer interface {
	Do(req *http.Request) (*http.Response, error)
}

// AfterFunc starts a timer that calls f on its own goroutine after d,
// unless the returned stop is called first; stop reports whether it
// stopped the timer before f ran. It has time.AfterFunc's behaviour; tests
// pass one they fire by hand.
type AfterFunc func(d time.Duration, f func()) (stop func() bool)

// Option configures New; an option given an invalid value makes New fail
// with ErrConfig.
type Option func(*settings) error

// settings is what the options build.
type settings struct {
	getenv func(string) string
	http   HTTPDoer
	log    *slog.Logger
	after  AfterFunc
}

// defaultSettings returns the settings before any option.
func defaultSettings() settings {
	return settings{
		getenv: os.Getenv,
		http:   &http.Client{},
		log:    slog.New(slog.DiscardHandler),
		after: func(d time.Duration, f func()) func() bool {
			return time.AfterFunc(d, f).Stop
		},
	}
}

// WithEnv sets how New reads OPENAI_API_KEY and OPENAI_BASE_URL to fill an
// empty Config.APIKey and Config.BaseURL. Default os.Getenv; nil ignores the
// environment.
func WithEnv(getenv func(string) string) Option {
	return func(s *settings) error { s.getenv = getenv; return nil }
}

// WithHTTPClient sends requests through c. The Parser does not close c's
// connections.
func WithHTTPClient(c HTTPDoer) Option {
	return func(s *settings) error {
		if c == nil {
			return fmt.Errorf("%w: WithHTTPClient(nil)", ErrConfig)
		}
		s.http = c
		return nil
	}
}

// WithLogger logs the model's failures (each one falls back to the local
// parser) to l. Default: no logging.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger(nil)", ErrConfig)
		}
		s.log = l
		return nil
	}
}

// WithAfterFunc sets the timer that enforces Config.Timeout. Default
// time.AfterFunc.
func WithAfterFunc(after AfterFunc) Option {
	return func(s *settings) error {
		if after == nil {
			return fmt.Errorf("%w: WithAfterFunc(nil)", ErrConfig)
		}
		s.after = after
		return nil
	}
}
