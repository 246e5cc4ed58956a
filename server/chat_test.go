package server

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
)

// echoAgent answers each turn from a script keyed by the caller's text and
// records the requests it saw.
type echoAgent struct {
	script map[string][]pipeline.Response
	seen   []pipeline.AgentRequest
	fail   error
	block  bool
}

func (a *echoAgent) Respond(ctx context.Context, req pipeline.AgentRequest, w pipeline.ResponseWriter) error {
	a.seen = append(a.seen, req)
	if a.block {
		<-ctx.Done()
		return ctx.Err()
	}
	for _, r := range a.script[req.Text+"|"+req.DTMF] {
		if err := w.WriteResponse(r); err != nil {
			return err
		}
	}
	return a.fail
}

func TestChatSession(t *testing.T) {
	understood := agentic.Understood{Result: nlu.Result{Intent: "order_status", Confidence: 0.93,
		Slots: map[string]string{"order_number": "4827163"}}}
	a := &echoAgent{script: map[string][]pipeline.Response{
		"|": {{Text: "Hi, how can I help?"}},
		"where is my order four eight two seven one six three|": {
			{Action: understood},
			{Action: agentic.ToolCall{ID: "t1", Name: "order_lookup", Arguments: []byte(`{"order_number":"4827163"}`)}},
			{Text: "Your order shipped."},
			{Text: "It arrives Friday.", Hints: &pipeline.Hints{Grammar: "#JSGF V1.0;"}},
		},
		"|4827163#": {{Text: "Got it."}},
		"bye|":      {{Text: "Goodbye."}, {Action: agentic.EndCall{Reason: "caller said goodbye"}, AfterSpeech: true}},
	}}
	c, err := NewChatSession(agentic.FactoryFunc(func(agentic.Call) (agentic.Agent, error) { return a, nil }),
		agentic.Call{ID: "c1", Language: "en"}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	g, err := c.Greet(ctx)
	if err != nil || g.Text != "Hi, how can I help?" || g.Turn != 1 {
		t.Fatalf("greeting: %+v, %v", g, err)
	}
	turn, err := c.Send(ctx, " where is my order four eight two seven one six three ", "")
	if err != nil {
		t.Fatal(err)
	}
	if turn.Intent != "order_status" || turn.Slots["order_number"] != "4827163" || len(turn.ToolCalls) != 1 ||
		turn.Text != "Your order shipped. It arrives Friday." || turn.Hints == nil || turn.Ended {
		t.Errorf("turn 2: %+v", turn)
	}
	if _, err := c.Send(ctx, "", "4827163#"); err != nil {
		t.Fatal(err)
	}
	bye, err := c.Send(ctx, "bye", "")
	if err != nil || !bye.Ended || len(bye.Actions) != 1 || bye.Actions[0].Kind != agentic.KindEndCall || !bye.Actions[0].AfterSpeech {
		t.Errorf("goodbye: %+v, %v", bye, err)
	}
	if _, err := c.Send(ctx, "hello?", ""); !errors.Is(err, ErrChatEnded) {
		t.Errorf("after the end: %v, want ErrChatEnded", err)
	}
	// The agent saw the history so far at each turn, ending with the
	// caller's message; keypad input is recorded too.
	last := a.seen[3].History
	var got []string
	for _, m := range last {
		got = append(got, string(m.Role)+":"+m.Text)
	}
	want := "bot:Hi, how can I help?|caller:where is my order four eight two seven one six three|" +
		"bot:Your order shipped. It arrives Friday.|caller:[keypad 4827163#]|bot:Got it.|caller:bye"
	if strings.Join(got, "|") != want {
		t.Errorf("history:\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
}

func TestChatSessionAgentFailures(t *testing.T) {
	tests := []struct {
		desc  string
		agent *echoAgent
		want  string
	}{
		{"an agent error is reported and the chat goes on", &echoAgent{fail: errors.New("llm down")}, "llm down"},
		{"a hung agent is cut off by the turn timeout", &echoAgent{block: true}, context.DeadlineExceeded.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c, err := NewChatSession(agentic.FactoryFunc(func(agentic.Call) (agentic.Agent, error) { return tc.agent, nil }),
				agentic.Call{ID: "c1"}, 50*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			turn, err := c.Send(context.Background(), "hello", "")
			if err != nil || !strings.Contains(turn.Error, tc.want) || turn.Ended {
				t.Errorf("got %+v, %v; want error %q", turn, err, tc.want)
			}
		})
	}
}
