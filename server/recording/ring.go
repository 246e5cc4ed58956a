package recording

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/parley-voice/parley/pipeline/audio"
)

// slotSamples is one ring slot: a 20 ms frame at the pipeline rate
// (audio.PipelineRate / 50). Longer frames take several slots.
const slotSamples = 320

// slot is one piece of audio of one side, placed on the call's timeline.
type slot struct {
	pos int64 // timeline position of the first sample, at the pipeline rate
	n   int
	s   [slotSamples]int16
}

// side is the bounded ring of one channel: the media path pushes, the
// writer goroutine pops. Overflow policy: a full ring drops the newest
// frame (the writer is behind, so older audio is already waiting) and
// counts it; the timeline still advances, so the gap becomes silence.
type side struct {
	mu      sync.Mutex // guards everything below but the atomics; held only to copy
	slots   []slot
	head    uint64 // next slot to pop
	tail    uint64 // next slot to fill
	next    int64  // timeline position of the next sample pushed
	started bool

	frames  atomic.Uint64 // frames pushed
	dropped atomic.Uint64 // frames dropped (ring full)
}

func newSide(capacity int) *side { return &side{slots: make([]slot, capacity)} }

// syncSamples is how far a side's timeline may drift from the call's
// clock before it is moved back onto it: 100 ms at the pipeline rate.
// Frames are placed by counting samples (so that the jitter of the
// goroutines that hand them over does not chop the audio up), and the
// count is checked against the clock: a side that falls behind (frames
// missing: packet loss the transport did not conceal, a pacer that skipped
// ticks, a hold) jumps ahead over silence, and one that runs ahead (a burst
// after a stall) jumps back, its overlapping audio dropped. Each channel
// is thus within 100 ms of the clock, and of the other.
const syncSamples = audio.PipelineRate / 10

// push copies samples into the ring at the side's timeline position. now
// is the current position of the call's clock in samples: the first frame
// is placed so that it ends now, later ones follow on while the count
// stays within syncSamples of the clock. It reports whether the ring is at
// least half full (time to wake the writer). It does not allocate.
func (sd *side) push(samples []int16, now int64) (halfFull bool) {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	sd.frames.Add(1)
	at := max(now-int64(len(samples)), 0)
	if d := at - sd.next; !sd.started || d > syncSamples || d < -syncSamples {
		sd.next, sd.started = at, true
	}
	capacity := uint64(len(sd.slots))
	for len(samples) > 0 {
		k := min(len(samples), slotSamples)
		if sd.tail-sd.head < capacity {
			sl := &sd.slots[sd.tail%capacity]
			sl.pos, sl.n = sd.next, k
			copy(sl.s[:], samples[:k])
			sd.tail++
		} else {
			sd.dropped.Add(1)
		}
		sd.next += int64(k)
		samples = samples[k:]
	}
	return 2*(sd.tail-sd.head) >= capacity
}

// popTo appends the side's queued audio to p, whose first sample is at
// timeline position base, filling gaps with silence and skipping audio
// before base, while p has room for it (len(p) <= limit): what does not
// fit stays queued. It returns the grown p, which never grows past limit.
func (sd *side) popTo(p []int16, base int64, limit int) []int16 {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	capacity := uint64(len(sd.slots))
	for sd.head < sd.tail {
		sl := &sd.slots[sd.head%capacity]
		end := base + int64(len(p))
		s := sl.s[:sl.n]
		pos := sl.pos
		if pos < end { // overlaps what is already there (or written): keep the earlier audio
			skip := min(end-pos, int64(len(s)))
			s, pos = s[skip:], pos+skip
		}
		if gap := pos - end; gap > 0 {
			fill := min(gap, int64(limit-len(p)))
			p = appendSilence(p, int(fill))
			if fill < gap {
				return p
			}
		}
		if len(p)+len(s) > limit {
			return p
		}
		p = append(p, s...)
		sd.head++
	}
	return p
}

// queued reports whether audio is waiting in the ring.
func (sd *side) queued() bool {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	return sd.head < sd.tail
}

// end returns the timeline position after the last sample pushed, and
// whether anything was pushed.
func (sd *side) end() (int64, bool) {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	return sd.next, sd.started
}

// appendSilence appends n zero samples to p.
func appendSilence(p []int16, n int) []int16 {
	p = slices.Grow(p, n)
	k := len(p)
	p = p[:k+n]
	clear(p[k:])
	return p
}
