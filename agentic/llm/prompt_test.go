package llm

import (
	"context"
	"strings"
	"testing"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/internal/openaitest"
	"github.com/parley-voice/parley/pipeline"
)

func TestConversationMessages(t *testing.T) {
	bot := func(text string, interrupted bool) pipeline.Message {
		return pipeline.Message{Role: pipeline.RoleBot, Text: text, Interrupted: interrupted}
	}
	caller := func(text string) pipeline.Message { return pipeline.Message{Role: pipeline.RoleCaller, Text: text} }
	tests := []struct {
		desc string
		req  agentic.Request
		cfg  func(*Config)
		want []string // "role: content" after the system prompt
	}{
		{
			desc: "after an interruption the history holds only the heard words, and a note says so",
			req: agentic.Request{Text: "actually it's order four eight two", History: []pipeline.Message{
				caller("where is my order"), bot("I can look that up. What is your", true), caller("actually it's order four eight two"),
			}},
			want: []string{"user: where is my order", "assistant: I can look that up. What is your", "system: " + noteInterrupted, "user: actually it's order four eight two"},
		},
		{
			desc: "keypad digits are a note after the words",
			req:  agentic.Request{Text: "my order number is", DTMF: "4827163", History: []pipeline.Message{caller("my order number is")}},
			want: []string{"user: my order number is [keypad: 4827163]"},
		},
		{
			desc: "digits alone",
			req:  agentic.Request{DTMF: "2#", History: []pipeline.Message{bot("Press 1 or 2.", false), caller("")}},
			want: []string{"assistant: Press 1 or 2.", "user: [keypad: 2#]"},
		},
		{
			desc: "the greeting turn",
			req:  agentic.Request{},
			want: []string{"user: " + noteConnected},
		},
		{
			desc: "asked to speak after the caller fell silent",
			req:  agentic.Request{History: []pipeline.Message{bot("Hello?", false), caller("hi"), bot("How can I help?", false)}},
			want: []string{"assistant: Hello?", "user: hi", "assistant: How can I help?", "user: " + noteSilent},
		},
		{
			desc: "a human agent's words are a note",
			req:  agentic.Request{Text: "thanks", History: []pipeline.Message{{Role: pipeline.RoleAgent, Text: "I've fixed the address."}, caller("thanks")}},
			want: []string{`system: [A human agent on the call said: "I've fixed the address."]`, "user: thanks"},
		},
		{
			desc: "only the latest max_history messages are sent",
			cfg:  func(c *Config) { c.MaxHistory = 3 },
			req:  agentic.Request{Text: "d", History: []pipeline.Message{caller("a"), bot("b", false), caller("c"), bot("e", false), caller("d")}},
			want: []string{"user: c", "assistant: e", "user: d"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			h := newHarness(t, cfg, nil)
			msgs := h.agent.(*agent).messages(tc.req)
			if msgs[0].Role != "system" || !strings.Contains(msgs[0].Content, "Northwind") {
				t.Fatalf("first message %+v", msgs[0])
			}
			var got []string
			for _, m := range msgs[1:] {
				got = append(got, m.Role+": "+m.Content)
			}
			if quoted(got) != quoted(tc.want) {
				t.Errorf("messages %s\nwant     %s", quoted(got), quoted(tc.want))
			}
		})
	}
}

func TestSystemPromptPerCall(t *testing.T) {
	tests := []struct {
		desc     string
		call     agentic.Call
		tools    []agentic.Tool
		want     []string
		dontWant []string
	}{
		{desc: "English with the knowledge tool", call: agentic.Call{Language: "en-US"}, tools: []agentic.Tool{kbTool()},
			want: []string{"Speak English only", "call kb_search first", "Your manner is warm"}},
		{desc: "Mandarin without tools", call: agentic.Call{Language: "zh"},
			want: []string{"Speak Mandarin Chinese, in simplified Chinese characters only"}, dontWant: []string{"kb_search"}},
		{desc: "an unknown language is named by its tag", call: agentic.Call{Language: "sv"}, want: []string{"the language with tag sv"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			h := newHarness(t, testConfig(), tc.tools)
			a, err := h.f.NewAgent(tc.call)
			if err != nil {
				t.Fatal(err)
			}
			sys := a.(*agent).system
			for _, w := range tc.want {
				if !strings.Contains(sys, w) {
					t.Errorf("prompt lacks %q:\n%s", w, sys)
				}
			}
			for _, w := range tc.dontWant {
				if strings.Contains(sys, w) {
					t.Errorf("prompt has %q:\n%s", w, sys)
				}
			}
		})
	}
}

func TestMandarinFallback(t *testing.T) {
	h := newHarness(t, testConfig(), nil, openaitest.ErrorReply(401, ""))
	a, err := h.f.NewAgent(agentic.Call{ID: "c", Language: "zh"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	_ = a.Respond(context.Background(), agentic.Request{Text: "我要退货", Language: "zh"}, rec)
	if got := rec.texts(); len(got) != 1 || got[0] != "抱歉，我这边暂时出了点问题。我为您转接人工客服。" {
		t.Errorf("fallback %q", got)
	}
}
