package agentictest

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/parley-voice/parley/agentic"
)

// Tool is a scripted agentic.Tool. Each call takes the next of its
// replies (the last one repeats), or calls Func when set; with a gate
// (Hold), calls wait for Release or for their context. It records every
// call and is safe for concurrent use.
type Tool struct {
	spec agentic.ToolSpec

	mu      sync.Mutex
	replies []ToolReply
	fn      func(call agentic.Call, args json.RawMessage) (json.RawMessage, error)
	gate    chan struct{}
	calls   []ToolInvocation
}

// ToolReply is one scripted outcome: a JSON result or an error.
type ToolReply struct {
	// Result is returned when Err is nil.
	Result json.RawMessage
	// Err is the failure returned, if any.
	Err error
}

// ToolInvocation is one call of the tool.
type ToolInvocation struct {
	// Call is the call the tool was called for.
	Call agentic.Call
	// Args are the JSON arguments given (a copy).
	Args json.RawMessage
}

// NewTool returns a tool named name whose parameters are the JSON Schema
// parameters (nil for any object), replying {} until scripted.
func NewTool(name string, parameters json.RawMessage) *Tool {
	if parameters == nil {
		parameters = json.RawMessage(`{"type":"object"}`)
	}
	return &Tool{spec: agentic.ToolSpec{Name: name, Description: "scripted tool " + name, Parameters: parameters}}
}

// Reply scripts the next outcomes, in order.
func (t *Tool) Reply(replies ...ToolReply) *Tool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.replies = append(t.replies, replies...)
	return t
}

// Result scripts a JSON result.
func (t *Tool) Result(result string) *Tool {
	return t.Reply(ToolReply{Result: json.RawMessage(result)})
}

// Error scripts a failure.
func (t *Tool) Error(err error) *Tool { return t.Reply(ToolReply{Err: err}) }

// Func makes every call answer with fn.
func (t *Tool) Func(fn func(call agentic.Call, args json.RawMessage) (json.RawMessage, error)) *Tool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fn = fn
	return t
}

// Hold makes calls wait until Release (or their context ends).
func (t *Tool) Hold() *Tool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gate = make(chan struct{})
	return t
}

// Release lets held calls go on.
func (t *Tool) Release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gate != nil {
		close(t.gate)
		t.gate = nil
	}
}

// Spec describes the tool.
func (t *Tool) Spec() agentic.ToolSpec { return t.spec }

// Call records the call and returns the scripted outcome; it returns
// ctx.Err() once ctx is done.
func (t *Tool) Call(ctx context.Context, call agentic.Call, args json.RawMessage) (json.RawMessage, error) {
	t.mu.Lock()
	t.calls = append(t.calls, ToolInvocation{Call: call, Args: append(json.RawMessage(nil), args...)})
	gate, fn := t.gate, t.fn
	var reply ToolReply
	if len(t.replies) > 0 {
		reply = t.replies[0]
		if len(t.replies) > 1 {
			t.replies = t.replies[1:]
		}
	} else {
		reply.Result = json.RawMessage(`{}`)
	}
	t.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if fn != nil {
		return fn(call, args)
	}
	return reply.Result, reply.Err
}

// Calls returns the calls so far, oldest first.
func (t *Tool) Calls() []ToolInvocation {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]ToolInvocation(nil), t.calls...)
}

// Args decodes the arguments of call i (from 0) into a map.
func (t *Tool) Args(i int) map[string]any {
	calls := t.Calls()
	if i < 0 || i >= len(calls) {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(calls[i].Args, &m); err != nil {
		return nil
	}
	return m
}
