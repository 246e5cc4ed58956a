package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
)

// Option sets a runtime parameter of a Server. Options replace what the
// configuration would build, for tests and for programs that embed the
// server.
type Option func(*options) error

type options struct {
	logger     *slog.Logger
	clock      pipeline.Clock
	recognizer pipeline.Recognizer
	synth      pipeline.Synthesizer
	agents     agentic.Factory
	detectors  func() (vad.Detector, error)
	handoffs   Handoffs
	pacer      *audio.Pacer
	routes     []route
}

// WithLogger sets the logger; every call's lines carry call_id. Default:
// the configuration's log section, on standard error.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("server: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the clock of the calls: sessions, recordings, the
// max_duration and hang-up timers. Default pipeline.SystemClock().
func WithClock(c pipeline.Clock) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("server: nil clock")
		}
		o.clock = c
		return nil
	}
}

// WithRecognizer sets the recognizer every call shares, instead of the
// `stt:` section's. The server does not close it.
func WithRecognizer(r pipeline.Recognizer) Option {
	return func(o *options) error {
		if r == nil {
			return errors.New("server: nil recognizer")
		}
		o.recognizer = r
		return nil
	}
}

// WithSynthesizer sets the synthesizer every call shares, instead of the
// `tts:` section's. The server does not close it.
func WithSynthesizer(s pipeline.Synthesizer) Option {
	return func(o *options) error {
		if s == nil {
			return errors.New("server: nil synthesizer")
		}
		o.synth = s
		return nil
	}
}

// WithAgents sets the agent factory, instead of the brain the `nlu:`,
// `knowledge:`, `agent:` and `tools:` sections build.
func WithAgents(f agentic.Factory) Option {
	return func(o *options) error {
		if f == nil {
			return errors.New("server: nil agent factory")
		}
		o.agents = f
		return nil
	}
}

// WithDetectors sets how each call's voice activity detector is made,
// instead of the `vad:` section's factory. The session closes each
// detector.
func WithDetectors(fn func() (vad.Detector, error)) Option {
	return func(o *options) error {
		if fn == nil {
			return errors.New("server: nil detector constructor")
		}
		o.detectors = fn
		return nil
	}
}

// WithHandoffs sets what carries out handoffs to humans (a human-agent
// queue), instead of the blind transfers of the `handoff:` section.
func WithHandoffs(h Handoffs) Option {
	return func(o *options) error {
		if h == nil {
			return errors.New("server: nil handoffs")
		}
		o.handoffs = h
		return nil
	}
}

// WithPacer sets the pacer the transports send bot audio on. Default: one
// the server makes and closes. The server does not close a given one.
func WithPacer(p *audio.Pacer) Option {
	return func(o *options) error {
		if p == nil {
			return errors.New("server: nil pacer")
		}
		o.pacer = p
		return nil
	}
}

// WithRoute adds an HTTP handler (a Go 1.22 ServeMux pattern such as
// "GET /agent/"), for example an agent desktop. It must not collide with
// the server's own routes.
func WithRoute(pattern string, h http.Handler) Option {
	return func(o *options) error {
		if h == nil || strings.TrimSpace(pattern) == "" {
			return fmt.Errorf("server: route %q needs a pattern and a handler", pattern)
		}
		o.routes = append(o.routes, route{pattern: pattern, handler: h})
		return nil
	}
}
