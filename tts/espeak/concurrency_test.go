package espeak

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestSynthesizeCancelMidSentence(t *testing.T) {
	tests := []struct {
		desc string
		req  pipeline.SpeechRequest
	}{
		{"English", pipeline.SpeechRequest{Text: sentence}},
		{"Mandarin", pipeline.SpeechRequest{Text: mandarin, Language: "zh"}},
	}
	s := newSynth(t)
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := recorder{hook: func(n int) error {
				if n == 1 {
					cancel()
				}
				return nil
			}}
			if err := s.Synthesize(ctx, tc.req, &r); !errors.Is(err, context.Canceled) {
				t.Fatalf("Synthesize: %v, want context.Canceled", err)
			}
			if n := len(r.got()); n != 1 {
				t.Errorf("%d chunks written, want 1: none after the cancellation", n)
			}
		})
	}
}

func TestSynthesisStopsInsideAClause(t *testing.T) {
	s := newSynth(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	j := &job{ctx: ctx, closing: s.closing}
	h := newHandle(t, j)
	long := strings.Repeat("This clause goes on and on, ", 14)
	j.clean.clean(long, 0, len(long))
	if err := lockEngine(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	err := synthesize(s.ids[s.voice], 175, 50, j.clean.out, true, h)
	unlockEngine()
	if !errors.Is(err, errStopped) {
		t.Fatalf("synthesize: %v, want errStopped", err)
	}
	// espeak-ng stopped after its first 20 ms buffer, not after the
	// clause's 20 seconds.
	if got := len(j.native); got > audio.SamplesFor(nativeRate, 100e6) {
		t.Errorf("espeak-ng produced %d samples after the cancellation", got)
	}
	// The engine is usable afterwards.
	checkChunks(t, "Still here.", audio.PipelineRate, speak(t, s, pipeline.SpeechRequest{Text: "Still here."}))
}

func TestSynthesizeCancelWhileWaitingForTheEngine(t *testing.T) {
	s := newSynth(t)
	if err := lockEngine(context.Background(), nil); err != nil { // another request is synthesizing
		t.Fatal(err)
	}
	defer unlockEngine()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Synthesize(ctx, pipeline.SpeechRequest{Text: sentence}, &recorder{}) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Synthesize: %v, want context.Canceled", err)
	}
}

// signature is the chunks' text ranges.
func signature(chunks []pipeline.SpeechChunk) string {
	var b []byte
	for _, c := range chunks {
		b = fmt.Appendf(b, "[%d,%d) ", c.TextStart, c.TextEnd)
	}
	return string(b)
}

func rms(s []int16) float64 {
	var sum float64
	for _, x := range s {
		sum += float64(x) * float64(x)
	}
	return math.Sqrt(sum / float64(max(1, len(s))))
}

func TestSynthesizeConcurrent(t *testing.T) {
	reqs := []pipeline.SpeechRequest{
		{Text: sentence, Rate: audio.Rate8k},
		{Text: mandarin, Language: "zh", Rate: audio.Rate16k},
		{Text: "Votre commande arrivera mardi.", Language: "fr", Rate: audio.Rate8k},
	}
	// Two Synthesizers with different settings share the one engine.
	slow := newSynth(t, WithWordsPerMinute(120))
	fast := newSynth(t, WithWordsPerMinute(300), WithPitch(70))
	synths := []*Synthesizer{slow, fast}
	want := make(map[[2]int][]pipeline.SpeechChunk)
	for si, s := range synths {
		for ri, req := range reqs {
			want[[2]int{si, ri}] = speak(t, s, req)
		}
	}
	const workers = 12
	got := make([][]pipeline.SpeechChunk, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var r recorder
			errs[w] = synths[w%2].Synthesize(context.Background(), reqs[w%3], &r)
			got[w] = r.got()
		})
	}
	wg.Wait()
	for w := range workers {
		if errs[w] != nil {
			t.Fatalf("worker %d: %v", w, errs[w])
		}
		ref := want[[2]int{w % 2, w % 3}]
		if signature(got[w]) != signature(ref) {
			t.Fatalf("worker %d chunks differ from the sequential run:\n got %s\nwant %s", w, signature(got[w]), signature(ref))
		}
		// espeak-ng's output varies slightly from run to run (its voice
		// source carries noise and jitter state from one synthesis to the
		// next), so the same words come out with lengths and levels within
		// a few percent.
		for i := range ref {
			a, b := got[w][i].Audio, ref[i].Audio
			if d := a.Duration() - b.Duration(); d < -tolerance(b.Duration()) || d > tolerance(b.Duration()) {
				t.Errorf("worker %d chunk %d lasts %v, %v in the sequential run", w, i, a.Duration(), b.Duration())
			}
			if ra, rb := rms(a.Samples), rms(b.Samples); math.Abs(ra-rb) > 0.25*rb+50 {
				t.Errorf("worker %d chunk %d: level %.0f, %.0f in the sequential run", w, i, ra, rb)
			}
		}
	}
}

// tolerance is how much a chunk of duration d may vary between runs.
func tolerance(d time.Duration) time.Duration { return d/20 + 15*time.Millisecond }

func TestClose(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	if err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: "hi"}, &recorder{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Synthesize after Close: %v, want ErrClosed", err)
	}
	// Other Synthesizers keep working.
	checkChunks(t, "Hello.", audio.PipelineRate, speak(t, newSynth(t), pipeline.SpeechRequest{Text: "Hello."}))
}

func TestCloseDuringSynthesis(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var closed sync.WaitGroup
	isClosed := func() bool {
		select {
		case <-s.closing:
			return true
		default:
			return false
		}
	}
	r := recorder{hook: func(n int) error {
		if n == 1 {
			closed.Go(func() { _ = s.Close() })
			pipelinetest.Eventually(t, isClosed, "Close started")
		}
		return nil
	}}
	err = s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: sentence}, &r)
	closed.Wait()
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Synthesize: %v, want ErrClosed", err)
	}
	if n := len(r.got()); n != 1 {
		t.Errorf("%d chunks written, want 1", n)
	}
}
