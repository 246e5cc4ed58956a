package vadeval

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
)

// oracle is a Detector that answers from the labels it was built with.
type oracle struct {
	labels []bool
	i      int
}

func (o *oracle) Process(audio.Frame) (float32, error) {
	o.i++
	if o.i-1 < len(o.labels) && o.labels[o.i-1] {
		return 1, nil
	}
	return 0, nil
}
func (o *oracle) Reset()       { o.i = 0 }
func (o *oracle) Close() error { return nil }

func TestRunScoresEveryPair(t *testing.T) {
	labels := bits("0001111000011100")
	conds := []Condition{
		{Name: "a", Group: Clean, Samples: make([]int16, len(labels)*FrameSamples), Labels: labels},
		{Name: "b", Group: NonSpeech, Samples: make([]int16, 10*FrameSamples), Labels: make([]bool, 10)},
	}
	cands := []Candidate{
		{Name: "oracle", New: func() (vad.Detector, error) { return &oracle{labels: labels}, nil }},
		{Name: "energy", New: func() (vad.Detector, error) { return vad.NewEnergy(), nil }},
	}
	rep, err := Run(context.Background(), cands, conds)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 4 {
		t.Fatalf("%d results, want 4", len(rep.Results))
	}
	if r, ok := rep.Find("oracle", "a"); !ok || r.F1 != 1 || r.Onsets != 2 || r.ModelShare != -1 {
		t.Errorf("oracle on a: %+v", r)
	}
	if r, ok := rep.Find("energy", "b"); !ok || r.FPR != 0 {
		t.Errorf("energy on silence: %+v", r)
	}
	if got := rep.Filter("oracle", NonSpeech); len(got) != 1 || got[0].Condition != "b" {
		t.Errorf("Filter: %+v", got)
	}
	var table, lines strings.Builder
	if err := rep.WriteTable(&table); err != nil || !strings.Contains(table.String(), "oracle") {
		t.Errorf("table %q: %v", table.String(), err)
	}
	if err := rep.WriteJSONLines(&lines); err != nil || strings.Count(lines.String(), "\n") != 4 {
		t.Errorf("json lines %q: %v", lines.String(), err)
	}
}

func TestRunStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	conds := []Condition{{Name: "a", Samples: make([]int16, FrameSamples), Labels: []bool{false}}}
	cands := []Candidate{{Name: "broken", New: func() (vad.Detector, error) { return nil, boom }}}
	if _, err := Run(context.Background(), cands, conds); !errors.Is(err, boom) {
		t.Errorf("got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cands = []Candidate{{Name: "energy", New: func() (vad.Detector, error) { return vad.NewEnergy(), nil }}}
	if _, err := Run(ctx, cands, conds); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
