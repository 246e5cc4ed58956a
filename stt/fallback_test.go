package stt_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/stt"
	"github.com/parley-voice/parley/stt/stttest"
)

// deaf is a recognizer whose streams hear audio and never answer.
type deaf struct{ frames atomic.Int64 }

func (d *deaf) Open(context.Context, stt.Config, stt.Sink) (stt.Stream, error) {
	return deafStream{d}, nil
}

type deafStream struct{ d *deaf }

func (s deafStream) Write(audio.Frame) error  { s.d.frames.Add(1); return nil }
func (s deafStream) SetHints(stt.Hints) error { return nil }
func (s deafStream) Close() error             { return nil }

// clock is a settable wall clock for cool-downs.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestFallbackBudgetHandsUtteranceToTranscriber(t *testing.T) {
	tr := &stttest.Transcriber{Script: []stttest.Result{{Text: "return my jacket"}}}
	second, _ := stt.NewUtteranceRecognizer(tr)
	primary := &deaf{}
	f, err := stt.NewFallback([]stt.Provider{{Name: "deaf", Recognizer: primary}, {Name: "batch", Recognizer: second}},
		stt.WithBudget(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	st, err := f.Open(context.Background(), stt.Config{Rate: rate}, &c)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := st.(stt.VoiceWriter)
	n := speak(t, w, 0, 10, 30, 1)
	// Within the budget the primary still has time: no failover yet.
	n = speak(t, w, n, 13, 0, 0)
	if f.Failovers() != 0 || len(tr.Calls()) != 0 {
		t.Fatalf("failed over before the budget: %d failovers", f.Failovers())
	}
	speak(t, w, n, 2, 0, 0)
	pipelinetest.Eventually(t, func() bool { return len(c.finals()) == 1 }, "final from the second provider")
	got := c.finals()[0]
	if got.Text != "return my jacket" || got.Start != 0 || got.End != 820*time.Millisecond {
		t.Errorf("final = %+v, want the utterance from 0 to 820ms", got)
	}
	if f.Failovers() != 1 || primary.frames.Load() == 0 {
		t.Errorf("failovers = %d, primary frames = %d", f.Failovers(), primary.frames.Load())
	}
	if calls := tr.Calls(); len(calls) != 1 || len(calls[0].Audio.Samples) != 41*320 {
		t.Errorf("second provider got %d utterances", len(calls))
	}
}

func TestFallbackWriteErrorAndRecovery(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	first := &stttest.Recognizer{Script: []stttest.Result{{Text: "first"}, {Text: "back again"}}}
	second := &stttest.Recognizer{Script: []stttest.Result{{Text: "from the second"}}}
	f, _ := stt.NewFallback([]stt.Provider{{Name: "a", Recognizer: first}, {Name: "b", Recognizer: second}},
		stt.WithCooldown(time.Minute), stt.WithFallbackNow(clk.now))
	var c collector
	st, err := f.Open(context.Background(), stt.Config{Rate: rate}, &c)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := st.(stt.VoiceWriter)
	n := speak(t, w, 0, 2, 5, 1)
	first.Streams()[0].Fail(errors.New("engine crashed"))
	n = speak(t, w, n, 2, 5, 1)
	clk.add(2 * time.Minute)
	speak(t, w, n, 2, 5, 1)
	var texts []string
	for _, tr := range c.finals() {
		texts = append(texts, tr.Text)
	}
	want := []string{"first", "from the second", "back again"}
	if len(texts) != 3 || texts[0] != want[0] || texts[1] != want[1] || texts[2] != want[2] {
		t.Errorf("finals = %q, want %q", texts, want)
	}
	if len(first.Streams()) != 2 {
		t.Errorf("first provider opened %d streams, want it reopened after its cool-down", len(first.Streams()))
	}
	pipelinetest.Eventually(t, func() bool { return first.Streams()[0].Closed() && second.Streams()[0].Closed() },
		"failed and replaced streams closed")
}

func TestFallbackReplaysToStreamingProvider(t *testing.T) {
	second := &stttest.Recognizer{Script: []stttest.Result{{Text: "replayed"}}}
	f, _ := stt.NewFallback([]stt.Provider{{Name: "deaf", Recognizer: &deaf{}}, {Name: "stream", Recognizer: second}},
		stt.WithBudget(200*time.Millisecond))
	var c collector
	st, _ := f.Open(context.Background(), stt.Config{Rate: rate}, &c)
	defer st.Close()
	speak(t, st.(stt.VoiceWriter), 0, 5, 20, 12)
	finals := c.finals()
	if len(finals) != 1 || finals[0].Text != "replayed" {
		t.Fatalf("finals = %+v, want the replayed utterance", finals)
	}
	if got := second.Streams()[0].Frames(); got < 21 {
		t.Errorf("second provider heard %d frames, want at least the 21 of the utterance", got)
	}
}

func TestFallbackAllFail(t *testing.T) {
	f, _ := stt.NewFallback([]stt.Provider{{Name: "a", Recognizer: &deaf{}}, {Name: "b", Recognizer: &deaf{}}},
		stt.WithBudget(100*time.Millisecond))
	var c collector
	st, _ := f.Open(context.Background(), stt.Config{Rate: rate}, &c)
	defer st.Close()
	speak(t, st.(stt.VoiceWriter), 0, 5, 10, 20)
	if finals := c.finals(); len(finals) != 1 || finals[0].Text != "" {
		t.Fatalf("finals = %+v, want one empty final once every provider failed", finals)
	}
}

func TestFallbackOpen(t *testing.T) {
	bad := &stttest.Recognizer{OpenErr: errors.New("no model")}
	good := &stttest.Recognizer{}
	f, _ := stt.NewFallback([]stt.Provider{{Name: "bad", Recognizer: bad}, {Name: "good", Recognizer: good}})
	st, err := f.Open(context.Background(), stt.Config{Rate: rate}, &collector{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if len(good.Streams()) != 1 {
		t.Errorf("the second provider was not opened")
	}
	only, _ := stt.NewFallback([]stt.Provider{{Name: "bad", Recognizer: bad}})
	if _, err := only.Open(context.Background(), stt.Config{Rate: rate}, &collector{}); err == nil {
		t.Errorf("Open with no working provider succeeded")
	}
	if _, err := stt.NewFallback(nil); !errors.Is(err, stt.ErrNoProviders) {
		t.Errorf("NewFallback(nil) = %v", err)
	}
	if _, err := stt.NewFallback([]stt.Provider{{Name: "x"}}); !errors.Is(err, stt.ErrInvalidConfig) {
		t.Errorf("NewFallback(nil recognizer) = %v", err)
	}
}
