package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"
)

// HTTPDoer sends HTTP requests; *http.Client implements it.
// Implementations must honour the request's context, which carries the
// attempt's timeout and the caller's cancellation.
type HTTPDoer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Option configures New; an option given an invalid value makes New fail
// with ErrConfig.
type Option func(*settings) error

// settings is what the options build.
type settings struct {
	http   HTTPDoer
	getenv func(string) string
	log    *slog.Logger
	sleep  func(ctx context.Context, d time.Duration) error
}

func defaultSettings() settings {
	return settings{
		http:   http.DefaultClient,
		getenv: os.Getenv,
		log:    slog.New(slog.DiscardHandler),
		sleep:  sleepContext,
	}
}

// WithHTTPClient sets the HTTP client. Default http.DefaultClient (each
// attempt is bounded by the tool's timeout, not the client's).
func WithHTTPClient(c HTTPDoer) Option {
	return func(s *settings) error {
		if c == nil {
			return fmt.Errorf("%w: WithHTTPClient: the client is nil", ErrConfig)
		}
		s.http = c
		return nil
	}
}

// WithGetenv sets how ${VAR} in header values is looked up. Default
// os.Getenv.
func WithGetenv(getenv func(string) string) Option {
	return func(s *settings) error {
		if getenv == nil {
			return fmt.Errorf("%w: WithGetenv: the function is nil", ErrConfig)
		}
		s.getenv = getenv
		return nil
	}
}

// WithLogger sets the logger for failed attempts. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger: the logger is nil", ErrConfig)
		}
		s.log = l
		return nil
	}
}

// WithSleep sets how the tool waits between retries; it must return
// ctx.Err() early when ctx is done. Tests pass a function that does not
// sleep. Default: a timer.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) error {
		if sleep == nil {
			return fmt.Errorf("%w: WithSleep: the function is nil", ErrConfig)
		}
		s.sleep = sleep
		return nil
	}
}

// sleepContext waits d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
