package agentictest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParser(t *testing.T) {
	p := NewParser().Add("Where is  my order", "order_status", 0.9, map[string]string{"order_number": "1"})
	ctx := context.Background()
	tests := []struct {
		desc, text string
		opts       nlu.ParseOptions
		intent     string
		slot       string
	}{
		{"case and spaces ignored", "where is my ORDER", nlu.ParseOptions{Language: "en"}, "order_status", "1"},
		{"unknown text", "hello", nlu.ParseOptions{}, nlu.NoIntent, ""},
		{"restricted away, slots kept", "where is my order", nlu.ParseOptions{Intents: []string{"affirm"}}, nlu.NoIntent, "1"},
		{"restricted to it", "where is my order", nlu.ParseOptions{Intents: []string{"order_status"}}, "order_status", "1"},
	}
	for _, tt := range tests {
		r, err := p.Parse(ctx, tt.text, tt.opts)
		if err != nil || r.Intent != tt.intent || r.Slots["order_number"] != tt.slot || r.Slots == nil || r.Text != tt.text || r.Language != tt.opts.Language {
			t.Errorf("%s: %+v %v", tt.desc, r, err)
		}
	}
	r, _ := p.Parse(ctx, "where is my order", nlu.ParseOptions{})
	r.Slots["order_number"] = "changed"
	if r2, _ := p.Parse(ctx, "where is my order", nlu.ParseOptions{}); r2.Slots["order_number"] != "1" {
		t.Error("results share their slots")
	}
	if n := len(p.Calls()); n != len(tests)+2 {
		t.Errorf("%d calls recorded", n)
	}
	boom := errors.New("down")
	p.Fail(boom)
	if _, err := p.Parse(ctx, "x", nlu.ParseOptions{}); !errors.Is(err, boom) {
		t.Errorf("Fail: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Parse(cctx, "x", nlu.ParseOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestSearcher(t *testing.T) {
	s := NewSearcher(
		knowledge.Chunk{Doc: "hours.md", Title: "Store hours", Text: "The Denver store opens at ten.", Language: "en"},
		knowledge.Chunk{Doc: "returns.md", Title: "Returns", Text: "You have thirty days to return an item.", Language: "en"},
		knowledge.Chunk{Doc: "zh/hours.md", Title: "营业时间", Text: "丹佛店十点开门。", Language: "zh"},
	)
	ctx := context.Background()
	hits, err := s.Search(ctx, "when does the denver store open", knowledge.SearchOptions{Language: "en"})
	if err != nil || len(hits) != 1 || hits[0].Doc != "hours.md" || hits[0].LexicalRank != 1 {
		t.Errorf("lexical search: %+v %v", hits, err)
	}
	if hits, _ := s.Search(ctx, "丹佛店几点开门", knowledge.SearchOptions{Language: "zh"}); len(hits) != 1 || hits[0].Doc != "zh/hours.md" {
		t.Errorf("mandarin search: %+v", hits)
	}
	s.Script("refunds", knowledge.Hit{Chunk: knowledge.Chunk{Doc: "a"}}, knowledge.Hit{Chunk: knowledge.Chunk{Doc: "b"}})
	if hits, _ := s.Search(ctx, "Refunds", knowledge.SearchOptions{K: 1}); len(hits) != 1 || hits[0].Doc != "a" {
		t.Errorf("scripted search: %+v", hits)
	}
	if q := s.Queries(); len(q) != 3 || q[2].Options.K != 1 {
		t.Errorf("queries %+v", q)
	}
}

func TestRecorderInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := NewRecorder()
	r.Interrupt(1, cancel)
	if err := r.WriteResponse(pipeline.Response{Action: agentic.Understood{Result: nlu.Result{Intent: "x"}}}); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteResponse(pipeline.Response{Text: "One."}); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteResponse(pipeline.Response{Text: "Two."}); !errors.Is(err, context.Canceled) || ctx.Err() == nil || !r.Interrupted() {
		t.Errorf("the second sentence must cut the turn: %v", err)
	}
	if got := r.Kinds(); len(got) != 2 || got[0] != "intent" || got[1] != "text" {
		t.Errorf("kinds %v", got)
	}
	if u, ok := r.Understood(); !ok || u.Intent != "x" {
		t.Errorf("understood %+v", u)
	}
}

func TestToolScript(t *testing.T) {
	tool := NewTool("lookup", nil).Result(`{"a":1}`).Error(&agentic.ToolError{Tool: "lookup", Message: "no"})
	ctx := context.Background()
	if out, err := tool.Call(ctx, agentic.Call{ID: "c"}, json.RawMessage(`{"n":"1"}`)); err != nil || string(out) != `{"a":1}` {
		t.Errorf("first: %s %v", out, err)
	}
	for range 2 {
		var te *agentic.ToolError
		if _, err := tool.Call(ctx, agentic.Call{}, nil); !errors.As(err, &te) {
			t.Errorf("the last reply repeats: %v", err)
		}
	}
	if tool.Args(0)["n"] != "1" || tool.Calls()[0].Call.ID != "c" {
		t.Errorf("calls %+v", tool.Calls())
	}
	tool.Hold()
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := tool.Call(cctx, agentic.Call{}, nil)
		done <- err
	}()
	pipelinetest.Eventually(t, func() bool { return len(tool.Calls()) == 4 }, "held call started")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("held call: %v", err)
	}
	tool.Release()
}

func TestConversationHistory(t *testing.T) {
	f := &Factory{Make: func(agentic.Call) *Agent {
		return &Agent{Reply: func(req agentic.Request) []pipeline.Response {
			return []pipeline.Response{{Text: "First sentence here."}, {Text: "Second one."}}
		}}
	}}
	c, err := NewConversation(f, agentic.Call{ID: "c", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Say(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, Turn{Text: "again", DTMF: "12", BargeIn: true, Heard: 0, HeardWords: 2}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(ctx, Turn{Text: "cut", BargeIn: true, Heard: 0, Early: true})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("early barge-in: %v", err)
	}
	h := c.History()
	want := []pipeline.Message{
		{Role: pipeline.RoleCaller, Text: "hello"},
		{Role: pipeline.RoleBot, Text: "First sentence here. Second one."},
		{Role: pipeline.RoleCaller, Text: "again [keypad 12]"},
		{Role: pipeline.RoleBot, Text: "First sentence", Interrupted: true},
		{Role: pipeline.RoleCaller, Text: "cut"},
		{Role: pipeline.RoleBot, Text: "", Interrupted: true},
	}
	if len(h) != len(want)-1 && len(h) != len(want) {
		t.Fatalf("history %+v", h)
	}
	for i := range h {
		if h[i].Role != want[i].Role || h[i].Text != want[i].Text || h[i].Interrupted != want[i].Interrupted {
			t.Errorf("message %d: %+v, want %+v", i, h[i], want[i])
		}
	}
	a := f.Agents()[0]
	reqs := a.Requests()
	if len(reqs) != 3 || reqs[1].Turn != 2 || reqs[1].DTMF != "12" || len(reqs[1].History) != 3 {
		t.Errorf("requests %+v", reqs)
	}
	if err := c.Close(); err != nil || a.Closed() != 1 {
		t.Errorf("close: %v, %d", err, a.Closed())
	}
}
