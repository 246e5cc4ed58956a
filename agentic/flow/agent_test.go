package flow_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/agentic/agentictest"
	"github.com/parley-voice/parley/agentic/flow"
	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// miniFlows is a small bilingual flow file exercising the step kinds.
const miniFlows = `
language: en
languages: [en, zh]
settings:
  skills: {zh: [mandarin]}
flows:
  order_status:
    queue: orders
    steps:
      - collect: order_number
        prompt: {en: "What's the order number?", zh: "订单号是多少？"}
        reprompt: {en: "Please say the order number again.", zh: "请再说一遍订单号。"}
        confirm: {en: "Order {{digits .order_number}}, right?", zh: "订单{{digits .order_number}}，对吗？"}
      - call: lookup
        args: {order_number: "{{.order_number}}"}
        save_as: order
      - say: {en: "It is {{words .order.status}}. {{.order.missing_field}}", zh: "状态：{{words .order.status}}。"}
  store_hours:
    steps:
      - collect: store
        prompt: {en: "Which store?", zh: "哪家店？"}
      - say: {en: "The {{.store}} store opens at nine.", zh: "{{.store}}店九点开门。"}
  loop:
    intents: [repeat_forever]
    steps:
      - id: top
        say: {en: "Again.", zh: "再来。"}
      - goto: top
`

type mini struct {
	factory *flow.Factory
	parser  *agentictest.Parser
	tool    *agentictest.Tool
}

func newMini(t testing.TB) *mini {
	t.Helper()
	flows, err := flow.Parse("mini.yaml", []byte(miniFlows))
	if err != nil {
		t.Fatal(err)
	}
	d := miniDomain()
	d.Intents = append(d.Intents, nlu.Intent{Name: "repeat_forever"})
	m := &mini{parser: agentictest.NewParser(), tool: agentictest.NewTool("lookup", nil)}
	m.parser.Add("where is my order", "order_status", 0.9, nil)
	m.parser.Add("four eight two seven one six three", nlu.NoIntent, 0.2, map[string]string{"order_number": "4827163"})
	m.parser.Add("yes", "affirm", 0.95, nil)
	m.parser.Add("store hours", "store_hours", 0.9, nil)
	m.parser.Add("loop", "repeat_forever", 0.9, nil)
	m.parser.Add("agent", "speak_to_agent", 0.9, nil)
	m.parser.Add("查订单", "order_status", 0.9, nil)
	m.parser.Add("对", "affirm", 0.9, nil)
	m.tool.Func(func(agentic.Call, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"status":"out_for_delivery"}`), nil
	})
	m.factory, err = flow.New(flows, m.parser, flow.WithDomains(d), flow.WithTool(m.tool), flow.WithMaxStepsPerTurn(50))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *mini) conversation(t testing.TB, lang string) *agentictest.Conversation {
	t.Helper()
	c, err := agentictest.NewConversation(m.factory, agentic.Call{ID: "c1", Language: lang})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func say(t testing.TB, c *agentictest.Conversation, text string) *agentictest.Recorder {
	t.Helper()
	rec, err := c.Say(context.Background(), text)
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	return rec
}

func TestTurnOrderAndHints(t *testing.T) {
	m := newMini(t)
	c := m.conversation(t, "en")
	rec := say(t, c, "where is my order")
	if got, want := rec.Kinds(), []string{"intent", "text", "hints"}; !slices.Equal(got, want) {
		t.Fatalf("kinds %v, want %v", got, want)
	}
	if h := rec.Hints(); !strings.Contains(h.Grammar, "public <digits> = <digit> <digit> <digit> <digit> <digit> <digit> [<digit>] [<digit>];") {
		t.Errorf("order number grammar: %q", h.Grammar)
	}
	if call, _ := m.parser.LastCall(); len(call.Options.Intents) != 0 {
		t.Errorf("first turn restricted to %v", call.Options.Intents)
	}
	rec = say(t, c, "four eight two seven one six three")
	if call, _ := m.parser.LastCall(); !slices.Equal(call.Options.Expect, []string{"order_number"}) {
		t.Errorf("expect %v while collecting the order number", call.Options.Expect)
	}
	if h := rec.Hints(); !strings.Contains(h.Grammar, "grammar yesno") {
		t.Errorf("confirmation grammar: %q", h.Grammar)
	}
	rec = say(t, c, "yes")
	if call, _ := m.parser.LastCall(); !slices.Contains(call.Options.Intents, "affirm") || !slices.Contains(call.Options.Intents, "deny") {
		t.Errorf("confirmation answer parsed with intents %v", call.Options.Intents)
	}
	if got, want := rec.Kinds(), []string{"intent", "tool_call", "text", "text", "hints"}; !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	if got := rec.Sentences(); got[0] != "It is out for delivery." {
		t.Errorf("a sentence with a missing value must be dropped, the rest spoken: %q", got)
	}
	tc := rec.ToolCalls()[0]
	if tc.Name != "lookup" || string(tc.Arguments) != `{"order_number":"4827163"}` || tc.Error != "" || tc.ID == "" {
		t.Errorf("tool call %+v", tc)
	}
}

func TestEnumAndMandarinHints(t *testing.T) {
	m := newMini(t)
	rec := say(t, m.conversation(t, "en"), "store hours")
	if h := rec.Hints(); !strings.Contains(h.Grammar, "portland | denver | burlington | vermont") || !slices.Contains(h.Phrases, "vermont") {
		t.Errorf("enum hints %+v", h)
	}
	rec = say(t, m.conversation(t, "zh"), "查订单")
	if h := rec.Hints(); h == nil || h.Grammar != "" {
		t.Errorf("a Mandarin call must get no English grammar: %+v", h)
	}
	if got := rec.Text(); got != "订单号是多少？" {
		t.Errorf("Mandarin prompt %q", got)
	}
}

func TestRestrictedParseFallsBackToOpen(t *testing.T) {
	m := newMini(t)
	c := m.conversation(t, "en")
	say(t, c, "where is my order")
	say(t, c, "four eight two seven one six three")
	n := len(m.parser.Calls())
	rec := say(t, c, "store hours")
	calls := m.parser.Calls()[n:]
	if len(calls) != 2 || len(calls[0].Options.Intents) == 0 || len(calls[1].Options.Intents) != 0 {
		t.Fatalf("want a restricted then an open parse, got %+v", calls)
	}
	if u, _ := rec.Understood(); u.Intent != "store_hours" || !strings.Contains(rec.Text(), "Which store?") {
		t.Errorf("switch during a confirmation: understood %+v, said %q", u, rec.Text())
	}
}

func TestHandoffCarriesContext(t *testing.T) {
	m := newMini(t)
	c := m.conversation(t, "zh")
	say(t, c, "查订单")
	say(t, c, "four eight two seven one six three")
	say(t, c, "对")
	rec := say(t, c, "agent")
	h, after, ok := rec.Handoff()
	if !ok || !after {
		t.Fatalf("no handoff after speech: %v", rec.Kinds())
	}
	if h.Queue != "general" || !slices.Contains(h.Skills, "mandarin") || h.Intent != "order_status" || h.Slots["order_number"] != "4827163" {
		t.Errorf("handoff %+v", h)
	}
	for _, w := range []string{"order number 4827163 (confirmed)", "lookup succeeded", "asked for an agent"} {
		if !strings.Contains(h.Summary, w) {
			t.Errorf("summary %q lacks %q", h.Summary, w)
		}
	}
	if rec.Hints() != nil {
		t.Errorf("a handoff turn sets no hints")
	}
}

func TestLoopIsHandedOff(t *testing.T) {
	m := newMini(t)
	rec := say(t, m.conversation(t, "en"), "loop")
	h, _, ok := rec.Handoff()
	if !ok || !strings.Contains(h.Reason, "looped") {
		t.Fatalf("a goto cycle must end in a handoff, got %v", rec.Kinds())
	}
	if n := len(rec.Sentences()); n > 60 {
		t.Errorf("%d sentences before the loop was stopped", n)
	}
}

func TestKeypad(t *testing.T) {
	m := newMini(t)
	c := m.conversation(t, "en")
	tests := []struct {
		desc, text, keys, want string
		tool                   bool
	}{
		{"a key outside any menu", "", "5", "that key is not an option", false},
		{"flow by voice", "where is my order", "", "What's the order number?", false},
		{"too few digits", "", "123#", "Please say the order number again.", false},
		{"star starts over", "", "999*4827163#", "", true},
	}
	for _, tt := range tests {
		rec, err := c.Send(context.Background(), agentictest.Turn{Text: tt.text, DTMF: tt.keys})
		if err != nil {
			t.Fatalf("%s: %v", tt.desc, err)
		}
		if !strings.Contains(rec.Text(), tt.want) || (len(rec.ToolCalls()) > 0) != tt.tool {
			t.Errorf("%s: said %q, tools %v", tt.desc, rec.Text(), rec.ToolCalls())
		}
		if u, ok := rec.Understood(); tt.keys != "" && (!ok || u.Source != "dtmf") {
			t.Errorf("%s: understood %+v", tt.desc, u)
		}
	}
	if got := m.tool.Args(0)["order_number"]; got != "4827163" {
		t.Errorf("keyed order number %v", got)
	}
}

func TestCancelledToolRunsAgain(t *testing.T) {
	m := newMini(t)
	m.tool.Hold()
	c := m.conversation(t, "en")
	say(t, c, "where is my order")
	say(t, c, "four eight two seven one six three")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Send(ctx, agentictest.Turn{Text: "yes"})
		done <- err
	}()
	pipelinetest.Eventually(t, func() bool { return len(m.tool.Calls()) == 1 }, "the tool is called")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled turn returned %v", err)
	}
	m.tool.Release()
	rec := say(t, c, "four eight two seven one six three")
	if len(m.tool.Calls()) != 2 || !strings.Contains(rec.Text(), "out for delivery") {
		t.Errorf("the interrupted call must run again: calls %d, said %q", len(m.tool.Calls()), rec.Text())
	}
}

func TestBusyAndClosed(t *testing.T) {
	m := newMini(t)
	m.tool.Hold()
	a := m.factory.NewFlowAgent(agentic.Call{ID: "c", Language: "en"})
	w := agentictest.NewRecorder()
	ctx := context.Background()
	for _, text := range []string{"where is my order", "four eight two seven one six three"} {
		if err := a.Respond(ctx, agentic.Request{Text: text}, w); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- a.Respond(ctx, agentic.Request{Text: "yes"}, agentictest.NewRecorder()) }()
	pipelinetest.Eventually(t, func() bool { return len(m.tool.Calls()) == 1 }, "the first turn calls the tool")
	if err := a.Respond(ctx, agentic.Request{Text: "yes"}, agentictest.NewRecorder()); !errors.Is(err, flow.ErrBusy) {
		t.Errorf("a second turn at once: got %v, want ErrBusy", err)
	}
	m.tool.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Respond(ctx, agentic.Request{Text: "yes"}, w); !errors.Is(err, flow.ErrClosed) {
		t.Errorf("after Close: got %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestPlanDelegation(t *testing.T) {
	m := newMini(t)
	a := m.factory.NewFlowAgent(agentic.Call{ID: "c", Language: "en"})
	ctx := context.Background()
	plan := func(text string) *flow.Plan {
		t.Helper()
		p, err := a.Plan(ctx, agentic.Request{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(text string) {
		t.Helper()
		if err := a.Respond(ctx, agentic.Request{Text: text}, agentictest.NewRecorder()); err != nil {
			t.Fatal(err)
		}
	}
	if p := plan("tell me a joke"); !p.Delegate || !p.Understood || p.Result.Intent != nlu.NoIntent {
		t.Errorf("nothing understood when idle: %+v", p)
	}
	if p := plan("where is my order"); p.Delegate {
		t.Errorf("an intent with a flow was delegated")
	}
	run("where is my order")
	if p := plan("tell me a joke"); p.Delegate {
		t.Errorf("a call in a flow stays there")
	}
	a.Spoken([]string{"Here is a joke."}, &pipeline.Hints{Phrases: []string{"ha"}})
	if p := plan("yes"); !p.Delegate {
		t.Errorf("a yes after the other agent spoke belongs to it")
	}
	m.parser.Add("can you repeat that", "repeat", 0.9, nil)
	rec := agentictest.NewRecorder()
	if err := a.Respond(ctx, agentic.Request{Text: "can you repeat that"}, rec); err != nil {
		t.Fatal(err)
	}
	if rec.Text() != "Here is a joke." || rec.Hints() == nil || rec.Hints().Phrases[0] != "ha" {
		t.Errorf("repeat after the other agent: %q %+v", rec.Text(), rec.Hints())
	}
	if p := plan(""); p.Understood {
		t.Errorf("an empty turn has nothing to understand")
	}
}

func TestParserErrorReturned(t *testing.T) {
	m := newMini(t)
	boom := errors.New("parser down")
	m.parser.Fail(boom)
	a := m.factory.NewFlowAgent(agentic.Call{ID: "c"})
	if err := a.Respond(context.Background(), agentic.Request{Text: "hi"}, agentictest.NewRecorder()); !errors.Is(err, boom) {
		t.Errorf("got %v", err)
	}
}
