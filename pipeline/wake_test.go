package pipeline

import (
	"sync"
	"testing"
	"time"
)

func TestLoopWake(t *testing.T) {
	cases := []struct {
		desc   string
		raise  []wakeReason
		want   wakeReason
		tokens int // wake-ups pending after the raises
	}{
		{"nothing raised", nil, 0, 0},
		{"one reason", []wakeReason{wakeFrames}, wakeFrames, 1},
		{"a reason raised twice wakes once", []wakeReason{wakeResults, wakeResults}, wakeResults, 1},
		{"reasons accumulate", []wakeReason{wakeFrames, wakeOutput, wakeCommands}, wakeFrames | wakeOutput | wakeCommands, 1},
	}
	for _, tc := range cases {
		w := newLoopWake()
		for _, r := range tc.raise {
			w.raise(r)
		}
		if got := len(w.ch); got != tc.tokens {
			t.Errorf("%s: %d wake-ups pending, want %d", tc.desc, got, tc.tokens)
		}
		if got := w.take(); got != tc.want {
			t.Errorf("%s: took %b, want %b", tc.desc, got, tc.want)
		}
		if got := w.take(); got != 0 {
			t.Errorf("%s: second take returned %b, want nothing", tc.desc, got)
		}
	}
}

func TestLoopWakeLosesNothing(t *testing.T) {
	// Producers raise their reason after each item they hand over; the
	// consumer waits on the channel and takes the reasons. Whatever the
	// interleaving, every item is seen: a reason raised after a take
	// always leaves a wake-up behind.
	const producers, items = 4, 2000
	w := newLoopWake()
	var handed [producers]struct {
		mu sync.Mutex
		n  int
	}
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range items {
				handed[p].mu.Lock()
				handed[p].n++
				handed[p].mu.Unlock()
				w.raise(wakeReason(1) << p)
			}
		}()
	}
	seen := make([]int, producers)
	for total := 0; total < producers*items; {
		select {
		case <-w.ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("no wake-up with %d of %d items seen: a wake-up was lost", total, producers*items)
		}
		r := w.take()
		total = 0
		for p := range producers {
			if r&(wakeReason(1)<<p) != 0 {
				handed[p].mu.Lock()
				seen[p] = handed[p].n
				handed[p].mu.Unlock()
			}
			total += seen[p]
		}
	}
	wg.Wait()
}
