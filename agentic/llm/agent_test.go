package llm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/internal/openaitest"
)

func TestRespond(t *testing.T) {
	type check func(t *testing.T, h *harness, tool *fakeTool, rec *recorder)
	tests := []struct {
		desc     string
		cfg      func(*Config)
		tool     func(*fakeTool)
		replies  []openaitest.Reply
		want     []string // recorder.summary()
		wantErr  error
		requests int
		check    check
	}{
		{
			desc:     "a streamed answer is cut into sentences, in order",
			replies:  []openaitest.Reply{openaitest.Text("You have sixty days to return it. Would you like a label? I can email it!")},
			want:     []string{"You have sixty days to return it.", "Would you like a label?", "I can email it!"},
			requests: 1,
		},
		{
			desc:     "numbers and titles split across tokens stay whole",
			replies:  []openaitest.Reply{openaitest.Stream("Shipping is $4", ".", "95 for Mr", ". Smith", ". Anything else", "?")},
			want:     []string{"Shipping is $4.95 for Mr. Smith.", "Anything else?"},
			requests: 1,
		},
		{
			desc:     "Mandarin sentences are cut at Chinese punctuation",
			replies:  []openaitest.Reply{openaitest.Stream("您好！", "退货期限是", "六十天。", "还有什么", "可以帮您？")},
			want:     []string{"您好！", "退货期限是六十天。", "还有什么可以帮您？"},
			requests: 1,
		},
		{
			desc: "a kb_search round trip: the tool runs, its result goes back, the answer is spoken",
			replies: []openaitest.Reply{
				openaitest.Calls("Let me check that.", openaitest.ToolCall{ID: "call_kb", Name: "kb_search", Arguments: `{"query": "return window", "k": 3}`}),
				openaitest.Text("You have sixty days to return unworn items."),
			},
			want:     []string{"Let me check that.", "<tool_call>", "You have sixty days to return unworn items."},
			requests: 2,
			check: func(t *testing.T, h *harness, tool *fakeTool, rec *recorder) {
				if got := tool.recorded(); len(got) != 1 || got[0] != `{"query":"return window","k":3}` {
					t.Errorf("tool called with %q", got)
				}
				if tool.call.ID != "call-1" || tool.call.Language != "en" {
					t.Errorf("tool got call %+v", tool.call)
				}
				second := h.srv.Requests()[1]
				if got := toolMessages(second); len(got) != 1 || !strings.HasPrefix(got[0], `call_kb=[{"doc":"returns-policy.md"`) {
					t.Errorf("tool messages %q", got)
				}
				asst := second.Messages[len(second.Messages)-2]
				if asst.Role != "assistant" || asst.Content != "Let me check that." || len(asst.ToolCalls) != 1 || asst.ToolCalls[0].Arguments != `{"query":"return window","k":3}` {
					t.Errorf("assistant message %+v", asst)
				}
				tc := rec.actions()[0].Action.(agentic.ToolCall)
				if tc.ID != "call_kb" || tc.Name != "kb_search" || tc.Error != "" || !strings.Contains(string(tc.Result), "returns-policy.md") || rec.actions()[0].AfterSpeech {
					t.Errorf("tool call action %+v", tc)
				}
				if second.ToolChoiceString() != "auto" || len(second.Tools) != 3 {
					t.Errorf("second request tool_choice %q with %d tools", second.ToolChoiceString(), len(second.Tools))
				}
			},
		},
		{
			desc:     "transfer_to_human: the model's text, then the handoff after speech",
			cfg:      func(c *Config) { c.HandoffQueues, c.DefaultQueue = []string{"general", "billing"}, "general" },
			replies:  []openaitest.Reply{openaitest.Calls("Let me transfer you to billing.", openaitest.Call(ToolTransfer, `{"queue":"billing","reason":"double charge","summary":"Caller was charged twice."}`))},
			want:     []string{"Let me transfer you to billing.", "<handoff>!"},
			requests: 1,
			check: func(t *testing.T, h *harness, _ *fakeTool, rec *recorder) {
				got := rec.actions()[0].Action.(agentic.Handoff)
				if got.Queue != "billing" || got.Reason != "double charge" || got.Summary != "Caller was charged twice." {
					t.Errorf("handoff %+v", got)
				}
				var queue map[string]any
				for _, tool := range h.srv.Requests()[0].Tools {
					if tool.Name == ToolTransfer {
						_ = json.Unmarshal(tool.Parameters, &queue)
					}
				}
				if !strings.Contains(mustJSON(queue), `"enum":["general","billing"]`) {
					t.Errorf("transfer parameters %s do not offer the queues", mustJSON(queue))
				}
			},
		},
		{
			desc:     "a transfer without text says a line of its own, and an unknown queue goes to the default",
			replies:  []openaitest.Reply{openaitest.Calls("", openaitest.Call(ToolTransfer, `{"queue":"legal","reason":"asked for a person"}`))},
			want:     []string{"One moment, I'll transfer you to a colleague.", "<handoff>!"},
			requests: 1,
			check: func(t *testing.T, _ *harness, _ *fakeTool, rec *recorder) {
				if got := rec.actions()[0].Action.(agentic.Handoff); got.Queue != "general" {
					t.Errorf("queue %q, want general", got.Queue)
				}
			},
		},
		{
			desc:     "end_call: goodbye, then the hang-up after speech",
			replies:  []openaitest.Reply{openaitest.Calls("Thanks for calling Northwind. Goodbye!", openaitest.Call(ToolEndCall, `{"reason":"caller is done"}`))},
			want:     []string{"Thanks for calling Northwind.", "Goodbye!", "<end_call>!"},
			requests: 1,
		},
		{
			desc: "malformed tool-call JSON is given back to the model once, which then answers",
			replies: []openaitest.Reply{
				openaitest.Calls("", openaitest.ToolCall{ID: "call_bad", Name: "kb_search", Arguments: `{"query": "return`}),
				openaitest.Calls("", openaitest.ToolCall{ID: "call_ok", Name: "kb_search", Arguments: `{"query": "return window"}`}),
				openaitest.Text("You have sixty days."),
			},
			want:     []string{"<tool_call>", "<tool_call>", "You have sixty days."},
			requests: 3,
			check: func(t *testing.T, h *harness, tool *fakeTool, rec *recorder) {
				if got := tool.recorded(); len(got) != 1 {
					t.Errorf("tool ran %d times, want once (not for the malformed call)", len(got))
				}
				msgs := toolMessages(h.srv.Requests()[1])
				if len(msgs) != 1 || !strings.Contains(msgs[0], "not valid JSON") {
					t.Errorf("error result %q", msgs)
				}
				bad := rec.actions()[0].Action.(agentic.ToolCall)
				if bad.Error == "" || string(bad.Arguments) != `"{\"query\": \"return"` {
					t.Errorf("malformed call recorded as %+v", bad)
				}
				if asst := h.srv.Requests()[1].Messages; asst[len(asst)-2].ToolCalls[0].Arguments != "{}" {
					t.Errorf("malformed arguments echoed as %q", asst[len(asst)-2].ToolCalls[0].Arguments)
				}
			},
		},
		{
			desc: "malformed tool calls twice: the fallback",
			replies: []openaitest.Reply{
				openaitest.Calls("", openaitest.Call("kb_search", `{"query": `)),
				openaitest.Calls("", openaitest.Call("kb_search", `not json`)),
			},
			want:     []string{"<tool_call>", "<tool_call>", "Sorry, I'm having trouble right now. Let me transfer you to a colleague.", "<handoff>!"},
			wantErr:  ErrToolCalls,
			requests: 2,
		},
		{
			desc: "an unknown tool gets an error result and the model answers",
			replies: []openaitest.Reply{
				openaitest.Calls("", openaitest.ToolCall{ID: "call_x", Name: "lookup_order", Arguments: `{"order":"4827163"}`}),
				openaitest.Text("I can't look up orders, but I can transfer you."),
			},
			want:     []string{"<tool_call>", "I can't look up orders, but I can transfer you."},
			requests: 2,
			check: func(t *testing.T, h *harness, _ *fakeTool, rec *recorder) {
				if msgs := toolMessages(h.srv.Requests()[1]); len(msgs) != 1 || !strings.Contains(msgs[0], `there is no tool named \"lookup_order\"`) {
					t.Errorf("tool messages %q", msgs)
				}
			},
		},
		{
			desc:     "HTTP 500 without retries: the fallback and the handoff",
			cfg:      func(c *Config) { c.Retries = 0 },
			replies:  []openaitest.Reply{openaitest.ErrorReply(http.StatusInternalServerError, "")},
			want:     []string{"Sorry, I'm having trouble right now. Let me transfer you to a colleague.", "<handoff>!"},
			wantErr:  ErrUnavailable,
			requests: 1,
			check: func(t *testing.T, _ *harness, _ *fakeTool, rec *recorder) {
				if h := rec.actions()[0].Action.(agentic.Handoff); h.Queue != "general" || !strings.Contains(h.Reason, "HTTP 500") || !strings.Contains(h.Summary, "return my jacket") {
					t.Errorf("fallback handoff %+v", h)
				}
			},
		},
		{
			desc:     "HTTP 401 is not retried; the apology alone when no fallback queue is set",
			cfg:      func(c *Config) { c.FallbackQueue = "" },
			replies:  []openaitest.Reply{openaitest.ErrorReply(http.StatusUnauthorized, "")},
			want:     []string{"Sorry, I'm having trouble right now. Please try again in a moment."},
			wantErr:  ErrAuth,
			requests: 1,
		},
		{
			desc:     "a disconnect mid-stream: the sentences already said stand, then the fallback",
			replies:  []openaitest.Reply{{Content: "You have sixty days. Refunds take five days. And then", Disconnect: true, DisconnectAfter: 10}},
			want:     []string{"You have sixty days.", "Refunds take five days.", "Sorry, I'm having trouble right now. Let me transfer you to a colleague.", "<handoff>!"},
			wantErr:  ErrUnavailable,
			requests: 1,
		},
		{
			desc:     "an empty answer: the fallback",
			cfg:      func(c *Config) { c.FallbackPrompt = "Please hold for a colleague." },
			replies:  []openaitest.Reply{openaitest.Text("")},
			want:     []string{"Please hold for a colleague.", "<handoff>!"},
			wantErr:  ErrEmptyReply,
			requests: 1,
		},
		{
			desc:     "a long answer is cut at max_sentences and the stream is dropped",
			cfg:      func(c *Config) { c.MaxSentences = 2 },
			replies:  []openaitest.Reply{openaitest.Text("One. Two. Three. Four. Five.")},
			want:     []string{"One.", "Two."},
			requests: 1,
		},
		{
			desc:     "an answer cut by the token limit leaves its last sentence unsaid",
			replies:  []openaitest.Reply{{Content: "Your refund is on its way. It should arrive within five", FinishReason: "length"}},
			want:     []string{"Your refund is on its way."},
			requests: 1,
		},
		{
			desc:     "markup is removed from what is spoken",
			replies:  []openaitest.Reply{openaitest.Text("**Good news:** your order `4827163` shipped.\n- It arrives Friday.")},
			want:     []string{"Good news: your order 4827163 shipped.", "It arrives Friday."},
			requests: 1,
		},
		{
			desc: "past max_tool_rounds the model is told to answer without tools, and the fallback follows if it does not",
			cfg:  func(c *Config) { c.MaxToolRounds = 1 },
			replies: []openaitest.Reply{
				openaitest.Calls("", openaitest.Call("kb_search", `{"query":"a"}`)),
				openaitest.Calls("", openaitest.Call("kb_search", `{"query":"b"}`)),
			},
			want:     []string{"<tool_call>", "Sorry, I'm having trouble right now. Let me transfer you to a colleague.", "<handoff>!"},
			wantErr:  ErrToolRounds,
			requests: 2,
			check: func(t *testing.T, h *harness, _ *fakeTool, _ *recorder) {
				reqs := h.srv.Requests()
				if reqs[0].ToolChoiceString() != "auto" || reqs[1].ToolChoiceString() != "none" {
					t.Errorf("tool_choice %q then %q, want auto then none", reqs[0].ToolChoiceString(), reqs[1].ToolChoiceString())
				}
			},
		},
		{
			desc: "a failing tool gives the model an error result to talk about",
			tool: func(f *fakeTool) {
				f.fn = func(context.Context, json.RawMessage) (json.RawMessage, error) {
					return nil, &agentic.ToolError{Tool: "kb_search", Message: "index unavailable"}
				}
			},
			replies:  []openaitest.Reply{openaitest.Calls("", openaitest.Call("kb_search", `{"query":"x"}`)), openaitest.Text("Sorry, I can't check that right now.")},
			want:     []string{"<tool_call>", "Sorry, I can't check that right now."},
			requests: 2,
			check: func(t *testing.T, h *harness, tool *fakeTool, rec *recorder) {
				if tc := rec.actions()[0].Action.(agentic.ToolCall); tc.Error != "index unavailable" || tc.Result != nil {
					t.Errorf("tool call action %+v", tc)
				}
				if msgs := toolMessages(h.srv.Requests()[1]); len(msgs) != 1 || !strings.Contains(msgs[0], "index unavailable") {
					t.Errorf("tool messages %q", msgs)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			tool := kbTool()
			if tc.tool != nil {
				tc.tool(tool)
			}
			h := newHarness(t, cfg, []agentic.Tool{tool}, tc.replies...)
			rec := &recorder{}
			err := h.agent.Respond(context.Background(), request("i want to return my jacket"), rec)
			if (tc.wantErr == nil) != (err == nil) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Fatalf("Respond = %v, want %v", err, tc.wantErr)
			}
			if got := rec.summary(); quoted(got) != quoted(tc.want) {
				t.Errorf("wrote %s\nwant  %s", quoted(got), quoted(tc.want))
			}
			if got := h.srv.Len(); got != tc.requests {
				t.Errorf("%d requests, want %d", got, tc.requests)
			}
			for _, r := range h.srv.Requests() {
				if r.Err != nil {
					t.Errorf("request %d refused: %v", r.N, r.Err)
				}
			}
			if tc.check != nil {
				tc.check(t, h, tool, rec)
			}
		})
	}
}

// mustJSON formats v as JSON.
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRequestShape(t *testing.T) {
	h := newHarness(t, testConfig(), []agentic.Tool{kbTool()}, openaitest.Text("Sure."))
	if err := h.agent.Respond(context.Background(), request("hello"), &recorder{}); err != nil {
		t.Fatal(err)
	}
	r := h.srv.Requests()[0]
	if !r.Stream || r.Model != "gpt-test" || r.MaxTokens != 400 || r.Temperature == nil || *r.Temperature < 0.29 || *r.Temperature > 0.31 {
		t.Errorf("request stream=%v model=%q max_tokens=%d temperature=%v", r.Stream, r.Model, r.MaxTokens, r.Temperature)
	}
	var names []string
	for _, tool := range r.Tools {
		names = append(names, tool.Name)
	}
	if strings.Join(names, ",") != "transfer_to_human,end_call,kb_search" {
		t.Errorf("tools %v", names)
	}
	sys := r.Messages[0].Content
	for _, want := range []string{"You are Ava, the voice assistant of Northwind Outfitters", "Speak English only", "call kb_search first", "Wednesday, 1 January 2025"} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, sys)
		}
	}
}

func TestZeroTemperatureIsSent(t *testing.T) {
	cfg := testConfig()
	cfg.Temperature = 0
	h := newHarness(t, cfg, nil, openaitest.Text("Sure."))
	if err := h.agent.Respond(context.Background(), request("hello"), &recorder{}); err != nil {
		t.Fatal(err)
	}
	if r := h.srv.Requests()[0]; r.Temperature == nil || *r.Temperature > 1e-6 {
		t.Errorf("temperature %v, want (nearly) zero sent explicitly", r.Temperature)
	}
}
