package flite

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestSynthesizeCancelMidSentence(t *testing.T) {
	tests := []struct {
		desc  string
		voice string
	}{
		{"streaming clustergen voice", "slt"},
		{"diphone voice", "kal16"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			s := newSynth(t, WithVoice(tc.voice))
			full := speak(t, s, pipeline.SpeechRequest{Text: sentence})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := recorder{hook: func(n int) error {
				if n == 2 { // the leading silence, then the first word
					cancel()
				}
				return nil
			}}
			err := s.Synthesize(ctx, pipeline.SpeechRequest{Text: sentence}, &r)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Synthesize: %v, want context.Canceled", err)
			}
			if got := len(r.got()); got != 2 {
				t.Errorf("%d chunks written, want 2: none after the cancellation (of %d)", got, len(full))
			}
		})
	}
}

func TestSynthesizeCancelledBeforeStart(t *testing.T) {
	s := newSynth(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var r recorder
	if err := s.Synthesize(ctx, pipeline.SpeechRequest{Text: sentence}, &r); !errors.Is(err, context.Canceled) {
		t.Fatalf("Synthesize: %v, want context.Canceled", err)
	}
	if n := len(r.got()); n != 0 {
		t.Errorf("%d chunks written", n)
	}
}

func TestSynthesizeCancelWhileWaitingForASlot(t *testing.T) {
	s := newSynth(t, WithMaxConcurrent(1))
	s.slots <- struct{}{} // another request is synthesizing
	defer func() { <-s.slots }()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Synthesize(ctx, pipeline.SpeechRequest{Text: sentence}, &recorder{}) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Synthesize: %v, want context.Canceled", err)
	}
}

// signature is what flite computes deterministically for a request: the
// chunks' text ranges and lengths.
func signature(chunks []pipeline.SpeechChunk) string {
	var b []byte
	for _, c := range chunks {
		b = fmt.Appendf(b, "[%d,%d)%d ", c.TextStart, c.TextEnd, len(c.Audio.Samples))
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
	texts := []string{
		sentence,
		"Thanks for calling, I can help you return the jacket you ordered last week.",
		"Dr. Smith paid $45.99 for 3 widgets at 5pm; call 555-1234!",
	}
	tests := []struct {
		desc  string
		voice string
		exact bool // the voice's samples do not depend on libc's rand()
	}{
		{"diphone voice, sample-exact", "kal16", true},
		{"clustergen voice", "slt", false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			s := newSynth(t, WithVoice(tc.voice), WithMaxConcurrent(4))
			want := make([][]pipeline.SpeechChunk, len(texts))
			for i, text := range texts {
				want[i] = speak(t, s, pipeline.SpeechRequest{Text: text, Rate: audio.Rate8k})
			}
			const workers = 12
			got := make([][]pipeline.SpeechChunk, workers)
			errs := make([]error, workers)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					var r recorder
					errs[w] = s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: texts[w%len(texts)], Rate: audio.Rate8k}, &r)
					got[w] = r.got()
				})
			}
			wg.Wait()
			for w := range workers {
				if errs[w] != nil {
					t.Fatalf("worker %d: %v", w, errs[w])
				}
				ref := want[w%len(texts)]
				if signature(got[w]) != signature(ref) {
					t.Fatalf("worker %d chunks differ from the sequential run:\n got %s\nwant %s", w, signature(got[w]), signature(ref))
				}
				for i := range ref {
					a, b := got[w][i].Audio.Samples, ref[i].Audio.Samples
					if tc.exact {
						if !slicesEqual(a, b) {
							t.Fatalf("worker %d chunk %d: samples differ from the sequential run", w, i)
						}
						continue
					}
					// Clustergen voices draw their excitation noise from
					// libc's shared rand(): the same words at the same
					// loudness, not the same samples.
					if ra, rb := rms(a), rms(b); math.Abs(ra-rb) > 0.25*rb+30 {
						t.Errorf("worker %d chunk %d: level %.0f, sequential %.0f", w, i, ra, rb)
					}
				}
			}
		})
	}
}

func slicesEqual(a, b []int16) bool {
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
}

func TestCloseDuringSynthesis(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var closed sync.WaitGroup
	r := recorder{hook: func(n int) error {
		if n == 1 {
			closed.Go(func() { _ = s.Close() })
			pipelinetest.Eventually(t, s.closed, "Close started")
		}
		return nil
	}}
	err = s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: sentence}, &r)
	closed.Wait()
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Synthesize: %v, want ErrClosed", err)
	}
	if n := len(r.got()); n != 1 {
		t.Errorf("%d chunks written, want 1: none after Close", n)
	}
}
