package agentictest

import (
	"context"
	"strings"
	"sync"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
)

// Recorder is an agentic.ResponseWriter that records one turn's
// Responses. With a limit set (Interrupt), it plays the caller barging in:
// the write that goes past the limit cancels the turn's context and fails
// with context.Canceled, as a session's writer does. It is safe for
// concurrent use.
type Recorder struct {
	mu        sync.Mutex
	responses []pipeline.Response
	limit     int // sentences accepted before the barge-in; -1 none
	cancel    context.CancelFunc
	cut       bool
}

// NewRecorder returns a Recorder that accepts everything.
func NewRecorder() *Recorder { return &Recorder{limit: -1} }

// Interrupt makes the Recorder accept only the first n sentences: writing
// the next one calls cancel and fails with context.Canceled, like a barge-in
// while the bot speaks.
func (r *Recorder) Interrupt(n int, cancel context.CancelFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.limit, r.cancel = n, cancel
}

// WriteResponse records resp.
func (r *Recorder) WriteResponse(resp pipeline.Response) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cut {
		return context.Canceled
	}
	if resp.Text != "" && r.limit >= 0 && r.sentences() >= r.limit {
		r.cut = true
		if r.cancel != nil {
			r.cancel()
		}
		return context.Canceled
	}
	if resp.Hints != nil {
		h := *resp.Hints
		h.Phrases = append([]string(nil), h.Phrases...)
		resp.Hints = &h
	}
	r.responses = append(r.responses, resp)
	return nil
}

// Interrupted reports whether the barge-in limit was reached.
func (r *Recorder) Interrupted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cut
}

func (r *Recorder) sentences() int {
	n := 0
	for _, x := range r.responses {
		if x.Text != "" {
			n++
		}
	}
	return n
}

// Responses returns everything written, in order.
func (r *Recorder) Responses() []pipeline.Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pipeline.Response(nil), r.responses...)
}

// Sentences returns the texts written, in order.
func (r *Recorder) Sentences() []string {
	var out []string
	for _, x := range r.Responses() {
		if x.Text != "" {
			out = append(out, x.Text)
		}
	}
	return out
}

// Text returns the sentences joined by spaces.
func (r *Recorder) Text() string { return strings.Join(r.Sentences(), " ") }

// Actions returns the actions written, in order.
func (r *Recorder) Actions() []pipeline.Action {
	var out []pipeline.Action
	for _, x := range r.Responses() {
		if x.Action != nil {
			out = append(out, x.Action)
		}
	}
	return out
}

// Kinds returns what was written, in order, as one word per Response part:
// the action kinds ("intent", "tool_call", "handoff"...), "text" for a
// sentence and "hints" for hints. Handy for checking the order of a turn.
func (r *Recorder) Kinds() []string {
	var out []string
	for _, x := range r.Responses() {
		if x.Action != nil {
			out = append(out, x.Action.ActionKind())
		}
		if x.Text != "" {
			out = append(out, "text")
		}
		if x.Hints != nil {
			out = append(out, "hints")
		}
	}
	return out
}

// Understood returns the first agentic.Understood written.
func (r *Recorder) Understood() (nlu.Result, bool) {
	for _, a := range r.Actions() {
		switch u := a.(type) {
		case agentic.Understood:
			return u.Result, true
		case *agentic.Understood:
			return u.Result, true
		}
	}
	return nlu.Result{}, false
}

// ToolCalls returns the agentic.ToolCall actions written.
func (r *Recorder) ToolCalls() []agentic.ToolCall {
	var out []agentic.ToolCall
	for _, a := range r.Actions() {
		switch tc := a.(type) {
		case agentic.ToolCall:
			out = append(out, tc)
		case *agentic.ToolCall:
			out = append(out, *tc)
		}
	}
	return out
}

// Handoff returns the agentic.Handoff written and whether it waits for the
// speech before it.
func (r *Recorder) Handoff() (h agentic.Handoff, afterSpeech, ok bool) {
	for _, x := range r.Responses() {
		switch a := x.Action.(type) {
		case agentic.Handoff:
			return a, x.AfterSpeech, true
		case *agentic.Handoff:
			return *a, x.AfterSpeech, true
		}
	}
	return agentic.Handoff{}, false, false
}

// EndCall returns the agentic.EndCall written and whether it waits for the
// speech before it.
func (r *Recorder) EndCall() (e agentic.EndCall, afterSpeech, ok bool) {
	for _, x := range r.Responses() {
		switch a := x.Action.(type) {
		case agentic.EndCall:
			return a, x.AfterSpeech, true
		case *agentic.EndCall:
			return *a, x.AfterSpeech, true
		}
	}
	return agentic.EndCall{}, false, false
}

// Hints returns the last hints written, or nil.
func (r *Recorder) Hints() *pipeline.Hints {
	rs := r.Responses()
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Hints != nil {
			return rs[i].Hints
		}
	}
	return nil
}
