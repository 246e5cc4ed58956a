package tts_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/tts/ttstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a writer that records the chunks and which provider (by the
// tone's first non-zero sample pattern) spoke them.
type recorder struct {
	mu     sync.Mutex
	chunks []tts.Chunk
}

func (r *recorder) WriteSpeech(c tts.Chunk) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.Audio.Samples = append([]int16(nil), c.Audio.Samples...)
	r.chunks = append(r.chunks, c)
	return nil
}

func (r *recorder) words(text string) []string {
	var out []string
	for _, c := range r.chunks {
		out = append(out, text[c.TextStart:c.TextEnd])
	}
	return out
}

func TestFallback(t *testing.T) {
	const text = "your order ships on monday"
	boom := errors.New("engine crashed")
	tests := []struct {
		desc      string
		first     *ttstest.Synthesizer
		wantFirst []string // texts each provider was asked
		wantNext  []string
		failovers int64
	}{
		{"healthy primary", &ttstest.Synthesizer{}, []string{text}, nil, 0},
		{"error before audio", &ttstest.Synthesizer{Err: boom}, []string{text}, []string{text}, 1},
		{"error mid-sentence resumes at the next word", &ttstest.Synthesizer{Err: boom, FailAfter: 2},
			[]string{text}, []string{"ships on monday"}, 1},
		{"no first audio within the budget", &ttstest.Synthesizer{Stall: make(chan struct{})},
			[]string{text}, []string{text}, 1},
		{"stall mid-sentence", &ttstest.Synthesizer{Stall: make(chan struct{}), StallAfter: 3},
			[]string{text}, []string{"on monday"}, 1},
		{"error after the last word", &ttstest.Synthesizer{Err: boom, FailAfter: 5}, []string{text}, nil, 0},
	}
	for _, tc := range tests {
		next := &ttstest.Synthesizer{Pitch: 880}
		f, err := tts.NewFallback([]tts.Provider{{Name: "a", Synthesizer: tc.first}, {Name: "b", Synthesizer: next}},
			tts.WithBudget(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		var rec recorder
		if err := f.Synthesize(context.Background(), tts.Request{Text: text, Rate: 16000}, &rec); err != nil {
			t.Errorf("%s: Synthesize: %v", tc.desc, err)
			continue
		}
		if got := rec.words(text); len(got) != 5 || got[0] != "your" || got[4] != "monday" {
			t.Errorf("%s: words spoken = %q, want each word once in order", tc.desc, got)
		}
		if got := texts(tc.first.Requests()); !equal(got, tc.wantFirst) {
			t.Errorf("%s: first provider asked %q, want %q", tc.desc, got, tc.wantFirst)
		}
		if got := texts(next.Requests()); !equal(got, tc.wantNext) {
			t.Errorf("%s: second provider asked %q, want %q", tc.desc, got, tc.wantNext)
		}
		if f.Failovers() != tc.failovers {
			t.Errorf("%s: failovers = %d, want %d", tc.desc, f.Failovers(), tc.failovers)
		}
	}
}

func texts(reqs []tts.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Text)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// slowWriter blocks each write until released, as a full output buffer does.
type slowWriter struct {
	release chan struct{}
	n       int
}

func (w *slowWriter) WriteSpeech(tts.Chunk) error {
	<-w.release
	w.n++
	return nil
}

func TestFallbackBackpressureIsNotAStall(t *testing.T) {
	first := &ttstest.Synthesizer{}
	next := &ttstest.Synthesizer{}
	f, _ := tts.NewFallback([]tts.Provider{{Name: "a", Synthesizer: first}, {Name: "b", Synthesizer: next}},
		tts.WithBudget(20*time.Millisecond))
	w := &slowWriter{release: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- f.Synthesize(context.Background(), tts.Request{Text: "one two three", Rate: 16000}, w) }()
	for range 3 {
		// Each write is held several budgets long.
		timer := time.NewTimer(80 * time.Millisecond)
		<-timer.C
		w.release <- struct{}{}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if w.n != 3 || len(next.Requests()) != 0 || f.Failovers() != 0 {
		t.Errorf("writes = %d, second provider requests = %d, failovers = %d: backpressure was taken for a stall",
			w.n, len(next.Requests()), f.Failovers())
	}
}

func TestFallbackCancelAndCooldown(t *testing.T) {
	now := time.Unix(100, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	first := &ttstest.Synthesizer{Err: errors.New("down")}
	next := &ttstest.Synthesizer{Stall: make(chan struct{})}
	f, _ := tts.NewFallback([]tts.Provider{{Name: "a", Synthesizer: first}, {Name: "b", Synthesizer: next}},
		tts.WithBudget(time.Minute), tts.WithCooldown(10*time.Second), tts.WithFallbackNow(clock))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Synthesize(ctx, tts.Request{Text: "hello there", Rate: 8000}, &recorder{}) }()
	pipelinetest.Eventually(t, func() bool { return len(next.Requests()) == 1 }, "second provider asked")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Synthesize after cancel = %v", err)
	}
	// The first provider is in cool-down: the next request goes to the
	// second first.
	next.Stall = nil
	if err := f.Synthesize(context.Background(), tts.Request{Text: "again", Rate: 8000}, &recorder{}); err != nil {
		t.Fatal(err)
	}
	if len(first.Requests()) != 1 {
		t.Errorf("first provider asked %d times during its cool-down", len(first.Requests()))
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	first.Err = nil
	if err := f.Synthesize(context.Background(), tts.Request{Text: "back", Rate: 8000}, &recorder{}); err != nil {
		t.Fatal(err)
	}
	if len(first.Requests()) != 2 {
		t.Errorf("first provider not tried again after its cool-down")
	}
}

func TestFallbackAllFail(t *testing.T) {
	f, _ := tts.NewFallback([]tts.Provider{
		{Name: "a", Synthesizer: &ttstest.Synthesizer{Err: errors.New("a down")}},
		{Name: "b", Synthesizer: &ttstest.Synthesizer{Err: errors.New("b down")}}})
	err := f.Synthesize(context.Background(), tts.Request{Text: "hi", Rate: 16000}, &recorder{})
	if !errors.Is(err, tts.ErrAllFailed) {
		t.Fatalf("err = %v, want ErrAllFailed", err)
	}
	if _, err := tts.NewFallback(nil); !errors.Is(err, tts.ErrNoProviders) {
		t.Errorf("NewFallback(nil) = %v", err)
	}
	if _, err := tts.NewFallback([]tts.Provider{{Name: "x"}}); !errors.Is(err, tts.ErrInvalidConfig) {
		t.Errorf("nil synthesizer: %v", err)
	}
	v := tts.Voice{Name: "slt"}
	f2, _ := tts.NewFallback([]tts.Provider{{Name: "a", Synthesizer: &ttstest.Synthesizer{VoiceList: []tts.Voice{v}}}})
	if got := f2.Voices(); len(got) != 1 || got[0] != v {
		t.Errorf("Voices() = %v", got)
	}
}
