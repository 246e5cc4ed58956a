package pipeline

import "sync/atomic"

// wakeReason is a kind of work another goroutine hands the session's loop.
type wakeReason uint32

const (
	wakeFrames   wakeReason = 1 << iota // caller frames queued (inbound)
	wakeResults                         // recognition results queued
	wakeOutput                          // the output has news (first frame, marks)
	wakeHints                           // a turn has new recognition hints
	wakeCommands                        // Say, Reply or SetBotEnabled queued
	wakeKeys                            // keypad digits queued
)

// loopWake is how every other goroutine of a session tells its loop there is
// work: one bit per kind of work, and one channel that wakes the loop. The
// loop waits on this channel (besides its context and its ticker) instead of
// one channel per source, which makes each of its fifty wake-ups a second
// cheaper; it then takes every pending reason at once.
//
// raise never blocks and does not allocate. The zero value is not usable;
// use newLoopWake.
type loopWake struct {
	ch      chan struct{} // capacity 1: a wake-up is pending
	pending atomic.Uint32
}

func newLoopWake() *loopWake { return &loopWake{ch: make(chan struct{}, 1)} }

// raise records r and wakes the loop unless r was already pending (then a
// wake-up is on its way, or the loop has not taken its reasons yet).
func (w *loopWake) raise(r wakeReason) {
	if wakeReason(w.pending.Or(uint32(r)))&r != 0 {
		return
	}
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// take returns the pending reasons and clears them. The loop calls it after
// each receive from ch.
func (w *loopWake) take() wakeReason { return wakeReason(w.pending.Swap(0)) }
