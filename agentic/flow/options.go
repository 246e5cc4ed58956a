package flow

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/nlu"
)

// DefaultMaxStepsPerTurn bounds the steps one turn runs without asking the
// caller anything; a flow file whose goto steps form a cycle hits it and
// the call is handed off instead of spinning.
const DefaultMaxStepsPerTurn = 200

// Option configures New. An option given an invalid value makes New fail
// with ErrConfig.
type Option func(*options) error

// options is what the options build.
type options struct {
	searcher knowledge.Searcher
	tools    map[string]agentic.Tool
	now      func() time.Time
	log      *slog.Logger
	domains  []*nlu.Domain
	maxSteps int
}

func defaultOptions() options {
	return options{
		tools:    map[string]agentic.Tool{},
		now:      time.Now,
		log:      slog.New(slog.DiscardHandler),
		maxSteps: DefaultMaxStepsPerTurn,
	}
}

// WithSearcher sets the knowledge base that answer steps search. Flows
// with answer steps need one; without one the built-in no-match ladder
// skips its knowledge-base step.
func WithSearcher(s knowledge.Searcher) Option {
	return func(o *options) error {
		if s == nil {
			return fmt.Errorf("%w: WithSearcher: the searcher is nil", ErrConfig)
		}
		o.searcher = s
		return nil
	}
}

// WithTools adds tools by the name call steps use (agentic/webhook tools,
// or any agentic.Tool). A name given twice keeps the last tool.
func WithTools(tools map[string]agentic.Tool) Option {
	return func(o *options) error {
		for name, t := range tools {
			if t == nil {
				return fmt.Errorf("%w: WithTools: tool %q is nil", ErrConfig, name)
			}
			o.tools[name] = t
		}
		return nil
	}
}

// WithTool adds one tool under the name of its Spec.
func WithTool(t agentic.Tool) Option {
	return func(o *options) error {
		if t == nil {
			return fmt.Errorf("%w: WithTool: the tool is nil", ErrConfig)
		}
		name := t.Spec().Name
		if !isName(name) {
			return fmt.Errorf("%w: WithTool: tool name %q must be letters, digits, _ and - (at most 64)", ErrConfig, name)
		}
		o.tools[name] = t
		return nil
	}
}

// WithNow sets the clock: it anchors relative dates for the parser (the
// today value of templates) and times tool calls. Default time.Now.
func WithNow(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("%w: WithNow: the clock is nil", ErrConfig)
		}
		o.now = now
		return nil
	}
}

// WithLogger sets the logger; each call's agent logs with a call_id
// attribute. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger: the logger is nil", ErrConfig)
		}
		o.log = l
		return nil
	}
}

// WithDomains gives the NLU domains of the flows' languages (one per
// language): New checks the flows against them (see Flows.Check) and takes
// the slots' types from them (digits lengths and enum values decide the
// recognition hints and which answers are valid).
func WithDomains(domains ...*nlu.Domain) Option {
	return func(o *options) error {
		for i, d := range domains {
			if d == nil {
				return fmt.Errorf("%w: WithDomains: domain %d is nil", ErrConfig, i)
			}
		}
		o.domains = append(o.domains, domains...)
		return nil
	}
}

// WithMaxStepsPerTurn bounds the steps one turn runs (see
// DefaultMaxStepsPerTurn). Range [10, 100000].
func WithMaxStepsPerTurn(n int) Option {
	return func(o *options) error {
		if n < 10 || n > 100000 {
			return fmt.Errorf("%w: WithMaxStepsPerTurn: must be in [10, 100000], got %d", ErrConfig, n)
		}
		o.maxSteps = n
		return nil
	}
}
