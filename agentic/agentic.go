// Package agentic decides what the bot says: it takes the conversation so
// far and the caller's turn, and streams back sentences, tool calls,
// recognition hints for the next turn, and control actions (hand off to a
// human, end the call, send DTMF).
//
// This file is the contract. An Agent is the pipeline's agent; a Factory
// makes one per call, holding that call's dialogue state. The agents live in
// subpackages: agentic/flow (YAML flows with slot filling, the default, no
// LLM needed), agentic/llm (an OpenAI-compatible chat model with tools) and
// agentic/hybrid (flows for known intents, the LLM for the rest). Tools
// (agentic/webhook, the knowledge search) are shared by both.
package agentic

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
)

// Agent answers one call's caller turns; see pipeline.Agent. An Agent made
// by a Factory may hold the call's state and is used by one call only;
// Respond is never called concurrently for one call. If it implements
// io.Closer, it is closed when the call ends.
type Agent = pipeline.Agent

// Request is what the agent sees of the call at each turn.
type Request = pipeline.AgentRequest

// Response is one part of an agent's answer.
type Response = pipeline.Response

// ResponseWriter receives an agent's answer as it is produced.
type ResponseWriter = pipeline.ResponseWriter

// Call describes the call an agent is made for.
type Call struct {
	// ID identifies the call.
	ID string
	// Language is the call's language tag ("en", "zh").
	Language string
	// Channel is how the call came in: "sip", "webrtc", "ws" or "chat".
	Channel string
	// From and To are the caller's and the dialled address (SIP URIs or
	// phone numbers) when the transport knows them.
	From, To string
}

// Factory makes the agent of each call. Implementations are safe for
// concurrent use.
type Factory interface {
	NewAgent(call Call) (Agent, error)
}

// FactoryFunc adapts a function to a Factory.
type FactoryFunc func(call Call) (Agent, error)

// NewAgent calls fn(call).
func (fn FactoryFunc) NewAgent(call Call) (Agent, error) { return fn(call) }

// Action kinds, as ActionKind returns them.
const (
	KindHandoff  = "handoff"
	KindEndCall  = "end_call"
	KindSendDTMF = "send_dtmf"
	KindIntent   = "intent"
	KindToolCall = "tool_call"
)

// Handoff asks for the call to go to a queue of human agents. The agent
// says something first ("let me transfer you") and writes the Handoff with
// AfterSpeech set.
type Handoff struct {
	// Queue names the queue ("general", "billing", "mandarin").
	Queue string `json:"queue"`
	// Reason says why, for the human agent and reports ("caller asked for
	// an agent", "two failed attempts at the order number").
	Reason string `json:"reason"`
	// Priority orders calls within a queue; higher is served first.
	// 0 is normal.
	Priority int `json:"priority"`
	// Skills the human agent needs ("mandarin", "returns").
	Skills []string `json:"skills,omitempty"`
	// Intent and Slots are what the bot understood, for the agent's screen.
	Intent string            `json:"intent,omitempty"`
	Slots  map[string]string `json:"slots,omitempty"`
	// Summary is a short account of the call so far.
	Summary string `json:"summary,omitempty"`
}

// ActionKind returns KindHandoff.
func (Handoff) ActionKind() string { return KindHandoff }

// EndCall asks for the call to be hung up, normally after the goodbye
// (AfterSpeech).
type EndCall struct {
	// Reason says why ("caller said goodbye", "no answer").
	Reason string `json:"reason"`
}

// ActionKind returns KindEndCall.
func (EndCall) ActionKind() string { return KindEndCall }

// SendDTMF asks the transport to send keypad digits to the far end (for
// example to navigate another IVR after a transfer).
type SendDTMF struct {
	// Digits are "0"-"9", "*", "#", "A"-"D"; "," is a pause of 500 ms.
	Digits string `json:"digits"`
}

// ActionKind returns KindSendDTMF.
func (SendDTMF) ActionKind() string { return KindSendDTMF }

// Understood records what the agent understood of the caller's turn, for
// events, call records, QA and the agent desktop. Agents write it before
// their answer's text.
type Understood struct {
	nlu.Result
}

// ActionKind returns KindIntent.
func (Understood) ActionKind() string { return KindIntent }

// ToolCall records a tool the agent called and what came back.
type ToolCall struct {
	// ID is the call's identifier (the LLM's tool call id, or one the flow
	// agent makes).
	ID string `json:"id"`
	// Name is the tool's name.
	Name string `json:"name"`
	// Arguments are the JSON arguments the tool was called with.
	Arguments json.RawMessage `json:"arguments"`
	// Result is the tool's JSON result; empty when it failed.
	Result json.RawMessage `json:"result,omitempty"`
	// Error is the failure, empty on success.
	Error string `json:"error,omitempty"`
	// Duration is how long the call took.
	Duration time.Duration `json:"duration_ns"`
}

// ActionKind returns KindToolCall.
func (ToolCall) ActionKind() string { return KindToolCall }

// Tool is a function the agent can call: a business system behind a
// webhook, the knowledge search, a transfer. Implementations are safe for
// concurrent use.
type Tool interface {
	// Spec describes the tool to an LLM and in configuration.
	Spec() ToolSpec
	// Call runs the tool with JSON arguments matching Spec().Parameters
	// for call, and returns its JSON result. It returns promptly once ctx
	// is done. An error whose message is meant for the model (bad
	// arguments, "order not found") is a *ToolError.
	Call(ctx context.Context, call Call, args json.RawMessage) (json.RawMessage, error)
}

// ToolSpec describes a tool.
type ToolSpec struct {
	// Name is the tool's identifier, [a-zA-Z0-9_-]{1,64}.
	Name string `json:"name"`
	// Description says what it does and when to use it.
	Description string `json:"description"`
	// Parameters is the JSON Schema of its arguments (an object schema).
	Parameters json.RawMessage `json:"parameters"`
}
