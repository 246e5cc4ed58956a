package flow_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/agentic/agentictest"
	"github.com/parley-voice/parley/agentic/flow"
	"github.com/parley-voice/parley/agentic/webhook"
	"github.com/parley-voice/parley/examples/retail/orders"
	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/nlu"
)

// retailToolsYAML is the tools section of the example's configuration,
// with the order service's address left to fill in.
const retailToolsYAML = `
order_lookup:
  description: Look up an order by its number; returns its status, items, carrier and dates.
  method: GET
  url: %[1]s/orders/{order_number}
  timeout: %[2]s
  parameters:
    type: object
    properties:
      order_number: {type: string, description: "The order number, 6 to 8 digits."}
    required: [order_number]
create_return:
  description: Start a return of one item of a delivered order; returns the label and the refund.
  method: POST
  url: %[1]s/returns
  timeout: %[2]s
  parameters:
    type: object
    properties:
      order_number: {type: string, description: "The order number."}
      product: {type: string, description: "The item to return, as the caller named it."}
      reason: {type: string, description: "Why the caller returns it."}
    required: [order_number, product]
create_ticket:
  description: Open a ticket for the back office (billing disputes, address changes).
  method: POST
  url: %[1]s/tickets
  timeout: %[2]s
  parameters:
    type: object
    properties:
      type: {type: string, enum: [billing_dispute, address_change, general]}
      order_number: {type: string}
      amount: {type: string}
      payment_method: {type: string}
      street_address: {type: string}
      zip_code: {type: string}
      phone: {type: string}
      summary: {type: string}
    required: [type]
customer_lookup:
  description: Find the customer calling from a phone number, with their recent orders.
  method: GET
  url: %[1]s/customers
  timeout: %[2]s
  parameters:
    type: object
    properties:
      phone: {type: string, description: "The caller's phone number."}
    required: [phone]
`

// retailTools builds the example's webhook tools against base.
func retailTools(t testing.TB, base string, timeout time.Duration) map[string]agentic.Tool {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	var cfg map[string]yaml.Node
	if err := yaml.Unmarshal([]byte(fmt.Sprintf(retailToolsYAML, base, timeout)), &cfg); err != nil {
		t.Fatal(err)
	}
	tools := webhook.Tools{}
	for name, n := range cfg {
		c := webhook.DefaultConfig()
		if err := n.Decode(&c); err != nil {
			t.Fatal(err)
		}
		tools[name] = c
	}
	out, err := webhook.NewTools(tools, webhook.WithHTTPClient(client), webhook.WithSleep(func(ctx context.Context, d time.Duration) error { return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// retailParser scripts what the NLU understands of the test utterances.
func retailParser() *agentictest.Parser {
	p := agentictest.NewParser()
	on := map[string]string{"order_number": "4827163"}
	p.Add("where is my order", "order_status", 0.93, nil)
	p.Add("where is my order four eight two seven one six three", "order_status", 0.95, on)
	p.Add("i want to check the status of my order four eight two seven one six four", "order_status", 0.9, map[string]string{"order_number": "4827164"})
	p.Add("four eight two seven one six three", nlu.NoIntent, 0.2, on)
	p.Add("one one one one one one one", nlu.NoIntent, 0.2, map[string]string{"order_number": "1111111"})
	p.Add("two two two two two two two", nlu.NoIntent, 0.2, map[string]string{"order_number": "2222222"})
	p.Add("three five five one two zero eight", nlu.NoIntent, 0.2, map[string]string{"order_number": "3551208"})
	p.Add("no it's four eight two seven one six three", "deny", 0.8, on)
	p.Add("yes", "affirm", 0.98, nil)
	p.Add("yeah", "affirm", 0.97, nil)
	p.Add("no", "deny", 0.98, nil)
	p.Add("no thanks", "deny", 0.95, nil)
	p.Add("bye", "goodbye", 0.97, nil)
	p.Add("can you repeat that", "repeat", 0.95, nil)
	p.Add("i want to talk to a person", "speak_to_agent", 0.96, nil)
	p.Add("i want to return something", "return_item", 0.94, nil)
	p.Add("actually i want to return something", "return_item", 0.9, nil)
	p.Add("the rain jacket", nlu.NoIntent, 0.3, map[string]string{"product": "rain jacket"})
	p.Add("the tent", nlu.NoIntent, 0.3, map[string]string{"product": "tent"})
	p.Add("it doesn't fit", nlu.NoIntent, 0.3, nil)
	p.Add("what time does the denver store open on saturday", "store_hours", 0.92, map[string]string{"store": "denver", "day": "saturday"})
	p.Add("how long do i have to return something", nlu.NoIntent, 0.4, nil)
	p.Add("i don't know", nlu.NoIntent, 0.1, nil)
	p.Add("um", nlu.NoIntent, 0.05, nil)
	p.Add("i was charged twice on order seven seven zero one three four two", "billing_dispute", 0.9, map[string]string{"order_number": "7701342"})
	p.Add("i want to cancel order six two nine four four one zero", "cancel_order", 0.95, map[string]string{"order_number": "6294410"})
	p.Add("cancel my order four eight two seven one six three", "cancel_order", 0.95, on)
	p.Add("i need to change my shipping address", "update_address", 0.95, nil)
	p.Add("two two eight nine one five six", nlu.NoIntent, 0.2, map[string]string{"order_number": "2289156"})
	p.Add("four twelve oak street", nlu.NoIntent, 0.3, map[string]string{"street_address": "412 oak street"})
	p.Add("nine seven two one zero", nlu.NoIntent, 0.2, map[string]string{"zip_code": "97210"})
	p.Add("我想查订单号四八二七一六三", "order_status", 0.93, on)
	p.Add("对", "affirm", 0.95, nil)
	p.Add("我要找人工客服", "speak_to_agent", 0.95, nil)
	return p
}

// retail is the example wired together: its flows, the order service
// behind the webhook tools, the fixture knowledge base, a scripted parser.
type retail struct {
	factory *flow.Factory
	parser  *agentictest.Parser
	kb      *agentictest.Searcher
}

func newRetail(t testing.TB, service http.Handler, timeout time.Duration) *retail {
	t.Helper()
	return newRetailWith(t, service, timeout, nil)
}

// newRetailWith is newRetail with another parser (nil: the scripted one).
func newRetailWith(t testing.TB, service http.Handler, timeout time.Duration, parser nlu.Parser) *retail {
	t.Helper()
	en, zh := fixtureDomain(t, "intents.yaml"), fixtureDomain(t, "intents.zh.yaml")
	flows, err := flow.Load(retailFlows)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(service)
	t.Cleanup(srv.Close)
	r := &retail{parser: retailParser(), kb: agentictest.NewSearcher(kbChunks(t)...)}
	if parser == nil {
		parser = r.parser
	}
	r.factory, err = flow.New(flows, parser, flow.WithDomains(en, zh), flow.WithSearcher(r.kb),
		flow.WithTools(retailTools(t, srv.URL, timeout)), flow.WithNow(func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func orderService(t testing.TB) http.Handler {
	t.Helper()
	data, err := orders.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return orders.NewHandler(data)
}

// turn is one caller turn of a script and what the bot must do.
type turn struct {
	say, keys     string
	bargeIn       bool // the caller cuts this turn's answer off...
	heard, words  int  // ...after this many sentences and words of the next
	cancelled     bool // the agent was still writing: it returns context.Canceled
	intent        string
	want, notWant []string
	tools         []string
	handoff       string // queue of the expected handoff
	reason        string // part of the handoff's reason
	end           bool
	grammar       string // part of the next turn's grammar
}

type script struct {
	name, lang, from string
	turns            []turn
}

func runScript(t *testing.T, r *retail, sc script) {
	t.Helper()
	conv, err := agentictest.NewConversation(r.factory, agentic.Call{ID: "call-" + sc.name, Language: sc.lang, From: sc.from, Channel: "chat"})
	if err != nil {
		t.Fatal(err)
	}
	defer conv.Close()
	for i, tt := range sc.turns {
		rec, err := conv.Send(context.Background(), agentictest.Turn{Text: tt.say, DTMF: tt.keys,
			BargeIn: tt.bargeIn, Heard: tt.heard, HeardWords: tt.words, Early: tt.cancelled})
		switch {
		case tt.cancelled && !errors.Is(err, context.Canceled):
			t.Fatalf("turn %d (%q): want context.Canceled, got %v", i, tt.say, err)
		case !tt.cancelled && err != nil:
			t.Fatalf("turn %d (%q): %v", i, tt.say, err)
		}
		checkTurn(t, i, tt, rec)
	}
}

func checkTurn(t *testing.T, i int, tt turn, rec *agentictest.Recorder) {
	t.Helper()
	text := rec.Text()
	where := fmt.Sprintf("turn %d (%q) answered %q", i, tt.say+tt.keys, text)
	if tt.intent != "" {
		u, ok := rec.Understood()
		if !ok || u.Intent != tt.intent {
			t.Errorf("%s: understood %+v, want intent %s", where, u, tt.intent)
		}
		if kinds := rec.Kinds(); len(kinds) == 0 || kinds[0] != agentic.KindIntent {
			t.Errorf("%s: first part is %v, want the intent", where, kinds)
		}
	}
	for _, w := range tt.want {
		if !strings.Contains(text, w) {
			t.Errorf("%s: want %q", where, w)
		}
	}
	for _, w := range tt.notWant {
		if strings.Contains(text, w) {
			t.Errorf("%s: do not want %q", where, w)
		}
	}
	var called []string
	for _, tc := range rec.ToolCalls() {
		called = append(called, tc.Name)
	}
	if strings.Join(called, ",") != strings.Join(tt.tools, ",") {
		t.Errorf("%s: tools %v, want %v", where, called, tt.tools)
	}
	h, after, ok := rec.Handoff()
	switch {
	case tt.handoff == "" && ok:
		t.Errorf("%s: unexpected handoff %+v", where, h)
	case tt.handoff != "" && (!ok || h.Queue != tt.handoff || !after):
		t.Errorf("%s: handoff %+v (after speech %v), want queue %s after speech", where, h, after, tt.handoff)
	case ok && !strings.Contains(h.Reason, tt.reason):
		t.Errorf("%s: handoff reason %q, want %q", where, h.Reason, tt.reason)
	}
	_, after, ended := rec.EndCall()
	if ended != tt.end || ended && !after {
		t.Errorf("%s: end call %v (after speech %v), want %v", where, ended, after, tt.end)
	}
	if tt.grammar != "" {
		if hints := rec.Hints(); hints == nil || !strings.Contains(hints.Grammar, tt.grammar) {
			t.Errorf("%s: hints %+v, want a grammar with %q", where, hints, tt.grammar)
		}
	}
}

func TestRetailConversations(t *testing.T) {
	r := newRetail(t, orderService(t), 2*time.Second)
	greet := turn{want: []string{"Thanks for calling Northwind Outfitters", "press 1"}}
	askOrder := "What's your order number?"
	shipped := "shipped with UPS on Wednesday, November eighteenth. It should arrive by Wednesday, November twenty fifth."
	scripts := []script{
		{name: "spoken order number and confirmation", lang: "en", turns: []turn{
			greet,
			{say: "where is my order", intent: "order_status", want: []string{askOrder}, grammar: "grammar digits"},
			{say: "four eight two seven one six three", want: []string{"That's order four eight two seven one six three, is that right?"}, grammar: "grammar yesno"},
			{say: "yes", intent: "affirm", tools: []string{"order_lookup"}, want: []string{shipped, "anything else"}},
			{say: "no thanks", intent: "deny", want: []string{"Have a great day"}, end: true},
		}},
		{name: "wrong number denied and collected again", lang: "en", turns: []turn{
			{say: "i want to check the status of my order four eight two seven one six four", want: []string{"four eight two seven one six four, is that right?"}},
			{say: "no", intent: "deny", want: []string{"Please say the order number one digit at a time"}, grammar: "digits"},
			{say: "four eight two seven one six three", want: []string{"four eight two seven one six three, is that right?"}},
			{say: "yes", tools: []string{"order_lookup"}, want: []string{shipped}},
		}},
		{name: "correction in the same breath", lang: "en", turns: []turn{
			{say: "i want to check the status of my order four eight two seven one six four", want: []string{"six four, is that right?"}},
			{say: "no it's four eight two seven one six three", want: []string{"six three, is that right?"}},
			{say: "yeah", tools: []string{"order_lookup"}, want: []string{shipped}},
		}},
		{name: "two failed attempts then a transfer with the caller found by phone", lang: "en", from: "+1 503 555 0134", turns: []turn{
			{say: "where is my order", want: []string{askOrder}},
			{say: "i don't know", intent: nlu.NoIntent, want: []string{"Please say the order number"}},
			{say: "um", tools: []string{"customer_lookup"}, want: []string{"Let me transfer you"}, handoff: "general", reason: "Jane Doe"},
		}},
		{name: "caller asks for a person mid-flow", lang: "en", turns: []turn{
			{say: "where is my order", want: []string{askOrder}},
			{say: "i want to talk to a person", intent: "speak_to_agent", want: []string{"Let me transfer you"}, handoff: "general", reason: "asked for an agent"},
		}},
		{name: "keypad menu and order number", lang: "en", turns: []turn{
			greet,
			{keys: "1", intent: "order_status", want: []string{askOrder}},
			{keys: "4827163#", tools: []string{"order_lookup"}, want: []string{shipped}, notWant: []string{"is that right"}},
			{keys: "0", intent: "speak_to_agent", handoff: "general"},
		}},
		{name: "knowledge question", lang: "en", turns: []turn{
			{say: "what time does the denver store open on saturday", intent: "store_hours", want: []string{"Denver, Colorado: Saturday: 9 a.m. to 7 p.m.", "anything else"}},
			{say: "no", want: []string{"Have a great day"}, end: true},
		}},
		{name: "return with refund and label", lang: "en", turns: []turn{
			{say: "i want to return something", intent: "return_item", want: []string{"What's the order number?"}},
			{say: "three five five one two zero eight", want: []string{"Order three five five one two zero eight, is that right?"}},
			{say: "yes", tools: []string{"order_lookup"}, want: []string{"This order has rain jacket and fleece."}},
			{say: "the tent", want: []string{"reason"}},
			{say: "it doesn't fit", tools: []string{"create_return"}, want: []string{"couldn't start that return: there is no tent in order 3551208", "Please tell me the item"}},
			{say: "the rain jacket", tools: []string{"create_return"}, want: []string{
				"Your return for the rain jacket is started.", "jane dot doe at example dot com",
				"refund of one hundred twenty three dollars and five cents, after the five dollars and ninety five cents return shipping fee,",
				"credit card", "3 to 5 business days", "anything else"}},
		}},
		{name: "goodbye ends the call", lang: "en", turns: []turn{
			greet,
			{say: "bye", intent: "goodbye", want: []string{"Have a great day"}, end: true},
		}},
		{name: "repeat says the last turn again", lang: "en", turns: []turn{
			{say: "where is my order", want: []string{askOrder}, grammar: "digits"},
			{say: "can you repeat that", intent: "repeat", want: []string{askOrder}, grammar: "digits"},
			{say: "four eight two seven one six three", want: []string{"is that right?"}},
		}},
		{name: "topic change mid slot filling", lang: "en", turns: []turn{
			{say: "where is my order", want: []string{askOrder}},
			{say: "actually i want to return something", intent: "return_item", want: []string{"I can help with that return"}},
		}},
		{name: "order not found twice", lang: "en", turns: []turn{
			{say: "where is my order", want: []string{askOrder}},
			{say: "one one one one one one one", want: []string{"is that right?"}},
			{say: "yes", tools: []string{"order_lookup"}, want: []string{"I couldn't find order one one one one one one one.", "Please say the order number"}},
			{say: "two two two two two two two", want: []string{"is that right?"}},
			{say: "yes", tools: []string{"order_lookup", "customer_lookup"}, want: []string{"I couldn't find order two two", "transfer"}, handoff: "general", reason: "no order number"},
		}},
		{name: "billing dispute opens a ticket and goes to billing", lang: "en", turns: []turn{
			{say: "i was charged twice on order seven seven zero one three four two", intent: "billing_dispute", want: []string{"open a ticket", "Do you have the order number"}},
			{say: "yes", want: []string{"Order seven seven zero one three four two, is that right?"}},
			{say: "yes", tools: []string{"create_ticket"}, want: []string{"Your ticket number is one zero zero zero zero one."}, handoff: "billing", reason: "billing dispute on order 7701342"},
		}},
		{name: "cancel a processing order through an agent", lang: "en", turns: []turn{
			{say: "i want to cancel order six two nine four four one zero", want: []string{"is that right?"}},
			{say: "yes", tools: []string{"order_lookup"}, want: []string{"can still be cancelled", "connect you with an agent"}, grammar: "yesno"},
			{say: "yes", handoff: "general", reason: "cancel order 6294410"},
		}},
		{name: "a shipped order cannot be cancelled", lang: "en", turns: []turn{
			{say: "cancel my order four eight two seven one six three", want: []string{"is that right?"}},
			{say: "yes", tools: []string{"order_lookup"}, want: []string{"has already shipped, so it can't be cancelled", "anything else"}},
		}},
		{name: "new address for a processing order", lang: "en", turns: []turn{
			{say: "i need to change my shipping address", want: []string{"What's the order number?"}},
			{say: "two two eight nine one five six", want: []string{"is that right?"}},
			{say: "yes", tools: []string{"order_lookup"}, want: []string{"What's the new street address"}},
			{say: "four twelve oak street", want: []string{"ZIP code?"}},
			{say: "nine seven two one zero", want: []string{"That's 412 oak street, ZIP code nine seven two one zero. Is that right?"}},
			{say: "yes", tools: []string{"create_ticket"}, want: []string{"under ticket one zero zero zero zero"}},
		}},
		{name: "mandarin order status", lang: "zh", turns: []turn{
			{say: "我想查订单号四八二七一六三", intent: "order_status", want: []string{"订单号是四八二七一六三，对吗？"}},
			{say: "对", tools: []string{"order_lookup"}, want: []string{"订单四八二七一六三已于十一月十八日星期三通过UPS发货", "预计十一月二十五日星期三前送达", "还有其他"}},
			{say: "我要找人工客服", handoff: "mandarin"},
		}},
	}
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) { runScript(t, r, sc) })
	}
}

func TestRetailBargeIn(t *testing.T) {
	r := newRetail(t, orderService(t), 2*time.Second)
	askOrder := "What's your order number?"
	confirm := "That's order four eight two seven one six three, is that right?"
	scripts := []script{
		{name: "a yes to a confirmation cut off is not taken", lang: "en", turns: []turn{
			{say: "where is my order four eight two seven one six three", want: []string{confirm}, bargeIn: true, words: 3},
			{say: "yes", want: []string{confirm}},
			{say: "yes", tools: []string{"order_lookup"}, want: []string{"shipped with UPS"}},
		}},
		{name: "a greeting cut off while the agent writes", lang: "en", turns: []turn{
			{bargeIn: true, heard: 1, cancelled: true, want: []string{"Thanks for calling"}, notWant: []string{"press 1"}},
			{say: "where is my order", intent: "order_status", want: []string{askOrder}},
		}},
		{name: "an answer over the prompt is taken", lang: "en", turns: []turn{
			{say: "where is my order", want: []string{askOrder}, bargeIn: true, words: 2},
			{say: "four eight two seven one six three", want: []string{confirm}},
		}},
		{name: "a failed answer over the prompt does not count", lang: "en", turns: []turn{
			{say: "where is my order", want: []string{askOrder}, bargeIn: true, words: 1},
			{say: "um", want: []string{askOrder}, notWant: []string{"Please say"}},
			{say: "um", want: []string{"Please say the order number"}},
			{say: "um", tools: []string{"customer_lookup"}, handoff: "general"},
		}},
		{name: "an interrupted transfer is carried out again", lang: "en", turns: []turn{
			{say: "i want to talk to a person", handoff: "general", bargeIn: true, words: 2},
			{say: "um", handoff: "general", want: []string{"transfer"}},
		}},
		{name: "an interrupted transfer gives way to a new request", lang: "en", turns: []turn{
			{say: "i want to talk to a person", handoff: "general", bargeIn: true, words: 2},
			{say: "where is my order", want: []string{askOrder}},
		}},
	}
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) { runScript(t, r, sc) })
	}
}

func TestRetailOrderSystemDown(t *testing.T) {
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	failing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"database unavailable"}`, http.StatusInternalServerError)
	})
	for _, tc := range []struct {
		name    string
		service http.Handler
	}{
		{"timeout", slow},
		{"server error", failing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRetail(t, tc.service, 30*time.Millisecond)
			runScript(t, r, script{name: tc.name, lang: "en", turns: []turn{
				{say: "where is my order four eight two seven one six three", want: []string{"is that right?"}},
				{say: "yes", tools: []string{"order_lookup"}, want: []string{"our order system isn't answering right now", "Would you like me to transfer you to an agent?"}, grammar: "yesno"},
				{say: "yes", handoff: "general", reason: "system error"},
			}})
			runScript(t, r, script{name: tc.name + " declined", lang: "en", turns: []turn{
				{say: "where is my order four eight two seven one six three", want: []string{"is that right?"}},
				{say: "yes", tools: []string{"order_lookup"}, want: []string{"transfer you"}},
				{say: "no", want: []string{"anything else"}},
			}})
		})
	}
}

func TestRetailNoMatchLadder(t *testing.T) {
	r := newRetail(t, orderService(t), 2*time.Second)
	q := "how long do i have to return something"
	for _, c := range kbChunks(t) {
		if c.Heading == "Returns Policy > How long you have" {
			r.kb.Script(q, knowledge.Hit{Chunk: c, Score: 1})
		}
	}
	runScript(t, r, script{name: "ladder", lang: "en", turns: []turn{
		{say: q, intent: nlu.NoIntent, want: []string{"Sorry, I didn't catch that."}},
		{say: q, want: []string{"30 days", "anything else"}},
		{say: q, handoff: "general", reason: "did not understand"},
	}})
}

// TestRetailWithLocalParser runs calls through the real local parser
// trained on the fixture intents, to check that the flows and the parser
// agree on slots, expected answers and confirmations.
func TestRetailWithLocalParser(t *testing.T) {
	en, zh := fixtureDomain(t, "intents.yaml"), fixtureDomain(t, "intents.zh.yaml")
	parser, err := nlu.New(en, nlu.WithDomain(zh))
	if err != nil {
		t.Fatal(err)
	}
	r := newRetailWith(t, orderService(t), 2*time.Second, parser)
	scripts := []script{
		{name: "order status", lang: "en", turns: []turn{
			{say: "where is my order", intent: "order_status", want: []string{"What's your order number?"}},
			{say: "four eight two seven one six three", want: []string{"That's order four eight two seven one six three, is that right?"}},
			{say: "yes", tools: []string{"order_lookup"}, want: []string{"shipped with UPS"}},
			{say: "no thanks", end: true},
		}},
		{name: "return with a reason of the caller's words", lang: "en", turns: []turn{
			{say: "i want to return something", intent: "return_item"},
			{say: "three five five one two zero eight", want: []string{"is that right?"}},
			{say: "yes", tools: []string{"order_lookup"}, want: []string{"rain jacket and fleece"}},
			{say: "the fleece", want: []string{"reason"}},
			{say: "it's too small", tools: []string{"create_return"}, want: []string{"Your return for the fleece is started."}},
		}},
		{name: "mandarin order status", lang: "zh", turns: []turn{
			{say: "我的订单到哪了", intent: "order_status", want: []string{"订单号是多少"}},
			{say: "四八二七一六三", want: []string{"订单号是四八二七一六三，对吗？"}},
			{say: "对", tools: []string{"order_lookup"}, want: []string{"通过UPS发货"}},
		}},
	}
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) { runScript(t, r, sc) })
	}
}
