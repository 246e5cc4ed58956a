package vad

import (
	"math/bits"
	"sync"
)

// Batched inference across streams.
//
// Each Silero detector scores its own stream, synchronously, on its caller's
// goroutine; one inference costs a fixed overhead (about 55 µs) plus about
// 20 µs per window, so scoring the windows of many streams in one run is
// several times cheaper than scoring them one by one. The streams
// of a model therefore share a sileroBatcher, which combines the windows that
// arrive while an inference is running (group commit, or flat combining):
//
//   - A stream submits its window. If fewer than the allowed number of
//     batches are running, the caller takes a lane (the leadership token
//     and the batch's tensors) and runs at once: a lone caller waits for
//     nothing.
//   - Otherwise the window joins the queue and its goroutine waits.
//   - A leader scores its own window together with the oldest queued ones
//     (up to the maximum batch), in one run, with no lock held. It then
//     hands each window its probability and new state, wakes their
//     goroutines, and passes the lane to the oldest window still queued,
//     whose goroutine leads the next batch; or, with nothing queued,
//     returns the lane.
//
// So under load the windows that queue behind a running batch form the next
// one, and batches grow with the load; nothing waits on a timer. A window
// waits at most for the batch in progress plus its own. The queue holds at
// most one window per open stream (Process is synchronous), so it is
// bounded by the number of detectors.

// sileroJob is one stream's unit of work: its next window with the audio
// context before it, its recurrent state, and the outcome of its last
// scoring. The owning detector fills input; while it waits in score, the
// batcher owns the window.
type sileroJob struct {
	input [sileroInput]float32 // context, then the window to score
	state [sileroState]float32 // LSTM h, then c
	prob  float32
	err   error
	lane  *sileroLane   // set when the window's goroutine must lead a batch
	wake  chan struct{} // capacity 1: the window was scored, or must lead
}

func newSileroJob() *sileroJob {
	return &sileroJob{wake: make(chan struct{}, 1)}
}

// reset zeroes the audio context and the recurrent state.
func (w *sileroJob) reset() {
	clear(w.input[:])
	clear(w.state[:])
	w.prob, w.err = 0, nil
}

// sileroLane is a leadership token: the tensors of one running batch.
type sileroLane struct {
	buf  *ortLane // made on first use, replaced by a larger one as needed
	rows []*sileroJob
}

// sileroBatcher schedules the windows of all the streams of one model.
type sileroBatcher struct {
	ort      *ortModel
	maxBatch int
	// beforeRun, when set (by tests), is called by each leader with the
	// batch size just before the inference.
	beforeRun func(rows int)

	mu      sync.Mutex
	queue   []*sileroJob  // waiting windows, oldest first
	idle    []*sileroLane // lanes no leader holds
	lanes   []*sileroLane
	windows uint64
	batches uint64
}

// newSileroBatcher returns a batcher running batches of up to maxBatch
// windows, at most leaders of them at a time.
func newSileroBatcher(o *ortModel, maxBatch, leaders int) *sileroBatcher {
	b := &sileroBatcher{ort: o, maxBatch: maxBatch, queue: make([]*sileroJob, 0, 64)}
	for range leaders {
		ln := &sileroLane{}
		b.lanes = append(b.lanes, ln)
		b.idle = append(b.idle, ln)
	}
	return b
}

// score runs the model on w and returns the speech probability. On success
// w.state holds the next recurrent state and the window's last samples have
// become the context of the next one. It blocks until w is scored.
func (b *sileroBatcher) score(w *sileroJob) (float32, error) {
	b.mu.Lock()
	if n := len(b.idle); n > 0 {
		ln := b.idle[n-1]
		b.idle = b.idle[:n-1]
		b.lead(ln, w)
		return w.prob, w.err
	}
	w.lane = nil
	b.queue = append(b.queue, w)
	b.mu.Unlock()
	<-w.wake
	if ln := w.lane; ln != nil {
		w.lane = nil
		b.mu.Lock()
		b.lead(ln, w)
	}
	return w.prob, w.err
}

// lead runs one batch on ln: w, then the oldest queued windows. It is called
// with b.mu held and returns with it released; the lock is not held during
// the inference.
func (b *sileroBatcher) lead(ln *sileroLane, w *sileroJob) {
	n := min(len(b.queue), b.maxBatch-1)
	ln.rows = append(append(ln.rows[:0], w), b.queue[:n]...)
	b.dequeue(n)
	b.windows += uint64(len(ln.rows))
	b.batches++
	b.mu.Unlock()

	err := b.run(ln)
	for i, r := range ln.rows {
		r.err = err
		if i > 0 {
			r.wake <- struct{}{}
		}
	}
	clear(ln.rows)

	b.mu.Lock()
	if len(b.queue) == 0 {
		b.idle = append(b.idle, ln)
		b.mu.Unlock()
		return
	}
	next := b.queue[0]
	b.dequeue(1)
	next.lane = ln
	b.mu.Unlock()
	next.wake <- struct{}{}
}

// dequeue drops the n oldest windows from the queue.
func (b *sileroBatcher) dequeue(n int) {
	m := copy(b.queue, b.queue[n:])
	clear(b.queue[m:])
	b.queue = b.queue[:m]
}

// run gathers ln's windows into its tensors, scores them in one inference
// and scatters the results back. On error no window changes.
func (b *sileroBatcher) run(ln *sileroLane) error {
	rows := len(ln.rows)
	if ln.buf == nil || ln.buf.capacity < rows {
		if err := b.grow(ln, rows); err != nil {
			return err
		}
	}
	buf := ln.buf
	for r, w := range ln.rows {
		copy(buf.input[r*sileroInput:(r+1)*sileroInput], w.input[:])
		copy(buf.stateIn[r*sileroHidden:(r+1)*sileroHidden], w.state[:sileroHidden])
		copy(buf.stateIn[(rows+r)*sileroHidden:(rows+r+1)*sileroHidden], w.state[sileroHidden:])
	}
	if b.beforeRun != nil {
		b.beforeRun(rows)
	}
	if err := b.ort.run(buf, rows); err != nil {
		return err
	}
	for r, w := range ln.rows {
		w.prob = buf.prob[r]
		copy(w.state[:sileroHidden], buf.stateOut[r*sileroHidden:(r+1)*sileroHidden])
		copy(w.state[sileroHidden:], buf.stateOut[(rows+r)*sileroHidden:(rows+r+1)*sileroHidden])
		copy(w.input[:sileroContext], w.input[sileroWindow:])
	}
	return nil
}

// grow replaces ln's tensors with ones for at least rows windows: the next
// power of two, up to the maximum batch, so a lane grows a few times at most.
func (b *sileroBatcher) grow(ln *sileroLane, rows int) error {
	capacity := min(b.maxBatch, 1<<bits.Len(uint(rows-1)))
	buf, err := b.ort.newLane(capacity)
	if err != nil {
		return err
	}
	if ln.buf != nil {
		b.ort.freeLane(ln.buf)
	}
	ln.buf = buf
	return nil
}

// stats returns the counts of windows scored and batches run.
func (b *sileroBatcher) stats() SileroStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return SileroStats{Windows: b.windows, Batches: b.batches}
}

// close frees every lane's tensors. No window may be in flight.
func (b *sileroBatcher) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ln := range b.lanes {
		if ln.buf != nil {
			b.ort.freeLane(ln.buf)
			ln.buf = nil
		}
	}
}

// SileroStats counts a SileroModel's inference work since it was loaded.
type SileroStats struct {
	// Windows is the number of 32 ms windows scored, over all streams.
	Windows uint64
	// Batches is the number of inference runs that scored them:
	// Windows/Batches is the mean batch size.
	Batches uint64
}
