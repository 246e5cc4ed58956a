package pipeline

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// MaxFrameDuration is the longest frame Session.PushAudio accepts.
const MaxFrameDuration = 60 * time.Millisecond

// maxFrameSamples is MaxFrameDuration at the pipeline rate.
const maxFrameSamples = audio.PipelineRate * int(MaxFrameDuration/time.Millisecond) / 1000

// inbound is the bounded queue of caller frames between the transport and the
// session's loop: a ring of samples plus a ring of frame lengths and arrival
// times, allocated once; push copies into them.
//
// Overflow policy: drop the oldest frames (and count them) until the new one
// fits. When the loop falls behind, the caller's newest audio matters most:
// turn-taking decisions are about now, and a recognizer is better served by
// a gap than by stale audio.
type inbound struct {
	mu      sync.Mutex
	samples []int16
	r, w    int // sample positions, r <= w, both reduced modulo len(samples) on use
	lens    []int
	stamps  []time.Duration
	head, n int
	wake    *loopWake

	pushed  atomic.Uint64
	dropped atomic.Uint64
}

// newInbound returns a queue holding up to d of audio, in frames of at most
// maxFrameSamples (and at least 1 ms), that wakes the loop through w.
func newInbound(d time.Duration, w *loopWake) *inbound {
	n := max(audio.SamplesFor(audio.PipelineRate, d), maxFrameSamples)
	slots := max(3*frames(d), 4) // room for frames shorter than 20 ms
	return &inbound{
		samples: make([]int16, n),
		lens:    make([]int, slots),
		stamps:  make([]time.Duration, slots),
		wake:    w,
	}
}

// push copies samples (at most maxFrameSamples) into the queue, dropping the
// oldest frames when it is full. It never blocks on the consumer.
func (q *inbound) push(samples []int16, stamp time.Duration) {
	q.mu.Lock()
	for q.n == len(q.lens) || q.w-q.r+len(samples) > len(q.samples) {
		q.r += q.lens[q.head]
		q.head = (q.head + 1) % len(q.lens)
		q.n--
		q.dropped.Add(1)
	}
	size := len(q.samples)
	for rest := samples; len(rest) > 0; {
		i := q.w % size
		c := copy(q.samples[i:], rest)
		rest = rest[c:]
		q.w += c
	}
	i := (q.head + q.n) % len(q.lens)
	q.lens[i], q.stamps[i] = len(samples), stamp
	q.n++
	q.mu.Unlock()
	q.pushed.Add(1)
	q.wake.raise(wakeFrames)
}

// pop copies the oldest frame into dst (which holds maxFrameSamples) and
// returns its length and arrival time.
func (q *inbound) pop(dst []int16) (n int, stamp time.Duration, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return 0, 0, false
	}
	n, stamp = q.lens[q.head], q.stamps[q.head]
	size := len(q.samples)
	for got := 0; got < n; {
		i := q.r % size
		c := copy(dst[got:n], q.samples[i:])
		got += c
		q.r += c
	}
	q.head = (q.head + 1) % len(q.lens)
	q.n--
	if q.n == 0 { // keep positions small
		q.r, q.w = 0, 0
	}
	return n, stamp, true
}
