package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/internal/openaitest"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a ResponseWriter that keeps what the agent wrote and, like
// the session's, fails once ctx is done.
type recorder struct {
	ctx context.Context
	mu  sync.Mutex
	got []agentic.Response
}

// WriteResponse records r.
func (r *recorder) WriteResponse(resp agentic.Response) error {
	if r.ctx != nil && r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, resp)
	return nil
}

// responses returns a copy of what was written.
func (r *recorder) responses() []agentic.Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]agentic.Response(nil), r.got...)
}

// texts returns the sentences written, in order.
func (r *recorder) texts() []string {
	var out []string
	for _, resp := range r.responses() {
		if resp.Text != "" {
			out = append(out, resp.Text)
		}
	}
	return out
}

// summary describes what was written as "text" and "<kind>" items, with
// "!" after an action written with AfterSpeech.
func (r *recorder) summary() []string {
	var out []string
	for _, resp := range r.responses() {
		if resp.Text != "" {
			out = append(out, resp.Text)
		}
		if resp.Action != nil {
			s := "<" + resp.Action.ActionKind() + ">"
			if resp.AfterSpeech {
				s += "!"
			}
			out = append(out, s)
		}
	}
	return out
}

// actions returns the actions written, in order.
func (r *recorder) actions() []agentic.Response {
	var out []agentic.Response
	for _, resp := range r.responses() {
		if resp.Action != nil {
			out = append(out, resp)
		}
	}
	return out
}

// fakeTool is a scripted tool that records its calls.
type fakeTool struct {
	spec agentic.ToolSpec
	fn   func(ctx context.Context, args json.RawMessage) (json.RawMessage, error)

	mu    sync.Mutex
	calls []json.RawMessage
	call  agentic.Call
}

// Spec returns the tool's spec.
func (f *fakeTool) Spec() agentic.ToolSpec { return f.spec }

// Call records the call and runs fn.
func (f *fakeTool) Call(ctx context.Context, call agentic.Call, args json.RawMessage) (json.RawMessage, error) {
	f.mu.Lock()
	f.calls = append(f.calls, append(json.RawMessage(nil), args...))
	f.call = call
	f.mu.Unlock()
	return f.fn(ctx, args)
}

// recorded returns the arguments of the calls so far.
func (f *fakeTool) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.calls))
	for i, c := range f.calls {
		out[i] = string(c)
	}
	return out
}

// kbTool returns a fake kb_search answering with one article.
func kbTool() *fakeTool {
	return &fakeTool{
		spec: agentic.ToolSpec{Name: "kb_search", Description: "Search the help articles.", Parameters: json.RawMessage(`{"type":"object","properties":{"query":{"type":"string"},"k":{"type":"integer"}},"required":["query"]}`)},
		fn: func(ctx context.Context, args json.RawMessage) (json.RawMessage, error) {
			return json.RawMessage(`[{"doc":"returns-policy.md","heading":"Returns Policy > How long you have","text":"You have 60 days to return unworn items.","score":0.9}]`), nil
		},
	}
}

// spyClock is a fake clock that records the tickers made on it.
type spyClock struct {
	*pipelinetest.Clock
	mu   sync.Mutex
	made []time.Duration
}

// NewTicker records d and makes the ticker.
func (c *spyClock) NewTicker(d time.Duration) pipeline.Ticker {
	c.mu.Lock()
	c.made = append(c.made, d)
	c.mu.Unlock()
	return c.Clock.NewTicker(d)
}

// tickers returns the periods of the tickers made so far.
func (c *spyClock) tickers() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.made...)
}

// harness is an agent of a factory talking to an openaitest server, with
// a fake clock.
type harness struct {
	srv   *openaitest.Server
	clock *spyClock
	f     *Factory
	agent agentic.Agent
	rec   *recorder
}

// testConfig returns the configuration the tests start from.
func testConfig() Config {
	c := DefaultConfig()
	c.Model = "gpt-test"
	c.Persona = Persona{Name: "Ava", Company: "Northwind Outfitters", Style: "warm"}
	return c
}

// newHarness starts a server and makes an agent for an English call.
func newHarness(t *testing.T, cfg Config, tools []agentic.Tool, replies ...openaitest.Reply) *harness {
	t.Helper()
	srv := openaitest.NewServer(openaitest.WithAPIKey("sk-test-key"))
	t.Cleanup(srv.Close)
	srv.Enqueue(replies...)
	cfg.BaseURL, cfg.APIKey = srv.URL(), "sk-test-key"
	clock := &spyClock{Clock: pipelinetest.NewClock(time.Time{})}
	f, err := New(cfg, tools, WithHTTPClient(srv.Client()), WithClock(clock), WithEnv(nil), WithJitter(func() float64 { return 0.5 }))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a, err := f.NewAgent(agentic.Call{ID: "call-1", Language: "en", Channel: "sip"})
	if err != nil {
		t.Fatalf("NewAgent: %v", err)
	}
	return &harness{srv: srv, clock: clock, f: f, agent: a, rec: &recorder{}}
}

// request returns a caller turn with its history.
func request(text string) agentic.Request {
	return agentic.Request{CallID: "call-1", Turn: 2, Language: "en", Text: text,
		History: []pipeline.Message{{Role: pipeline.RoleBot, Text: "Hi, this is Ava. How can I help?"}, {Role: pipeline.RoleCaller, Text: text}}}
}

// respond runs Respond in a goroutine and returns its result channel.
func (h *harness) respond(ctx context.Context, req agentic.Request, w agentic.ResponseWriter) <-chan error {
	done := make(chan error, 1)
	go func() { done <- h.agent.Respond(ctx, req, w) }()
	return done
}

// toolMessages returns the tool messages of a request as "id=content".
func toolMessages(r openaitest.Request) []string {
	var out []string
	for _, m := range r.Messages {
		if m.Role == "tool" {
			out = append(out, m.ToolCallID+"="+m.Content)
		}
	}
	return out
}

// roles returns the roles of a request's messages, joined by spaces.
func roles(r openaitest.Request) string {
	var out []string
	for _, m := range r.Messages {
		out = append(out, m.Role)
	}
	return strings.Join(out, " ")
}

// quoted formats strings for failure messages.
func quoted(ss []string) string { return fmt.Sprintf("%q", ss) }
