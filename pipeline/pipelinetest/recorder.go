package pipelinetest

import (
	"sync"
	"testing"

	"github.com/parley-voice/parley/pipeline"
)

// Recorder collects a subscription's events on a goroutine of its own until
// the subscription ends. It is safe for concurrent use.
type Recorder struct {
	sub    *pipeline.Subscription
	mu     sync.Mutex
	events []pipeline.Event
	done   chan struct{}
}

// Record starts collecting sub's events.
func Record(sub *pipeline.Subscription) *Recorder {
	r := &Recorder{sub: sub, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for e := range sub.Events() {
			r.mu.Lock()
			r.events = append(r.events, e)
			r.mu.Unlock()
		}
	}()
	return r
}

// Events returns the events collected so far, in order.
func (r *Recorder) Events() []pipeline.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pipeline.Event(nil), r.events...)
}

// Kinds returns the kinds of the events collected so far, in order.
func (r *Recorder) Kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.events))
	for i, e := range r.events {
		out[i] = e.Kind()
	}
	return out
}

// Count returns how many events of kind were collected.
func (r *Recorder) Count(kind string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Kind() == kind {
			n++
		}
	}
	return n
}

// WaitFor waits until n events of kind were collected, failing t otherwise.
func (r *Recorder) WaitFor(t testing.TB, kind string, n int) {
	t.Helper()
	Eventually(t, func() bool { return r.Count(kind) >= n }, "%d %q events (have %v)", n, kind, r.Kinds())
}

// LastSeq returns the sequence number of the last event collected (0 if
// none), to compare with pipeline.Stats.Events.
func (r *Recorder) LastSeq() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		return 0
	}
	return r.events[len(r.events)-1].Header().Seq
}

// Close unsubscribes and waits for the collecting goroutine to end.
func (r *Recorder) Close() {
	r.sub.Close()
	<-r.done
}

// Done returns a channel closed when the subscription has ended and every
// event was collected.
func (r *Recorder) Done() <-chan struct{} { return r.done }

// Of returns the collected events of type T, in order.
func Of[T pipeline.Event](r *Recorder) []T {
	var out []T
	for _, e := range r.Events() {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}
