package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"text/template"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/pipeline"
)

// Factory makes the LLM agent of each call. It is safe for concurrent use
// and holds no per-call state; its agents share its HTTP client.
type Factory struct {
	cfg    Config
	client *goopenai.Client
	prompt *template.Template
	tools  map[string]agentic.Tool
	specs  []agentic.ToolSpec
	defs   []goopenai.Tool
	log    *slog.Logger
	clock  pipeline.Clock
	jitter func() float64
}

// New returns a Factory of agents that answer with the chat model of cfg,
// able to call tools (kb_search, webhooks...) besides the built-in
// transfer_to_human and end_call. Empty cfg.APIKey and cfg.BaseURL are
// filled from the environment (see WithEnv). Errors wrap ErrConfig.
func New(cfg Config, tools []agentic.Tool, opts ...Option) (*Factory, error) {
	s := defaultSettings()
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	cfg = cfg.FromEnv(s.getenv)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	prompt, err := parsePrompt(cfg.SystemPrompt)
	if err != nil {
		return nil, configErr("system_prompt", "%v", err)
	}
	byName, specs, defs, err := toolDefs(cfg, tools)
	if err != nil {
		return nil, err
	}
	cc := goopenai.DefaultConfig(cfg.APIKey)
	cc.BaseURL = cfg.baseURL()
	cc.HTTPClient = headerDoer{next: s.http}
	return &Factory{
		cfg: cfg, client: goopenai.NewClientWithConfig(cc), prompt: prompt,
		tools: byName, specs: specs, defs: defs,
		log: s.log, clock: s.clock, jitter: s.jitter,
	}, nil
}

// NewAgent returns the agent of one call, with the system prompt rendered
// for the call's language.
func (f *Factory) NewAgent(call agentic.Call) (agentic.Agent, error) {
	system, err := f.renderPrompt(call)
	if err != nil {
		return nil, err
	}
	return &agent{f: f, call: call, system: system, lines: linesFor(call.Language),
		log: f.log.With("call_id", call.ID, "agent", "llm")}, nil
}

// agent answers one call's turns.
type agent struct {
	f      *Factory
	call   agentic.Call
	system string
	lines  lines
	log    *slog.Logger
}

// Cancellation causes inside a turn.
var (
	errTurnTimeout = errors.New("agentic/llm: turn timed out")
	errStalled     = errors.New("agentic/llm: stream stalled")
)

// writeError is a failure of the ResponseWriter: the turn cannot say
// anything more, not even the fallback.
type writeError struct{ err error }

func (e writeError) Error() string { return "agentic/llm: writing the answer: " + e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// Respond streams the model's answer to the caller's turn, one Response per
// sentence as soon as it is complete, running the tools the model calls.
// When the model fails (error, timeout, empty or malformed answer) it
// speaks the fallback prompt after whatever was already said, hands off to
// Config.FallbackQueue when set, and returns the failure (wrapping one of
// the package's sentinels) for the session to report. Once ctx is done
// (barge-in) it stops reading the model at once, which cancels the HTTP
// request, and returns ctx.Err().
func (a *agent) Respond(ctx context.Context, req agentic.Request, w agentic.ResponseWriter) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timeout := afterFunc(a.f.clock, a.f.cfg.TurnTimeout, func() { cancel(errTurnTimeout) })
	defer timeout.Stop()
	t := &turn{a: a, ctx: tctx, w: w, msgs: a.messages(req), start: a.f.clock.Now(), req: req}
	err := t.run()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil {
		a.log.Debug("turn answered", "turn", req.Turn, "sentences", t.spoken, "rounds", t.rounds, "took", a.f.clock.Now().Sub(t.start))
		return nil
	}
	var we writeError
	if errors.As(err, &we) {
		return err
	}
	a.log.Warn("model failed, speaking the fallback", "turn", req.Turn, "sentences_said", t.spoken, "err", err)
	if ferr := a.fallback(ctx, w, req, err); ferr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return ferr
	}
	return err
}

// fallback speaks the fallback prompt and hands off when configured.
func (a *agent) fallback(ctx context.Context, w agentic.ResponseWriter, req agentic.Request, cause error) error {
	if err := w.WriteResponse(agentic.Response{Text: a.f.fallbackPrompt(a.call.Language)}); err != nil {
		return err
	}
	if a.f.cfg.FallbackQueue == "" {
		return nil
	}
	reason := "the language model failed"
	var api *APIError
	switch {
	case errors.Is(cause, ErrTimeout):
		reason = "the language model did not answer in time"
	case errors.As(cause, &api):
		reason = fmt.Sprintf("the language model failed (HTTP %d)", api.StatusCode)
	}
	h := agentic.Handoff{Queue: a.f.cfg.FallbackQueue, Reason: reason}
	if text := strings.TrimSpace(callerTurn(req)); text != "" {
		h.Summary = "Last caller turn: " + text
	}
	return w.WriteResponse(agentic.Response{Action: h, AfterSpeech: true})
}

// turn is the state of one Respond call.
type turn struct {
	a       *agent
	ctx     context.Context // cancelled by barge-in or the turn timeout
	w       agentic.ResponseWriter
	req     agentic.Request
	msgs    []goopenai.ChatCompletionMessage
	split   Splitter
	spoken  int  // sentences written this turn
	said    int  // sentences written by the current model request
	rounds  int  // model requests that called tools
	invalid int  // model answers with malformed tool calls
	cut     bool // MaxSentences reached: stop reading
	start   time.Time
}

// run asks the model until it answers without tools.
func (t *turn) run() error {
	for {
		allowTools := t.rounds < t.a.f.cfg.MaxToolRounds
		res, err := t.request(allowTools)
		if err != nil {
			return err
		}
		if t.cut {
			return nil
		}
		if len(res.calls) == 0 {
			if t.said == 0 {
				return fmt.Errorf("%w (finish reason %q)", ErrEmptyReply, res.finish)
			}
			return nil
		}
		if !allowTools {
			return fmt.Errorf("%w: after %d rounds", ErrToolRounds, t.rounds)
		}
		t.rounds++
		done, err := t.handleCalls(res)
		if err != nil || done {
			return err
		}
	}
}

// chatRequest returns the model request for the conversation so far.
func (t *turn) chatRequest(allowTools bool) goopenai.ChatCompletionRequest {
	cfg := t.a.f.cfg
	req := goopenai.ChatCompletionRequest{Model: cfg.Model, Messages: t.msgs, Stream: true}
	if reasoningModel(cfg.Model) {
		req.MaxCompletionTokens = cfg.MaxTokens
	} else {
		req.MaxTokens = cfg.MaxTokens
		req.Temperature = float32(cfg.Temperature)
		if req.Temperature == 0 {
			// go-openai leaves a zero temperature out (the server's
			// default is 1): send the smallest one instead.
			req.Temperature = math.SmallestNonzeroFloat32
		}
	}
	if cfg.MaxToolRounds > 0 {
		req.Tools = t.a.f.defs
		req.ToolChoice = "auto"
		if !allowTools {
			req.ToolChoice = "none"
		}
	}
	return req
}

// reasoningModel reports OpenAI models that take max_completion_tokens and
// a fixed temperature.
func reasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

// say adds streamed content and writes the sentences it completes.
func (t *turn) say(piece string) error {
	t.split.Write(piece)
	return t.drain()
}

// drain writes the complete sentences the splitter holds.
func (t *turn) drain() error {
	for !t.cut {
		s, ok := t.split.Next()
		if !ok {
			return nil
		}
		if err := t.speak(s); err != nil {
			return err
		}
	}
	return nil
}

// speak writes one sentence.
func (t *turn) speak(s string) error {
	s = speakable(s)
	if s == "" {
		return nil
	}
	if err := t.w.WriteResponse(agentic.Response{Text: s}); err != nil {
		return writeError{err}
	}
	t.spoken++
	t.said++
	if t.spoken >= t.a.f.cfg.MaxSentences {
		t.cut = true
	}
	return nil
}

// write writes a response that is not a sentence.
func (t *turn) write(r agentic.Response) error {
	if err := t.w.WriteResponse(r); err != nil {
		return writeError{err}
	}
	return nil
}

// ctxErr returns the error of the turn's ended context: ErrTimeout after
// the turn timeout, else the context's error (barge-in).
func (t *turn) ctxErr() error {
	if errors.Is(context.Cause(t.ctx), errTurnTimeout) {
		return fmt.Errorf("%w: the turn took longer than turn_timeout (%v)", ErrTimeout, t.a.f.cfg.TurnTimeout)
	}
	return t.ctx.Err()
}

// handleCalls runs the tool calls of a model answer and adds them and their
// results to the conversation. done reports a transfer or end of call,
// which ends the turn.
func (t *turn) handleCalls(res roundResult) (done bool, err error) {
	calls := make([]goopenai.ToolCall, 0, len(res.calls))
	for i, c := range res.calls {
		if c.id == "" {
			c.id = fmt.Sprintf("call_%d_%d", t.rounds, i)
		}
		args, aerr := decodeArguments(c.args.String())
		if aerr != nil || c.overflow {
			args = []byte(`{}`) // what the model sent is reported in the tool result
		}
		calls = append(calls, goopenai.ToolCall{ID: c.id, Type: goopenai.ToolTypeFunction, Function: goopenai.FunctionCall{Name: c.name, Arguments: string(args)}})
	}
	t.msgs = append(t.msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleAssistant, Content: res.content, ToolCalls: calls})
	var terminal *pendingCall
	invalid := false
	for _, c := range res.calls {
		content := `{"ok":true}`
		if c.name == ToolTransfer || c.name == ToolEndCall {
			if terminal == nil {
				terminal = c
			}
		} else {
			r, err := t.runTool(c)
			if err != nil {
				return false, err
			}
			invalid = invalid || r.invalid
			content = r.content
			if err := t.write(agentic.Response{Action: r.record}); err != nil {
				return false, err
			}
		}
		t.msgs = append(t.msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleTool, ToolCallID: c.id, Content: content})
	}
	if terminal != nil {
		return true, t.finishWith(terminal)
	}
	if invalid {
		t.invalid++
		if t.invalid > 1 {
			return false, ErrToolCalls
		}
		t.a.log.Info("malformed tool call given back to the model", "turn", t.req.Turn)
	}
	return false, nil
}

// finishWith carries out transfer_to_human or end_call: a line of its own
// when the model said nothing first, then the action after the speech.
func (t *turn) finishWith(c *pendingCall) error {
	if c.name == ToolEndCall {
		var args endArgs
		decodeLenient(c.args.String(), &args)
		if t.said == 0 {
			if err := t.speak(t.a.lines.goodbye); err != nil {
				return err
			}
		}
		return t.write(agentic.Response{Action: agentic.EndCall{Reason: strings.TrimSpace(args.Reason)}, AfterSpeech: true})
	}
	var args handoffArgs
	decodeLenient(c.args.String(), &args)
	queue := t.a.f.cfg.DefaultQueue
	for _, q := range t.a.f.cfg.HandoffQueues {
		if strings.EqualFold(q, strings.TrimSpace(args.Queue)) {
			queue = q
		}
	}
	if t.said == 0 {
		if err := t.speak(t.a.lines.transfer); err != nil {
			return err
		}
	}
	h := agentic.Handoff{Queue: queue, Reason: strings.TrimSpace(args.Reason), Summary: strings.TrimSpace(args.Summary)}
	if h.Reason == "" {
		h.Reason = "the assistant transferred the call"
	}
	return t.write(agentic.Response{Action: h, AfterSpeech: true})
}
