package pipelinetest

import (
	"context"
	"sync"

	"github.com/parley-voice/parley/pipeline"
)

// Agent is a scripted pipeline.Agent. Each Respond call takes the next
// entry of Replies (or calls Reply when set) and writes its parts at once;
// when the script is exhausted it echoes the caller ("You said: ...").
// With Gate set, Respond first waits for a value on Gate (or for its context
// to end), so a test can hold the agent "thinking". It records every request
// and the context error of every call cut short. It is safe for concurrent
// use.
type Agent struct {
	// Replies are the answers of successive turns.
	Replies [][]pipeline.Response
	// Reply, when set, answers instead of Replies.
	Reply func(req pipeline.AgentRequest) []pipeline.Response
	// Gate, when set, holds each Respond until a value is received.
	Gate chan struct{}
	// Err, when set, is returned by Respond after writing the reply.
	Err error
	// Linger keeps each Respond call open after writing the reply until
	// its context ends, like an LLM stream that is still running.
	Linger bool

	mu       sync.Mutex
	next     int
	requests []pipeline.AgentRequest
	ctxErrs  []error
}

// Respond writes the scripted answer for req.
func (a *Agent) Respond(ctx context.Context, req pipeline.AgentRequest, w pipeline.ResponseWriter) error {
	parts := a.answer(req)
	if a.Gate != nil {
		select {
		case <-a.Gate:
		case <-ctx.Done():
			return a.cut(ctx)
		}
	}
	for _, p := range parts {
		if err := w.WriteResponse(p); err != nil {
			if ctx.Err() != nil {
				return a.cut(ctx)
			}
			return err
		}
	}
	if a.Linger {
		<-ctx.Done()
		return a.cut(ctx)
	}
	return a.Err
}

func (a *Agent) answer(req pipeline.AgentRequest) []pipeline.Response {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, req)
	switch {
	case a.Reply != nil:
		return a.Reply(req)
	case a.next < len(a.Replies):
		a.next++
		return a.Replies[a.next-1]
	}
	return []pipeline.Response{{Text: "You said: " + req.Text + "."}}
}

func (a *Agent) cut(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ctxErrs = append(a.ctxErrs, ctx.Err())
	return ctx.Err()
}

// Requests returns the requests received, oldest first.
func (a *Agent) Requests() []pipeline.AgentRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]pipeline.AgentRequest(nil), a.requests...)
}

// Cancelled returns the context errors of the calls cut short by their
// context, oldest first.
func (a *Agent) Cancelled() []error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]error(nil), a.ctxErrs...)
}

// Say returns a reply of one Response per sentence.
func Say(sentences ...string) []pipeline.Response {
	out := make([]pipeline.Response, len(sentences))
	for i, s := range sentences {
		out[i] = pipeline.Response{Text: s}
	}
	return out
}
