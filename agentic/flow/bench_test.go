package flow_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/agentic/agentictest"
	"github.com/parley-voice/parley/agentic/flow"
	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
)

// mapParser is a parser without recording, so that a long benchmark does
// not grow a call log.
type mapParser map[string]nlu.Result

func (p mapParser) Parse(ctx context.Context, text string, opts nlu.ParseOptions) (nlu.Result, error) {
	r, ok := p[text]
	if !ok {
		r = nlu.Result{Intent: nlu.NoIntent}
	}
	r.Text = text
	if r.Slots == nil {
		r.Slots = map[string]string{}
	}
	if len(opts.Intents) > 0 && !slices.Contains(opts.Intents, r.Intent) {
		r.Intent = nlu.NoIntent
	}
	return r, ctx.Err()
}

// BenchmarkTurn measures one flow agent turn with a local parser and an
// instant tool (no webhook), cycling through a whole order-status call:
// the request, the order number and its confirmation, the lookup and
// status, and goodbye. It reports the turn latency's p50 and p99.
func BenchmarkTurn(b *testing.B) {
	flows, err := flow.Parse("mini.yaml", []byte(miniFlows))
	if err != nil {
		b.Fatal(err)
	}
	tool := agentictest.NewTool("lookup", nil).Func(func(agentic.Call, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"status":"shipped"}`), nil
	})
	parser := mapParser{
		"where is my order":                  {Intent: "order_status", Confidence: 0.9},
		"four eight two seven one six three": {Intent: nlu.NoIntent, Slots: map[string]string{"order_number": "4827163"}},
		"yes":                                {Intent: "affirm", Confidence: 0.95},
		"bye":                                {Intent: "goodbye", Confidence: 0.95},
	}
	d := miniDomain()
	d.Intents = append(d.Intents, nlu.Intent{Name: "repeat_forever"})
	f, err := flow.New(flows, parser, flow.WithDomains(d), flow.WithTool(tool))
	if err != nil {
		b.Fatal(err)
	}
	a := f.NewFlowAgent(agentic.Call{ID: "bench", Language: "en"})
	script := []string{"where is my order", "four eight two seven one six three", "yes", "bye"}
	w := pipeline.ResponseWriterFunc(func(pipeline.Response) error { return nil })
	ctx := context.Background()
	lat := make([]time.Duration, 0, 1<<18)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		began := time.Now()
		if err := a.Respond(ctx, agentic.Request{CallID: "bench", Turn: i + 1, Text: script[i%len(script)]}, w); err != nil {
			b.Fatal(err)
		}
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(began))
		}
	}
	b.StopTimer()
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	}
}
