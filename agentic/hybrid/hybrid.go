// Package hybrid combines the flow agent and an LLM agent in one call:
// the flows answer the intents they have flows for (order status, returns,
// transfers, goodbye...), and the LLM agent answers the rest (questions no
// flow covers, small talk, callers the parser did not understand). Once a
// call is in a flow it stays there until the flow ends or the caller
// changes the subject; the LLM always receives the full conversation.
//
// Without an LLM, the hybrid is the flow agent itself, whose knowledge
// base and no-match handling answer what no flow covers. When the LLM
// fails before saying anything, the turn falls back to that handling too,
// so a model outage never leaves the caller in silence.
package hybrid

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/agentic/flow"
	"github.com/parley-voice/parley/pipeline"
)

// Router is what the hybrid needs of a flow agent; *flow.Agent implements
// it. Plan decides a turn without changing state, Execute carries the
// decision out, and Spoken tells the flow agent that another agent
// answered a turn it delegated.
type Router interface {
	agentic.Agent
	Plan(ctx context.Context, req agentic.Request) (*flow.Plan, error)
	Execute(ctx context.Context, req agentic.Request, p *flow.Plan, w agentic.ResponseWriter) error
	Spoken(sentences []string, hints *pipeline.Hints)
}

var _ Router = (*flow.Agent)(nil)

// Option configures New; an option given an invalid value makes New fail
// with ErrConfig.
type Option func(*Factory) error

// WithLogger sets the logger; each call's agent logs with a call_id
// attribute. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(f *Factory) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger: the logger is nil", ErrConfig)
		}
		f.log = l
		return nil
	}
}

// Factory makes the hybrid agent of each call. It is safe for concurrent
// use.
type Factory struct {
	flows agentic.Factory
	llm   agentic.Factory
	log   *slog.Logger
}

var _ agentic.Factory = (*Factory)(nil)

// New returns the factory of hybrid agents: flows must be a factory built
// with flow.New; llm may be nil (no LLM configured), in which case the
// agents are the flow agents themselves.
func New(flows agentic.Factory, llm agentic.Factory, opts ...Option) (*Factory, error) {
	if flows == nil {
		return nil, fmt.Errorf("%w: the flows factory is nil: build it with flow.New", ErrConfig)
	}
	f := &Factory{flows: flows, llm: llm, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if err := o(f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// NewAgent makes the call's flow agent and, with an LLM, its LLM agent.
func (f *Factory) NewAgent(call agentic.Call) (agentic.Agent, error) {
	fa, err := f.flows.NewAgent(call)
	if err != nil {
		return nil, fmt.Errorf("hybrid: start the flow agent: %w", err)
	}
	r, ok := fa.(Router)
	if !ok {
		closeAgent(fa)
		return nil, fmt.Errorf("%w (got %T)", ErrNotFlowAgent, fa)
	}
	if f.llm == nil {
		return r, nil
	}
	la, err := f.llm.NewAgent(call)
	if err != nil {
		closeAgent(fa)
		return nil, fmt.Errorf("hybrid: start the LLM agent: %w", err)
	}
	return &Agent{flow: r, llm: la, log: f.log.With("call_id", call.ID)}, nil
}

// Agent is one call's hybrid agent. Like every agent, its Respond is
// called for one turn at a time.
type Agent struct {
	flow  Router
	llm   agentic.Agent
	log   *slog.Logger
	close sync.Once
	err   error
}

var _ agentic.Agent = (*Agent)(nil)

// Respond answers a turn: it writes what the flow agent understood, then
// lets the flows answer, or the LLM agent when no flow handles the turn.
// It returns ctx.Err() once ctx is done.
func (a *Agent) Respond(ctx context.Context, req agentic.Request, w agentic.ResponseWriter) error {
	p, err := a.flow.Plan(ctx, req)
	if err != nil {
		return err
	}
	if p.Understood {
		if err := w.WriteResponse(pipeline.Response{Action: agentic.Understood{Result: p.Result}}); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
	}
	if !p.Delegate {
		return a.flow.Execute(ctx, req, p, w)
	}
	cw := &capture{w: w}
	err = a.llm.Respond(ctx, req, cw)
	switch {
	case err == nil:
		a.flow.Spoken(cw.sentences, cw.hints)
		return nil
	case ctx.Err() != nil:
		if cw.wrote {
			a.flow.Spoken(cw.sentences, cw.hints)
		}
		return ctx.Err()
	case cw.wrote:
		a.flow.Spoken(cw.sentences, cw.hints)
		return err
	}
	a.log.Warn("LLM agent failed; the flows answer instead", "err", err)
	return a.flow.Execute(ctx, req, p, w)
}

// Close closes both agents; it is idempotent and returns the first error.
func (a *Agent) Close() error {
	a.close.Do(func() {
		a.err = errors.Join(closeAgent(a.flow), closeAgent(a.llm))
	})
	return a.err
}

// closeAgent closes an agent that is an io.Closer.
func closeAgent(a agentic.Agent) error {
	if c, ok := a.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// capture passes an agent's answer on and keeps its sentences and hints.
type capture struct {
	w         agentic.ResponseWriter
	sentences []string
	hints     *pipeline.Hints
	wrote     bool // something besides an Understood action was written
}

// WriteResponse passes r on and records it.
func (c *capture) WriteResponse(r pipeline.Response) error {
	if err := c.w.WriteResponse(r); err != nil {
		return err
	}
	if r.Text != "" || r.Action != nil && r.Action.ActionKind() != agentic.KindIntent {
		c.wrote = true
	}
	if r.Text != "" {
		c.sentences = append(c.sentences, r.Text)
	}
	if r.Hints != nil {
		h := *r.Hints
		c.hints = &h
	}
	return nil
}
