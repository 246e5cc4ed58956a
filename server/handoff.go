package server

import (
	"context"
	"fmt"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline"
)

// HandoffRequest is an agent's request to hand a call to a human, with
// what the server knows of the call.
type HandoffRequest struct {
	// Call is the call's transport side (Transfer, Hangup, ...).
	Call bridge.Call
	// Session is the call's session: a human-agent queue turns the bot off
	// (SetBotEnabled) and bridges the audio.
	Session *pipeline.Session
	// Queue is the queue asked for (the configured default when the agent
	// named none), or a SIP URI or phone number to transfer to.
	Queue string
	// Reason, Priority, Skills, Intent, Slots and Summary are the agent's
	// account of the call, for the human.
	Reason   string
	Priority int
	Skills   []string
	Intent   string
	Slots    map[string]string
	Summary  string
}

// HandoffResult says how a handoff was carried out.
type HandoffResult struct {
	// Status is "transferred" (the call left Parley: it ends once the far
	// end accepts) or "queued" (a human-agent queue took it and keeps it
	// on this server).
	Status string
	// Target is where the call went: a SIP URI, a number, a queue.
	Target string
}

// Handoff statuses (HandoffResult.Status).
const (
	HandoffTransferred = "transferred"
	HandoffQueued      = "queued"
)

// Handoffs carries out handoffs. The server's default transfers the call
// (a SIP REFER) to the queue's configured transfer_to target, or to the
// target the agent named. A human-agent queue replaces it with
// WithHandoffs. Handoff runs on a goroutine of the call; it returns
// promptly once ctx (the call's) is done. An error means the handoff could
// not be carried out: the caller is told so and the call ends politely.
type Handoffs interface {
	Handoff(ctx context.Context, req HandoffRequest) (HandoffResult, error)
}

// HandoffsFunc adapts a function to Handoffs.
type HandoffsFunc func(ctx context.Context, req HandoffRequest) (HandoffResult, error)

// Handoff calls fn(ctx, req).
func (fn HandoffsFunc) Handoff(ctx context.Context, req HandoffRequest) (HandoffResult, error) {
	return fn(ctx, req)
}

// transferHandoffs is the default Handoffs: a blind transfer.
type transferHandoffs struct{ cfg HandoffConfig }

// Handoff transfers the call to the queue's target.
func (t transferHandoffs) Handoff(ctx context.Context, req HandoffRequest) (HandoffResult, error) {
	target := req.Queue
	if !isTransferTarget(target) {
		q, ok := t.cfg.Queues[req.Queue]
		if !ok || q.TransferTo == "" {
			return HandoffResult{}, fmt.Errorf("%w: queue %q has no transfer_to target (configure handoff.queues.%s.transfer_to)",
				ErrHandoff, req.Queue, req.Queue)
		}
		target = q.TransferTo
	}
	if err := req.Call.Transfer(ctx, target); err != nil {
		return HandoffResult{}, fmt.Errorf("%w: transfer to %s: %w", ErrHandoff, target, err)
	}
	return HandoffResult{Status: HandoffTransferred, Target: target}, nil
}

// handoffRequest builds the request of an agent's handoff action; ok is
// false for other actions.
func handoffRequest(a pipeline.Action, defaultQueue string) (HandoffRequest, bool) {
	var r HandoffRequest
	switch h := a.(type) {
	case agentic.Handoff:
		r = HandoffRequest{Queue: h.Queue, Reason: h.Reason, Priority: h.Priority, Skills: h.Skills,
			Intent: h.Intent, Slots: h.Slots, Summary: h.Summary}
	case *agentic.Handoff:
		r = HandoffRequest{Queue: h.Queue, Reason: h.Reason, Priority: h.Priority, Skills: h.Skills,
			Intent: h.Intent, Slots: h.Slots, Summary: h.Summary}
	case pipeline.Handoff:
		r = HandoffRequest{Queue: h.Queue, Reason: h.Reason, Priority: h.Priority, Skills: h.Skills, Summary: h.Summary}
	default:
		return HandoffRequest{}, false
	}
	if r.Queue == "" {
		r.Queue = defaultQueue
	}
	return r, true
}
