package pipeline

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// output is the bounded buffer of bot audio between a turn's synthesizer and
// the pacer that calls Session.NextFrame. It holds one bot turn at a time.
//
// Samples live in a ring addressed by absolute positions: r is the next
// sample to play, w the next to write. Each synthesized chunk is a segment
// that remembers the text it speaks, so the output knows which words were
// played; marks are positions where an after-speech action or the end of the
// turn is reached. Overflow policy: a writer blocks (under its turn context)
// while the ring is full, so synthesis never runs more than the ring's
// duration ahead of playback, and resumes once the rest of its chunk or a
// quarter of the ring is free; it also blocks while the segment queue (one
// segment per 20 ms of buffer, at least 64) or the mark queue (64) is full.
// The samples of the segment being played are kept (up to half the ring) so
// a paused turn can resume from the start of the first word the caller did
// not hear.
//
// All fields are guarded by mu; critical sections copy at most one frame (in
// next) or one chunk (in write) and never block.
type output struct {
	mu        sync.Mutex
	ring      []int16
	r, w      int64 // read and write positions
	keep      int64 // oldest position still needed (for rewinds)
	maxRetain int64
	segs      ring[outSeg]
	marks     ring[outMark]

	turn      int           // turn accepting writes; 0 when none
	wake      chan struct{} // wakes the turn's blocked writer
	waiting   bool          // a writer waits for space
	need      int64         // free samples the waiting writer waits for; 0: any progress
	paused    bool
	ended     bool // the turn's end mark was written
	started   bool // a frame of the turn was played
	reported  bool // started was reported by poll
	firstAt   time.Duration
	lastAt    time.Duration
	heardBase int // turn-text offset heard through fully played segments

	since   func() time.Duration
	ready   func()      // called when audio becomes playable after none was; may be nil
	pending atomic.Bool // poll has news: first frame or a mark reached
	loop    *loopWake   // wakes the session loop
	frames  atomic.Uint64
	under   atomic.Uint64
}

// outSeg is one synthesized chunk: samples [start, end) speak text, which
// starts at offset base of the turn's text. end is set when the segment is
// opened, before all its samples are written, so a segment is never taken
// as played while its writer waits for space.
type outSeg struct {
	start, end int64
	base       int
	text       string
}

// outMark is a position in the turn's audio where an after-speech action
// becomes due, or where the turn ends.
type outMark struct {
	pos    int64
	action Action
	end    bool
}

// Tuning of resume rewinds, in samples at the pipeline rate.
const (
	snapWindow = 160 // 10 ms: energy window when looking for a pause
	snapStep   = 80  // 5 ms
	snapReach  = 640 // 40 ms either side of the estimated word boundary
	fadeIn     = 80  // 5 ms ramp where playback resumes
)

func newOutput(samples, segments, marks int, since func() time.Duration, w *loopWake) *output {
	return &output{
		ring:      make([]int16, samples),
		maxRetain: int64(samples / 2),
		segs:      newRing[outSeg](segments),
		marks:     newRing[outMark](marks),
		since:     since,
		loop:      w,
	}
}

func (o *output) signal() {
	o.pending.Store(true)
	o.loop.raise(wakeOutput)
}

// wakeWriter wakes a blocked writer, whatever it waits for.
func (o *output) wakeWriter() {
	if o.waiting {
		o.waiting = false
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
}

// wakeWriterIfRoom wakes a writer blocked on a full ring only once it can
// copy what it waits for (the rest of its chunk, or a quarter of the ring
// when that is less), rather than for every frame played: a writer that
// keeps the ring full then wakes a few times per second instead of fifty,
// and the buffer still holds at least three quarters of the ring.
func (o *output) wakeWriterIfRoom() {
	if o.waiting && int64(len(o.ring))-(o.w-o.keep) >= o.need {
		o.wakeWriter()
	}
}

// writerRoomStep is the most free space, as a fraction of the ring, that a
// writer blocked on a full ring waits for (see wakeWriterIfRoom). It must
// stay below the free space the ring always reaches once drained (half the
// ring, see maxRetain).
const writerRoomStep = 4

// begin makes turn the one whose audio the output accepts. The previous turn
// must have been finished or dropped.
func (o *output) begin(turn int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.turn, o.wake, o.waiting, o.need = turn, make(chan struct{}, 1), false, 0
	o.paused, o.ended, o.started, o.reported = false, false, false, false
	o.firstAt, o.lastAt, o.heardBase = 0, 0, 0
}

// write copies samples, which speak text (at offset base of the turn's
// text), into the ring as one segment, blocking while the ring is full.
func (o *output) write(ctx context.Context, turn int, samples []int16, base int, text string) error {
	if len(samples) == 0 {
		return nil
	}
	opened := false
	for {
		o.mu.Lock()
		if o.turn != turn {
			o.mu.Unlock()
			return ErrTurnEnded
		}
		if !opened && !o.segs.full() {
			o.segs.push(outSeg{start: o.w, end: o.w + int64(len(samples)), base: base, text: text})
			opened = true
		}
		if opened {
			idle := o.w == o.r && !o.paused
			samples = o.copyIn(samples)
			ready := idle && o.w > o.r
			if len(samples) == 0 {
				o.mu.Unlock()
				if ready {
					o.notifyReady()
				}
				return nil
			}
			if ready {
				// Tell the transport without the lock, then look again:
				// the audio may have been played meanwhile, and made room.
				o.mu.Unlock()
				o.notifyReady()
				continue
			}
		}
		o.waiting, o.need = true, 0
		if opened {
			o.need = min(int64(len(samples)), int64(len(o.ring))/writerRoomStep)
		}
		wake := o.wake
		o.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

// notifyReady tells the transport that bot audio is playable again after
// none was (see WithAudioReady). It is called without o.mu held.
func (o *output) notifyReady() {
	if o.ready != nil {
		o.ready()
	}
}

// copyIn copies as much of samples as fits and returns the rest.
func (o *output) copyIn(samples []int16) []int16 {
	size := int64(len(o.ring))
	n := min(size-(o.w-o.keep), int64(len(samples)))
	for n > 0 {
		i := o.w % size
		c := int64(copy(o.ring[i:min(size, i+n)], samples))
		samples = samples[c:]
		o.w += c
		n -= c
	}
	return samples
}

// mark queues m at the current write position, blocking while the mark
// queue is full.
func (o *output) mark(ctx context.Context, turn int, action Action, end bool) error {
	for {
		o.mu.Lock()
		if o.turn != turn {
			o.mu.Unlock()
			return ErrTurnEnded
		}
		if !o.marks.full() {
			o.marks.push(outMark{pos: o.w, action: action, end: end})
			o.ended = o.ended || end
			reached := o.w <= o.r
			o.mu.Unlock()
			if reached {
				o.signal()
			}
			return nil
		}
		o.waiting, o.need = true, 0
		wake := o.wake
		o.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

// next fills dst with the next samples to play, zero-padding the end of the
// turn's audio, and reports whether it holds bot audio; when it does not,
// dst is zero-filled.
func (o *output) next(dst []int16) bool {
	o.mu.Lock()
	avail := o.w - o.r
	if o.paused || avail == 0 || len(dst) == 0 {
		if !o.paused && avail == 0 && o.turn != 0 && o.started && !o.ended {
			o.under.Add(1)
		}
		o.mu.Unlock()
		clear(dst)
		return false
	}
	size := int64(len(o.ring))
	n := min(int64(len(dst)), avail)
	for copied := int64(0); copied < n; {
		i := (o.r + copied) % size
		copied += int64(copy(dst[copied:n], o.ring[i:min(size, i+n-copied)]))
	}
	clear(dst[n:])
	o.r += n
	now := o.since()
	news := !o.started
	if !o.started {
		o.started, o.firstAt = true, now
	}
	o.lastAt = now
	o.advance()
	if o.marks.n > 0 && o.marks.first().pos <= o.r {
		news = true
	}
	o.wakeWriterIfRoom()
	o.mu.Unlock()
	o.frames.Add(1)
	if news {
		o.signal()
	}
	return true
}

// advance drops fully played segments and moves keep.
func (o *output) advance() {
	for o.segs.n > 0 && o.segs.first().end <= o.r {
		s := o.segs.first()
		o.heardBase = s.base + len(s.text)
		o.segs.pop()
	}
	o.keep = o.r
	if o.segs.n > 0 && o.segs.first().start < o.r {
		o.keep = o.segs.first().start
	}
	o.keep = max(o.keep, o.r-o.maxRetain)
}

// outputNews is what poll reports to the session loop.
type outputNews struct {
	marks   []outMark
	started bool // the turn's first frame was played (reported once)
	firstAt time.Duration
}

// poll returns the marks reached, appended to dst, and whether the turn's
// first frame was played since the last poll.
func (o *output) poll(dst []outMark) outputNews {
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.marks.n > 0 && o.marks.first().pos <= o.r {
		dst = append(dst, *o.marks.first())
		o.marks.pop()
	}
	news := outputNews{marks: dst, firstAt: o.firstAt}
	if o.started && !o.reported {
		o.reported, news.started = true, true
	}
	o.wakeWriter()
	return news
}

// pauseInfo describes the output when a barge-in paused it.
type pauseInfo struct {
	heard   int           // turn-text offset heard
	started bool          // the turn had played audio
	lastAt  time.Duration // when the last frame was handed over
}

// pause stops playback until resume or drop.
func (o *output) pause() pauseInfo {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.paused = true
	return pauseInfo{heard: o.heardLocked(), started: o.started, lastAt: o.lastAt}
}

// resume restarts playback from the first word the caller did not hear and
// returns the turn-text offset heard.
func (o *output) resume() int {
	o.mu.Lock()
	heard := o.heardLocked()
	if target := o.rewindTarget(); target < o.r {
		o.r = target
		o.fade(target)
	}
	o.paused = false
	playable := o.w > o.r
	o.mu.Unlock()
	if playable {
		o.notifyReady()
	}
	return heard
}

// heardLocked returns the turn-text offset up to which the caller heard
// whole words.
func (o *output) heardLocked() int {
	if o.segs.n > 0 {
		s := o.segs.first()
		if s.start < o.r && len(s.text) > 0 {
			x := int(int64(len(s.text)) * (o.r - s.start) / (s.end - s.start))
			if b := wordBoundary(s.text, x); b > 0 {
				return s.base + b
			}
		}
	}
	return o.heardBase
}

// rewindTarget estimates where the first unheard word of the playing segment
// starts, snapped to the quietest nearby stretch.
func (o *output) rewindTarget() int64 {
	if o.segs.n == 0 {
		return o.r
	}
	s := o.segs.first()
	if s.start >= o.r || len(s.text) == 0 {
		return o.r
	}
	x := int(int64(len(s.text)) * (o.r - s.start) / (s.end - s.start))
	b := wordBoundary(s.text, x)
	pos := s.start + (s.end-s.start)*int64(b)/int64(len(s.text))
	if b > 0 {
		pos = o.quietest(max(pos-snapReach, s.start), min(pos+snapReach, o.r))
	}
	return min(max(pos, o.keep), o.r)
}

// quietest returns the start of the lowest-energy window in [lo, hi).
func (o *output) quietest(lo, hi int64) int64 {
	size := int64(len(o.ring))
	best, bestE := lo, int64(-1)
	for p := lo; p+snapWindow <= hi; p += snapStep {
		var e int64
		for i := p; i < p+snapWindow; i++ {
			v := int64(o.ring[i%size])
			e += v * v
		}
		if bestE < 0 || e < bestE {
			best, bestE = p, e
		}
	}
	return best
}

// fade ramps the samples from pos in, so playback does not resume with a
// click.
func (o *output) fade(pos int64) {
	size := int64(len(o.ring))
	for i := int64(0); i < fadeIn && pos+i < o.w; i++ {
		j := (pos + i) % size
		o.ring[j] = int16(int64(o.ring[j]) * i / fadeIn)
	}
}

// drop discards the turn's audio and marks and stops accepting its writes.
// It returns the after-speech actions that will not happen.
func (o *output) drop() (dropped int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.marks.n > 0 {
		if o.marks.first().action != nil {
			dropped++
		}
		o.marks.pop()
	}
	for o.segs.n > 0 {
		o.segs.pop()
	}
	o.r, o.keep = o.w, o.w
	o.turn, o.paused, o.started = 0, false, false
	o.wakeWriter()
	return dropped
}

// finish stops accepting writes for a turn played to its end mark.
func (o *output) finish(turn int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.turn == turn {
		o.turn, o.started = 0, false
	}
}

// playedSpan returns when the turn's first and last frames were handed over.
func (o *output) playedSpan() (first, last time.Duration, started bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.firstAt, o.lastAt, o.started
}

// buffered returns how much audio is queued, in samples.
func (o *output) buffered() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.w - o.r
}
