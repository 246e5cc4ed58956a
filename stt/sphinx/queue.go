package sphinx

import "sync"

// Slot flags.
const (
	// slotStart marks the first slot of an utterance; the slot carries the
	// utterance's hints.
	slotStart uint8 = 1 << iota
	// slotEnd marks the end of an utterance (an empty slot, or the start
	// slot of an utterance whose audio was all dropped).
	slotEnd
)

// maxSlotSamples is the most samples one slot holds (100 ms); longer
// writes are split.
const maxSlotSamples = 1600

// slot is one piece of an utterance in the queue.
type slot struct {
	pos   int64 // stream position of the first sample, in 16 kHz samples
	n     int
	flags uint8
	hints *compiledHints
}

// queue carries utterance audio from a stream's writer (the session's
// loop) to its decoding goroutine: a ring of samples and a ring of slots,
// both allocated once, with a single producer and a single consumer.
//
// Overflow policy: drop the oldest audio (and count it). When the decoder
// falls behind or an utterance waits for a free decoder, the newest speech
// matters most, and the utterance still ends with a final: a dropped
// utterance start moves to the next slot, so the consumer always sees the
// start and the end of every utterance that was not entirely dropped.
type queue struct {
	mu      sync.Mutex
	samples []int16
	r, w    int // sample positions; w-r samples are queued
	slots   []slot
	head, n int
	// running reports a consumer goroutine draining the queue; it is set
	// by the producer when it starts one and cleared by the consumer when
	// it finds the queue empty, both under mu.
	running bool
	notify  chan struct{}
	dropped int64 // samples, guarded by mu
}

func newQueue(samples int) *queue {
	samples = max(samples, 2*maxSlotSamples)
	return &queue{
		samples: make([]int16, samples),
		slots:   make([]slot, samples/samplesPerFrame+16), // room for 10 ms writes
		notify:  make(chan struct{}, 1),
	}
}

// push appends a slot (samples may be empty for an end marker; at most
// maxSlotSamples) and reports whether a consumer must be started.
func (q *queue) push(s slot, samples []int16) (start bool) {
	s.n = len(samples)
	q.mu.Lock()
	for q.n == len(q.slots) || q.w-q.r+s.n > len(q.samples) {
		q.dropHead()
	}
	size := len(q.samples)
	for rest := samples; len(rest) > 0; {
		c := copy(q.samples[q.w%size:], rest)
		rest = rest[c:]
		q.w += c
	}
	q.slots[(q.head+q.n)%len(q.slots)] = s
	q.n++
	if !q.running {
		q.running, start = true, true
	}
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return start
}

// dropHead drops the oldest slot, moving an utterance start to the next
// slot. Called with mu held and q.n > 0.
func (q *queue) dropHead() {
	old := q.slots[q.head]
	q.slots[q.head] = slot{}
	q.r += old.n
	q.dropped += int64(old.n)
	q.head = (q.head + 1) % len(q.slots)
	q.n--
	if q.n > 0 && old.flags&slotStart != 0 {
		next := &q.slots[q.head]
		if next.flags&slotStart == 0 {
			next.flags |= slotStart
			next.hints = old.hints
		}
	}
}

// peek returns the oldest slot without removing it.
func (q *queue) peek() (slot, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return slot{}, false
	}
	return q.slots[q.head], true
}

// pop removes the oldest slot and copies its samples into dst (which holds
// maxSlotSamples). When the queue is empty it clears running if stop is
// set, so the consumer can exit without racing a producer that would then
// start a new one.
func (q *queue) pop(dst []int16, stop bool) (slot, []int16, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		if stop {
			q.running = false
		}
		return slot{}, nil, false
	}
	s := q.slots[q.head]
	q.slots[q.head] = slot{}
	size := len(q.samples)
	for got := 0; got < s.n; {
		c := copy(dst[got:s.n], q.samples[q.r%size:])
		got += c
		q.r += c
	}
	q.head = (q.head + 1) % len(q.slots)
	q.n--
	if q.n == 0 {
		q.r, q.w = 0, 0
	}
	return s, dst[:s.n], true
}

// idle clears running, for a producer that did not start a consumer.
func (q *queue) idle() {
	q.mu.Lock()
	q.running = false
	q.mu.Unlock()
}

// takeDropped returns and resets the count of dropped samples.
func (q *queue) takeDropped() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	d := q.dropped
	q.dropped = 0
	return d
}

// ring keeps the newest audio of a stream, for the pre-roll of the next
// utterance. It is used by the stream's writer only.
type ring struct {
	buf []int16
	end int64 // stream position after the newest sample
	n   int   // valid samples, at most len(buf)
}

// write appends samples, keeping the newest len(buf). The sample at
// stream position p is at buf[p%len(buf)].
func (r *ring) write(s []int16) {
	r.end += int64(len(s))
	size := len(r.buf)
	if size == 0 {
		return
	}
	if len(s) > size {
		s = s[len(s)-size:]
	}
	i := int((r.end - int64(len(s))) % int64(size))
	c := copy(r.buf[i:], s)
	copy(r.buf, s[c:])
	r.n = min(r.n+len(s), size)
}

// since calls fn with the kept samples from stream position from (or the
// oldest kept) to the newest, in at most two contiguous pieces.
func (r *ring) since(from int64, fn func(pos int64, s []int16)) {
	first := max(from, r.end-int64(r.n))
	if first >= r.end || len(r.buf) == 0 {
		return
	}
	size := int64(len(r.buf))
	i, j := first%size, r.end%size
	if i < j {
		fn(first, r.buf[i:j])
		return
	}
	fn(first, r.buf[i:])
	if j > 0 {
		fn(first+size-i, r.buf[:j])
	}
}
