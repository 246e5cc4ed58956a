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
// session's loop. Its slots are allocated once; push copies into them.
//
// Overflow policy: drop the oldest frame and count it. When the loop falls
// behind, the caller's newest audio matters most: turn-taking decisions are
// about now, and a recognizer is better served by a gap than by stale audio.
type inbound struct {
	mu      sync.Mutex
	samples []int16 // len(stamps) slots of maxFrameSamples
	lens    []int
	stamps  []time.Duration
	head, n int
	notify  chan struct{}

	pushed  atomic.Uint64
	dropped atomic.Uint64
}

func newInbound(slots int) *inbound {
	return &inbound{
		samples: make([]int16, slots*maxFrameSamples),
		lens:    make([]int, slots),
		stamps:  make([]time.Duration, slots),
		notify:  make(chan struct{}, 1),
	}
}

// push copies samples (at most maxFrameSamples) into the queue, dropping the
// oldest frame when full. It never blocks on the consumer.
func (q *inbound) push(samples []int16, stamp time.Duration) {
	q.mu.Lock()
	slots := len(q.lens)
	if q.n == slots {
		q.head = (q.head + 1) % slots
		q.n--
		q.dropped.Add(1)
	}
	i := (q.head + q.n) % slots
	q.lens[i] = copy(q.samples[i*maxFrameSamples:(i+1)*maxFrameSamples], samples)
	q.stamps[i] = stamp
	q.n++
	q.mu.Unlock()
	q.pushed.Add(1)
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// pop copies the oldest frame into dst (which holds maxFrameSamples) and
// returns its length and arrival time.
func (q *inbound) pop(dst []int16) (n int, stamp time.Duration, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return 0, 0, false
	}
	i := q.head
	n = copy(dst, q.samples[i*maxFrameSamples:i*maxFrameSamples+q.lens[i]])
	stamp = q.stamps[i]
	q.head = (q.head + 1) % len(q.lens)
	q.n--
	return n, stamp, true
}
