package hybrid_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/agentic/agentictest"
	"github.com/parley-voice/parley/agentic/flow"
	"github.com/parley-voice/parley/agentic/hybrid"
	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const flowsYAML = `
flows:
  order_status:
    steps:
      - collect: order_number
        prompt: "What's the order number?"
      - say: "Order {{digits .order_number}} is on its way."
  speak_to_agent:
    steps:
      - handoff: general
`

func domain() *nlu.Domain {
	return &nlu.Domain{Language: "en",
		Intents: []nlu.Intent{{Name: "order_status"}, {Name: "speak_to_agent"}, {Name: "affirm"}, {Name: "deny"}, {Name: "repeat"}, {Name: "goodbye"}},
		Slots:   map[string]nlu.Slot{"order_number": {Name: "order_number", Type: nlu.SlotDigits, MinLength: 6, MaxLength: 8}}}
}

func flows(t *testing.T) (*flow.Factory, *agentictest.Parser) {
	t.Helper()
	fl, err := flow.Parse("flows.yaml", []byte(flowsYAML))
	if err != nil {
		t.Fatal(err)
	}
	p := agentictest.NewParser().
		Add("where is my order", "order_status", 0.9, nil).
		Add("yes", "affirm", 0.9, nil).
		Add("say that again", "repeat", 0.9, nil).
		Add("four eight two seven one six three", nlu.NoIntent, 0.1, map[string]string{"order_number": "4827163"})
	f, err := flow.New(fl, p, flow.WithDomains(domain()))
	if err != nil {
		t.Fatal(err)
	}
	return f, p
}

// llm is a fake LLM agent factory that answers "LLM: <text>".
func llm() *agentictest.Factory {
	return &agentictest.Factory{Make: func(agentic.Call) *agentictest.Agent {
		return &agentictest.Agent{Reply: func(req agentic.Request) []pipeline.Response {
			return []pipeline.Response{{Text: "LLM: " + req.Text + "."}, {Hints: &pipeline.Hints{Phrases: []string{"llm"}}}}
		}}
	}}
}

func converse(t *testing.T, f agentic.Factory) *agentictest.Conversation {
	t.Helper()
	c, err := agentictest.NewConversation(f, agentic.Call{ID: "c1", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRouting(t *testing.T) {
	ff, _ := flows(t)
	lf := llm()
	h, err := hybrid.New(ff, lf)
	if err != nil {
		t.Fatal(err)
	}
	c := converse(t, h)
	tests := []struct {
		desc, say, want, intent string
	}{
		{"small talk goes to the LLM", "how is the weather in portland", "LLM: how is the weather in portland.", nlu.NoIntent},
		{"a yes after the LLM spoke is the LLM's", "yes", "LLM: yes.", "affirm"},
		{"repeat says the LLM's words again", "say that again", "LLM: yes.", "repeat"},
		{"an intent with a flow goes to the flows", "where is my order", "What's the order number?", "order_status"},
		{"a call in a flow stays there", "i have no idea", "What's the order number?", nlu.NoIntent},
		{"the flow goes on", "four eight two seven one six three", "Order four eight two seven one six three is on its way.", nlu.NoIntent},
		{"after the flow, the LLM again", "tell me a joke", "LLM: tell me a joke.", nlu.NoIntent},
	}
	for _, tt := range tests {
		rec, err := c.Say(context.Background(), tt.say)
		if err != nil {
			t.Fatalf("%s: %v", tt.desc, err)
		}
		if !strings.HasPrefix(rec.Text(), tt.want) {
			t.Errorf("%s: said %q, want %q", tt.desc, rec.Text(), tt.want)
		}
		if u, ok := rec.Understood(); !ok || u.Intent != tt.intent || rec.Kinds()[0] != agentic.KindIntent {
			t.Errorf("%s: understood %+v first in %v", tt.desc, u, rec.Kinds())
		}
	}
	reqs := lf.Agents()[0].Requests()
	if len(reqs) != 3 {
		t.Fatalf("the LLM answered %d turns, want 3", len(reqs))
	}
	last := reqs[2]
	if len(last.History) != 2*len(tests)-1 || last.History[len(last.History)-1].Text != "tell me a joke" {
		t.Errorf("the LLM must get the whole conversation, got %d messages", len(last.History))
	}
}

func TestWithoutLLMTheFlowAgentAnswers(t *testing.T) {
	ff, _ := flows(t)
	h, err := hybrid.New(ff, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.NewAgent(agentic.Call{ID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.(*flow.Agent); !ok {
		t.Fatalf("got %T, want the flow agent", a)
	}
	rec, err := converse(t, h).Say(context.Background(), "how is the weather")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Text(), "didn't catch that") {
		t.Errorf("said %q", rec.Text())
	}
}

func TestLLMFailure(t *testing.T) {
	boom := errors.New("model down")
	tests := []struct {
		desc    string
		replies []pipeline.Response
		want    string
		err     bool
	}{
		{"silent failure falls back to the flows", nil, "didn't catch that", false},
		{"failure after speaking is reported", []pipeline.Response{{Text: "Let me think."}}, "Let me think.", true},
	}
	for _, tt := range tests {
		ff, _ := flows(t)
		lf := &agentictest.Factory{Make: func(agentic.Call) *agentictest.Agent {
			return &agentictest.Agent{Replies: [][]pipeline.Response{tt.replies}, Err: boom}
		}}
		h, err := hybrid.New(ff, lf)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := converse(t, h).Say(context.Background(), "how is the weather")
		if (err != nil) != tt.err || tt.err && !errors.Is(err, boom) {
			t.Errorf("%s: error %v", tt.desc, err)
		}
		if !strings.Contains(rec.Text(), tt.want) {
			t.Errorf("%s: said %q", tt.desc, rec.Text())
		}
	}
}

func TestCancelWhileTheLLMThinks(t *testing.T) {
	ff, _ := flows(t)
	lf := llm()
	h, err := hybrid.New(ff, lf)
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.NewAgent(agentic.Call{ID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.(interface{ Close() error }).Close()
	la := lf.Agents()[0]
	la.Hold()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Respond(ctx, agentic.Request{Text: "hello there"}, agentictest.NewRecorder()) }()
	pipelinetest.Eventually(t, func() bool { return len(la.Requests()) == 1 }, "the LLM gets the turn")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

func TestLifecycle(t *testing.T) {
	ff, _ := flows(t)
	lf := llm()
	h, err := hybrid.New(ff, lf)
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.NewAgent(agentic.Call{ID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	cl := a.(interface{ Close() error })
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	if n := lf.Agents()[0].Closed(); n != 1 {
		t.Errorf("LLM agent closed %d times", n)
	}
	if err := a.Respond(context.Background(), agentic.Request{Text: "hi"}, agentictest.NewRecorder()); !errors.Is(err, flow.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}

	if _, err := hybrid.New(nil, lf); !errors.Is(err, hybrid.ErrConfig) {
		t.Errorf("nil flows: %v", err)
	}
	if _, err := hybrid.New(ff, lf, hybrid.WithLogger(nil)); !errors.Is(err, hybrid.ErrConfig) {
		t.Errorf("nil logger: %v", err)
	}
	notFlows, err := hybrid.New(&agentictest.Factory{}, lf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := notFlows.NewAgent(agentic.Call{}); !errors.Is(err, hybrid.ErrNotFlowAgent) {
		t.Errorf("a factory of other agents: %v", err)
	}
	boom := errors.New("no model")
	broken, err := hybrid.New(ff, &agentictest.Factory{Err: boom})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := broken.NewAgent(agentic.Call{}); !errors.Is(err, boom) {
		t.Errorf("LLM factory failure: %v", err)
	}
}
