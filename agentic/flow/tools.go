package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/pipeline"
)

// callTool runs a call step: it renders the arguments, calls the tool,
// writes an agentic.ToolCall, saves the result and branches on the
// outcome. A call cut short by the turn's context is not recorded and
// runs again at the next turn.
func (t *turn) callTool(s *step) error {
	st := &t.a.st
	args, err := t.toolArgs(s)
	if err != nil {
		return err
	}
	t.a.seq++
	id := fmt.Sprintf("flow-%d", t.a.seq)
	tool := t.a.f.tools[s.tool]
	began := t.a.f.now()
	out, callErr := tool.Call(t.ctx, t.a.call, args)
	took := t.a.f.now().Sub(began)
	if err := t.ctx.Err(); err != nil {
		return err
	}
	rec := agentic.ToolCall{ID: id, Name: s.tool, Arguments: args, Duration: took}
	if callErr == nil && out != nil && !json.Valid(out) {
		callErr = fmt.Errorf("tool %s returned a result that is not JSON", s.tool)
	}
	if callErr != nil {
		rec.Error = callErr.Error()
	} else {
		rec.Result = out
	}
	if err := t.w.WriteResponse(pipeline.Response{Action: rec}); err != nil {
		return err
	}
	if s.saveAs != "" {
		delete(st.vars, s.saveAs) // no stale result from an earlier call
	}
	if callErr == nil {
		return t.toolSucceeded(s, out)
	}
	var te *agentic.ToolError
	if errors.As(callErr, &te) && !transient(callErr) {
		st.lastError = te.Message
		t.a.note(s.tool + ": " + te.Message)
		t.a.log.Info("tool refused", "tool", s.tool, "err", callErr)
		if s.onFailure != unset {
			st.pc = s.onFailure
			return nil
		}
	} else {
		st.lastError = callErr.Error()
		t.a.note(s.tool + " failed")
		t.a.log.Warn("tool failed", "tool", s.tool, "err", callErr)
	}
	if s.onError != unset {
		st.pc = s.onError
		return nil
	}
	return t.toolErrorDefault()
}

// toolArgs renders a call step's arguments as a JSON object; an argument
// that renders empty is left out.
func (t *turn) toolArgs(s *step) (json.RawMessage, error) {
	data := t.data()
	args := make(map[string]string, len(s.args))
	for _, a := range s.args {
		v, err := a.value.render(t.lang, data)
		if err != nil {
			t.a.log.Warn("tool argument", "tool", s.tool, "arg", a.name, "err", err)
			continue
		}
		if v != "" {
			args[a.name] = v
		}
	}
	return json.Marshal(args)
}

// toolSucceeded saves a result and takes the success branch.
func (t *turn) toolSucceeded(s *step, out json.RawMessage) error {
	st := &t.a.st
	st.lastError = ""
	if s.saveAs != "" {
		var v any
		if len(out) > 0 {
			if err := json.Unmarshal(out, &v); err != nil {
				return fmt.Errorf("tool %s: decode the result: %w", s.tool, err)
			}
		}
		st.vars[s.saveAs] = v
	}
	t.a.note(s.tool + " succeeded")
	st.pc = or(s.onSuccess, s.next)
	return nil
}

// toolErrorDefault apologises and offers a transfer; a no ends the flow.
func (t *turn) toolErrorDefault() error {
	if err := t.sayPrompt("tool_error"); err != nil {
		return err
	}
	if err := t.ask(t.a.f.flows.prompts["offer_transfer"], waitOfferTransfer, nil); err != nil {
		return err
	}
	t.a.st.wait.resume = endOfFlow
	return nil
}

// transient reports a failure worth retrying later rather than a refusal:
// timeouts, network errors, and errors that say they are temporary (a
// server error status).
func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var tmp interface{ Temporary() bool }
	return errors.As(err, &tmp) && tmp.Temporary()
}
