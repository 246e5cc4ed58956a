package agentictest

import (
	"context"
	"sync"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/pipeline"
)

// Agent is a fake agentic.Agent. Each Respond writes the answer of Reply
// (when set) or the next of Replies (echoing the caller once they run
// out), then returns Err. With Hold, Respond first waits for Release or
// for its context, so a test can cancel a turn in flight. It records the
// requests and counts Close calls. It is safe for concurrent use.
type Agent struct {
	// Reply, when set, makes each turn's answer.
	Reply func(req agentic.Request) []pipeline.Response
	// Replies are the answers of successive turns.
	Replies [][]pipeline.Response
	// Err is returned by Respond after writing the answer.
	Err error

	mu       sync.Mutex
	next     int
	gate     chan struct{}
	requests []agentic.Request
	closed   int
}

var _ agentic.Agent = (*Agent)(nil)

// Hold makes the next turns wait for Release (or their context).
func (a *Agent) Hold() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gate = make(chan struct{})
}

// Release lets held turns go on.
func (a *Agent) Release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gate != nil {
		close(a.gate)
		a.gate = nil
	}
}

// Respond writes the scripted answer. It returns ctx.Err() once ctx is
// done.
func (a *Agent) Respond(ctx context.Context, req agentic.Request, w agentic.ResponseWriter) error {
	a.mu.Lock()
	req.History = append([]pipeline.Message(nil), req.History...)
	a.requests = append(a.requests, req)
	var parts []pipeline.Response
	switch {
	case a.Reply != nil:
		parts = a.Reply(req)
	case a.next < len(a.Replies):
		parts = a.Replies[a.next]
		a.next++
	default:
		parts = []pipeline.Response{{Text: "You said: " + req.Text + "."}}
	}
	gate, err := a.gate, a.Err
	a.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, p := range parts {
		if e := w.WriteResponse(p); e != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return e
		}
	}
	return err
}

// Requests returns the requests received, oldest first.
func (a *Agent) Requests() []agentic.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]agentic.Request(nil), a.requests...)
}

// Close counts the call; it never fails.
func (a *Agent) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed++
	return nil
}

// Closed returns how many times Close was called.
func (a *Agent) Closed() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

// Factory is a fake agentic.Factory: it makes each call's agent with Make
// (a fresh echoing Agent when nil), or fails with Err. It records the calls
// and the agents made. It is safe for concurrent use.
type Factory struct {
	// Make builds a call's agent.
	Make func(call agentic.Call) *Agent
	// Err, when set, is returned by NewAgent.
	Err error

	mu     sync.Mutex
	calls  []agentic.Call
	agents []*Agent
}

var _ agentic.Factory = (*Factory)(nil)

// NewAgent makes the agent of call.
func (f *Factory) NewAgent(call agentic.Call) (agentic.Agent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	if f.Err != nil {
		return nil, f.Err
	}
	a := &Agent{}
	if f.Make != nil {
		a = f.Make(call)
	}
	f.agents = append(f.agents, a)
	return a, nil
}

// Agents returns the agents made, oldest first.
func (f *Factory) Agents() []*Agent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*Agent(nil), f.agents...)
}

// Calls returns the calls agents were made for.
func (f *Factory) Calls() []agentic.Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]agentic.Call(nil), f.calls...)
}
