package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/agentic"
)

// Names of the tools every LLM agent has.
const (
	// ToolTransfer hands the call to a human: the agent says the model's
	// text, then writes an agentic.Handoff with AfterSpeech.
	ToolTransfer = "transfer_to_human"
	// ToolEndCall ends the call after the goodbye: an agentic.EndCall with
	// AfterSpeech.
	ToolEndCall = "end_call"
)

// Bounds on what the model sends and what goes back to it.
const (
	// maxArguments bounds a tool call's arguments, in bytes.
	maxArguments = 64 << 10
	// maxCalls bounds the tool calls of one model answer.
	maxCalls = 16
	// maxToolResult bounds a tool result given to the model, in bytes.
	maxToolResult = 16 << 10
)

// toolNameRE is what OpenAI accepts as a function name.
var toolNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// errToolTimeout is the cancellation cause of a tool call that ran out of
// Config.ToolTimeout.
var errToolTimeout = errors.New("agentic/llm: tool timed out")

// builtinSpecs returns the specs of the built-in tools for cfg.
func builtinSpecs(cfg Config) []agentic.ToolSpec {
	props := map[string]any{
		"reason":  map[string]any{"type": "string", "description": "Why the caller needs a person, in a few words."},
		"summary": map[string]any{"type": "string", "description": "One or two sentences on what the caller wants and what was done so far, for the human agent."},
	}
	if len(cfg.HandoffQueues) > 1 {
		props["queue"] = map[string]any{"type": "string", "enum": cfg.HandoffQueues, "description": "The team that should take the call."}
	}
	transfer, _ := json.Marshal(map[string]any{"type": "object", "properties": props, "required": []string{"reason"}})
	end, _ := json.Marshal(map[string]any{
		"type":       "object",
		"properties": map[string]any{"reason": map[string]any{"type": "string", "description": "Why the call ends, in a few words."}},
		"required":   []string{"reason"},
	})
	return []agentic.ToolSpec{
		{Name: ToolTransfer, Description: "Transfer the caller to a human agent. Use it when the caller asks for a person, is upset, or needs something you cannot do. Say one short sentence to the caller first.", Parameters: transfer},
		{Name: ToolEndCall, Description: "End the call. Use it only after the caller said they need nothing more and you said goodbye.", Parameters: end},
	}
}

// toolDefs checks the tools' specs and returns them with the built-in ones
// as the request's tool definitions.
func toolDefs(cfg Config, tools []agentic.Tool) (map[string]agentic.Tool, []agentic.ToolSpec, []goopenai.Tool, error) {
	byName := make(map[string]agentic.Tool, len(tools))
	specs := builtinSpecs(cfg)
	seen := map[string]bool{ToolTransfer: true, ToolEndCall: true}
	for i, t := range tools {
		if t == nil {
			return nil, nil, nil, fmt.Errorf("%w: tool %d is nil", ErrConfig, i)
		}
		s := t.Spec()
		if !toolNameRE.MatchString(s.Name) {
			return nil, nil, nil, fmt.Errorf("%w: tool %d: name %q must be 1 to 64 letters, digits, _ or -", ErrConfig, i, s.Name)
		}
		if seen[s.Name] {
			return nil, nil, nil, fmt.Errorf("%w: tool %q: the name is taken (built-in tools are %s and %s)", ErrConfig, s.Name, ToolTransfer, ToolEndCall)
		}
		seen[s.Name] = true
		if len(bytes.TrimSpace(s.Parameters)) == 0 {
			s.Parameters = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(s.Parameters, &obj); err != nil {
			return nil, nil, nil, fmt.Errorf("%w: tool %q: parameters must be a JSON Schema object: %w", ErrConfig, s.Name, err)
		}
		byName[s.Name] = t
		specs = append(specs, s)
	}
	defs := make([]goopenai.Tool, 0, len(specs))
	for _, s := range specs {
		defs = append(defs, goopenai.Tool{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{
			Name: s.Name, Description: s.Description, Parameters: s.Parameters,
		}})
	}
	return byName, specs, defs, nil
}

// decodeArguments turns the arguments text of a model's tool call into a
// compact JSON object. It accepts what models send: surrounding space or a
// Markdown code fence, an empty string for no arguments, and an object
// encoded twice (a JSON string holding the object). Anything else is an
// error saying what is wrong, to be given back to the model.
func decodeArguments(raw string) (json.RawMessage, error) {
	if len(raw) > maxArguments {
		return nil, fmt.Errorf("the arguments are longer than %d bytes", maxArguments)
	}
	s := strings.TrimSpace(raw)
	if strings.HasPrefix(s, "```") {
		s = strings.TrimPrefix(s, "```")
		if nl := strings.IndexByte(s, '\n'); nl >= 0 && !strings.Contains(s[:nl], "{") {
			s = s[nl+1:] // the fence's language tag
		}
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
	}
	if s == "" || s == "null" {
		return json.RawMessage(`{}`), nil
	}
	if !utf8.ValidString(s) {
		return nil, errors.New("the arguments are not valid UTF-8")
	}
	if s[0] == '"' {
		var inner string
		if err := json.Unmarshal([]byte(s), &inner); err == nil {
			s = strings.TrimSpace(inner)
		}
	}
	if s == "" || s[0] != '{' {
		return nil, errors.New("the arguments must be a JSON object such as {\"query\": \"...\"}")
	}
	var out bytes.Buffer
	if err := json.Compact(&out, []byte(s)); err != nil {
		return nil, fmt.Errorf("the arguments are not valid JSON: %w", err)
	}
	return out.Bytes(), nil
}

// pendingCall is a tool call being assembled from stream deltas.
type pendingCall struct {
	index    int
	id, name string
	args     strings.Builder
	overflow bool
}

// accumulator assembles the tool calls of one model answer from their
// deltas: the first delta of a call carries its index, id and name, the
// next ones fragments of its arguments.
type accumulator struct {
	calls []*pendingCall
}

// add applies one chunk's tool-call deltas.
func (a *accumulator) add(deltas []goopenai.ToolCall) {
	for _, d := range deltas {
		c := a.find(d)
		if c == nil {
			continue
		}
		if c.id == "" {
			c.id = d.ID
		}
		if c.name == "" {
			c.name = d.Function.Name
		}
		if c.args.Len()+len(d.Function.Arguments) > maxArguments {
			c.overflow = true
			continue
		}
		c.args.WriteString(d.Function.Arguments)
	}
}

// find returns the call a delta belongs to, making it if it is new; nil
// when the answer already holds maxCalls calls. Servers that send no index
// give each new id a new call.
func (a *accumulator) find(d goopenai.ToolCall) *pendingCall {
	switch {
	case d.Index != nil:
		for _, c := range a.calls {
			if c.index == *d.Index {
				return c
			}
		}
	case d.ID != "":
		for _, c := range a.calls {
			if c.id == d.ID {
				return c
			}
		}
	case len(a.calls) > 0:
		return a.calls[len(a.calls)-1]
	}
	if len(a.calls) >= maxCalls {
		return nil
	}
	idx := len(a.calls)
	if d.Index != nil {
		idx = *d.Index
	}
	c := &pendingCall{index: idx}
	a.calls = append(a.calls, c)
	return c
}

// toolResult is a tool call's outcome for the model and for the record.
type toolResult struct {
	content string           // the tool message's content
	record  agentic.ToolCall // the action written for the call
	invalid bool             // the call itself was malformed
}

// errorContent returns a tool message that reports an error to the model.
func errorContent(msg string) string {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return string(b)
}

// runTool runs one of the given tools. Failures become results for the
// model; only the end of the turn (ctx) is an error.
func (t *turn) runTool(c *pendingCall) (toolResult, error) {
	rec := agentic.ToolCall{ID: c.id, Name: c.name}
	tool, ok := t.a.f.tools[c.name]
	if !ok {
		rec.Arguments = rawString(c.args.String())
		if args, err := decodeArguments(c.args.String()); err == nil {
			rec.Arguments = args
		}
		rec.Error = fmt.Sprintf("unknown tool %q", c.name)
		return toolResult{content: errorContent(fmt.Sprintf("there is no tool named %q: call only the tools you were given", c.name)), record: rec, invalid: true}, nil
	}
	args, err := decodeArguments(c.args.String())
	if c.overflow {
		args, err = nil, fmt.Errorf("the arguments are longer than %d bytes", maxArguments)
	}
	if err != nil {
		rec.Arguments = rawString(c.args.String())
		rec.Error = err.Error()
		return toolResult{content: errorContent(err.Error() + ": call " + c.name + " again with valid JSON arguments"), record: rec, invalid: true}, nil
	}
	rec.Arguments = args
	tctx, cancel := context.WithCancelCause(t.ctx)
	defer cancel(nil)
	timer := afterFunc(t.a.f.clock, t.a.f.cfg.ToolTimeout, func() { cancel(errToolTimeout) })
	start := t.a.f.clock.Now()
	res, err := tool.Call(tctx, t.a.call, args)
	timer.Stop()
	rec.Duration = t.a.f.clock.Now().Sub(start)
	if t.ctx.Err() != nil {
		return toolResult{}, t.ctxErr()
	}
	var te *agentic.ToolError
	switch {
	case err == nil:
		rec.Result = asJSON(res)
		return toolResult{content: truncate(string(rec.Result), maxToolResult), record: rec}, nil
	case errors.As(err, &te):
		rec.Error = te.Message
		return toolResult{content: errorContent(te.Message), record: rec}, nil
	case errors.Is(context.Cause(tctx), errToolTimeout):
		rec.Error = fmt.Sprintf("no answer within tool_timeout (%v)", t.a.f.cfg.ToolTimeout)
		t.a.log.Warn("tool timed out", "tool", c.name, "timeout", t.a.f.cfg.ToolTimeout)
		return toolResult{content: errorContent("the tool did not answer in time: tell the caller you cannot check this right now"), record: rec}, nil
	default:
		rec.Error = err.Error()
		t.a.log.Warn("tool failed", "tool", c.name, "err", err)
		return toolResult{content: errorContent("the tool failed: tell the caller you cannot check this right now"), record: rec}, nil
	}
}

// rawString returns s as a JSON string, for arguments that are not JSON.
func rawString(s string) json.RawMessage {
	b, _ := json.Marshal(strings.ToValidUTF8(s, "?"))
	return b
}

// asJSON returns a tool's result as valid JSON: as is when it is, else as
// a JSON string.
func asJSON(res json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(res)) == 0 {
		return json.RawMessage(`null`)
	}
	if json.Valid(res) {
		return res
	}
	return rawString(string(res))
}

// truncate cuts s to at most n bytes of whole runes, saying so.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + " ... [result truncated]"
}

// handoffArgs are transfer_to_human's arguments.
type handoffArgs struct {
	Queue   string `json:"queue"`
	Reason  string `json:"reason"`
	Summary string `json:"summary"`
}

// endArgs are end_call's arguments.
type endArgs struct {
	Reason string `json:"reason"`
}

// decodeLenient decodes a built-in tool's arguments into v, leaving v as
// it is when they are malformed: the caller asked to be transferred or to
// hang up, and that is done even without a reason.
func decodeLenient(raw string, v any) {
	if args, err := decodeArguments(raw); err == nil {
		_ = json.Unmarshal(args, v)
	}
}
