package webrtc

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Option configures a WHIP endpoint. Options validate their argument and
// make New fail with ErrInvalidOption when it is unusable.
type Option func(*options) error

// options holds the runtime parameters of a WHIP endpoint.
type options struct {
	log       *slog.Logger
	pacer     *audio.Pacer
	now       func() time.Time
	afterFunc func(time.Duration, func()) (stop func() bool)
	basePath  string
}

// defaultOptions returns the options New starts from.
func defaultOptions() options {
	return options{
		log: slog.New(slog.DiscardHandler),
		now: time.Now,
		afterFunc: func(d time.Duration, f func()) func() bool {
			return time.AfterFunc(d, f).Stop
		},
		basePath: "/whip",
	}
}

// WithLogger sets the logger (default: discard). Every call's lines carry
// its call_id; pion's own messages are logged under the "pion" group
// (without call_id: pion's settings are shared by all calls), its
// warnings as info and its info as debug.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger(nil)", ErrInvalidOption)
		}
		o.log = l
		return nil
	}
}

// WithPacer sends every call's bot audio on p's 20 ms ticks (one pacer
// shared by all transports of the server). p must tick every
// audio.FrameDuration. Without it New starts a private pacer, which
// Close stops; a pacer given here is the caller's to close, after the
// WHIP endpoint.
func WithPacer(p *audio.Pacer) Option {
	return func(o *options) error {
		if p == nil {
			return fmt.Errorf("%w: WithPacer(nil)", ErrInvalidOption)
		}
		o.pacer = p
		return nil
	}
}

// WithNow sets the clock for call start times and jitter buffer timing
// (default time.Now).
func WithNow(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("%w: WithNow(nil)", ErrInvalidOption)
		}
		o.now = now
		return nil
	}
}

// WithAfterFunc sets how the connect timeout is scheduled: afterFunc(d,
// f) must call f in its own goroutine once d has passed on the clock of
// WithNow, unless the returned stop function is called first (it reports
// whether it stopped f). The default is time.AfterFunc. Tests pass a
// fake clock's.
func WithAfterFunc(afterFunc func(d time.Duration, f func()) (stop func() bool)) Option {
	return func(o *options) error {
		if afterFunc == nil {
			return fmt.Errorf("%w: WithAfterFunc(nil)", ErrInvalidOption)
		}
		o.afterFunc = afterFunc
		return nil
	}
}

// WithBasePath sets the URL path the endpoint is mounted at (default
// "/whip"): offers are POSTed to it and sessions live at path/{call id}.
// The server must route both path and path + "/" to the handler.
func WithBasePath(path string) Option {
	return func(o *options) error {
		path = strings.TrimSuffix(path, "/")
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#") {
			return fmt.Errorf("%w: WithBasePath(%q): want an absolute URL path such as /whip", ErrInvalidOption, path)
		}
		o.basePath = path
		return nil
	}
}
