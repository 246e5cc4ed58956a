package webrtc

import (
	"sync"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Outbound queue bounds.
const (
	// frameSamples is one 20 ms frame at the pipeline rate.
	frameSamples = audio.PipelineRate * int(audio.FrameDuration) / 1e9
	// outQueueFrames bounds the bot audio waiting for the call's writer
	// goroutine (160 ms). The writer normally drains each frame within
	// the tick that queued it; the room only absorbs scheduling hiccups.
	outQueueFrames = 8
)

// outQueue is the bounded hand-off of bot audio frames from the pacer
// (push) to the call's writer goroutine (pop). When it is full the
// oldest frame is dropped: late speech is worse than a short gap. Frames
// dropped, flushed or never produced (missed pacer ticks) are counted as
// skipped before the next frame sent, so that its RTP timestamp stays on
// the real time line. It is safe for one pusher and one popper at a time; the lock
// is held only to copy 640 bytes.
type outQueue struct {
	mu     sync.Mutex
	frames [outQueueFrames][frameSamples]int16
	// skip[i] is how many frames were skipped right before frames[i].
	skip [outQueueFrames]int
	// bot[i] says whether frames[i] is bot audio (false: silence).
	bot     [outQueueFrames]bool
	head, n int
	skipped int    // frames skipped since the last queued frame
	dropped uint64 // frames dropped because the queue was full
	flushed uint64 // frames dropped by flush
}

// push queues a copy of one frame (len(pcm) must be frameSamples; bot is
// false when it is silence), after missed ticks for which no frame was
// produced.
func (q *outQueue) push(pcm []int16, bot bool, missed int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == outQueueFrames {
		// The next frame inherits the dropped frame and its gap.
		lost := q.skip[q.head] + 1
		q.head = (q.head + 1) % outQueueFrames
		q.n--
		q.dropped++
		if q.n > 0 {
			q.skip[q.head] += lost
		} else {
			q.skipped += lost
		}
	}
	i := (q.head + q.n) % outQueueFrames
	copy(q.frames[i][:], pcm)
	q.bot[i] = bot
	q.skip[i] = q.skipped + missed
	q.skipped = 0
	q.n++
}

// pop copies the oldest frame into dst (frameSamples long) and returns
// how many frames were skipped right before it and whether it is bot
// audio; ok is false when the queue is empty.
func (q *outQueue) pop(dst []int16) (skipped int, bot, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return 0, false, false
	}
	copy(dst, q.frames[q.head][:])
	skipped, bot = q.skip[q.head], q.bot[q.head]
	q.head = (q.head + 1) % outQueueFrames
	q.n--
	return skipped, bot, true
}

// flush drops every queued frame (barge-in); the next frame carries the
// gap.
func (q *outQueue) flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for k := range q.n {
		q.skipped += q.skip[(q.head+k)%outQueueFrames] + 1
	}
	q.flushed += uint64(q.n)
	q.head, q.n = 0, 0
}

// counts returns the frames dropped when full and by flush.
func (q *outQueue) counts() (dropped, flushed uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped, q.flushed
}
