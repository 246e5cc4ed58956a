package flow

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/nlu"
)

// Factory makes the flow agent of each call. It is safe for concurrent
// use.
type Factory struct {
	flows    *Flows
	parser   nlu.Parser
	searcher knowledge.Searcher
	tools    map[string]agentic.Tool
	now      func() time.Time
	log      *slog.Logger
	maxSteps int
	slots    map[string]nlu.Slot
	parsed   map[string]bool // the domains' slots: what the parser knows; nil without domains
	vars     map[string]bool
	noMatch  []*flowDef
	affirmNo []string // intents a yes/no question is parsed with
}

var _ agentic.Factory = (*Factory)(nil)

// New returns the factory of flow agents running flows with parser. It
// checks the flows against the domains (WithDomains) and the tools
// (WithTools): every tool a call step names must be given, every collected
// slot must have a known type, and answer steps need a knowledge base
// (WithSearcher). Errors about the file are *Error values with its line.
func New(flows *Flows, parser nlu.Parser, opts ...Option) (*Factory, error) {
	if flows == nil {
		return nil, fmt.Errorf("%w: New: flows are nil: load them with flow.Load", ErrConfig)
	}
	if parser == nil {
		return nil, fmt.Errorf("%w: New: the parser is nil: build one with nlu.New", ErrConfig)
	}
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if err := flows.Check(o.domains...); err != nil {
		return nil, err
	}
	if err := flows.checkTools(o.tools); err != nil {
		return nil, err
	}
	f := &Factory{flows: flows, parser: parser, searcher: o.searcher, tools: o.tools, now: o.now,
		log: o.log, maxSteps: o.maxSteps, slots: mergeSlots(flows, o.domains), vars: flows.vars()}
	if len(o.domains) > 0 {
		f.parsed = map[string]bool{}
		for _, d := range o.domains {
			for name := range d.Slots {
				f.parsed[name] = true
			}
		}
	}
	if err := f.checkRuntime(); err != nil {
		return nil, err
	}
	for _, name := range flows.noMatch {
		fd := flows.flows[name]
		if name == "_search" && f.searcher == nil {
			continue // the built-in ladder without a knowledge base
		}
		f.noMatch = append(f.noMatch, fd)
	}
	r := flows.settings.roles
	f.affirmNo = []string{r.affirm, r.deny, r.agent, r.goodbye, r.repeat}
	return f, nil
}

// mergeSlots returns the slot definitions by name: the file's own, then
// the domains' in order.
func mergeSlots(flows *Flows, domains []*nlu.Domain) map[string]nlu.Slot {
	out := map[string]nlu.Slot{}
	for _, d := range domains {
		for name, s := range d.Slots {
			if _, ok := out[name]; !ok {
				out[name] = s
			}
		}
	}
	for name, s := range flows.slots {
		out[name] = s
	}
	return out
}

// checkRuntime verifies what running the flows needs: slot types for
// collect steps and a knowledge base for answer steps.
func (f *Factory) checkRuntime() error {
	fl := f.flows
	for _, name := range fl.order {
		for _, s := range fl.flows[name].steps {
			switch {
			case s.kind == kindCollect:
				if _, ok := f.slots[s.slot]; !ok {
					return &Error{File: fl.file, Line: s.pos.line, Path: s.pos.path,
						Err: fmt.Errorf("the type of slot %s is unknown: pass the NLU domain (flow.WithDomains) or declare the slot in the slots section", s.slot)}
				}
			case s.kind == kindAnswer && f.searcher == nil && !strings.HasPrefix(name, "_"):
				return &Error{File: fl.file, Line: s.pos.line, Path: s.pos.path,
					Err: errors.New("answer steps search the knowledge base, and none is configured: ingest one (parley kb ingest) and pass it with flow.WithSearcher")}
			}
		}
	}
	return nil
}

// Flows returns the flows the factory runs.
func (f *Factory) Flows() *Flows { return f.flows }

// NewAgent returns the flow agent of one call, as an agentic.Agent whose
// dynamic type is *Agent.
func (f *Factory) NewAgent(call agentic.Call) (agentic.Agent, error) {
	return f.NewFlowAgent(call), nil
}

// NewFlowAgent returns the flow agent of one call.
func (f *Factory) NewFlowAgent(call agentic.Call) *Agent {
	a := &Agent{f: f, call: call, log: f.log.With("call_id", call.ID)}
	a.st.reset()
	return a
}
