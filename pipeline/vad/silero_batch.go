package vad

import (
	"math/bits"
	"runtime"
	"sync"
)

// Batched inference across streams.
//
// Each Silero detector scores its own stream, synchronously: Process waits
// for its window's probability. One inference costs a fixed overhead (about
// 55 µs) plus about 20 µs per window, so scoring the windows of many streams
// in one run is several times cheaper than scoring them one by one. The
// streams of a model therefore share a sileroBatcher, which combines the
// windows that arrive while an inference is running (group commit):
//
//   - A stream queues its window, wakes a runner if one is idle, and waits.
//   - A runner is a goroutine of the model that does nothing but inference
//     (one per concurrent batch, see WithConcurrentBatches). When windows
//     are queued it yields its processor once, then takes the oldest of
//     them (up to the maximum batch) and scores them in one run with no
//     lock held. It then wakes the batch's first stream, which wakes the
//     second as it resumes, and so on. With nothing queued it sleeps until
//     the next window comes.
//
// So under load the windows that queue behind a running batch form the next
// one, and batches grow with the load; nothing waits on a timer. The
// scheduling is what keeps a window's wait short in a process running
// hundreds of calls, whose goroutines the Go scheduler runs first in, first
// out:
//
//   - A window never waits for another call's goroutine (as it would if the
//     streams led batches themselves): the runner is woken by the stream
//     that submits to it, and runs next on that stream's processor as soon
//     as the stream waits. A lone stream waits for nothing else.
//   - A goroutine woken by the running one runs next, ahead of the run
//     queue, but only the last one woken does: waking a batch's streams one
//     after another would send all but one to the back of the queue, behind
//     every call loop that is ready to run. Woken in a chain, each runs
//     right after the one before it.
//   - Yielding before a batch lets the streams woken by the last one run
//     before the runner takes the processor again, and lets the windows of
//     the goroutines already runnable (calls are served in bursts: a pacer
//     wakes many at once) join the batch instead of paying the inference's
//     fixed cost in batches of their own. A lone stream, with nothing else
//     to run, gets the processor straight back.
//
// The queue holds at most one window per open stream (Process is
// synchronous), so it is bounded by the number of detectors.

// sileroJob is one stream's unit of work: its next window with the audio
// context before it, its recurrent state, and the outcome of its last
// scoring. The owning detector fills input; while it waits in score, the
// batcher owns the window.
type sileroJob struct {
	input [sileroInput]float32 // context, then the window to score
	state [sileroState]float32 // LSTM h, then c
	prob  float32
	err   error
	wake  chan struct{} // capacity 1: the window was scored
	next  *sileroJob    // the window of the same batch to wake after this one
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

// sileroLane is one runner's batch: its tensors and the windows in it.
type sileroLane struct {
	buf  *ortLane // made on first use, replaced by a larger one as needed
	rows []*sileroJob
}

// sileroBatcher schedules the windows of all the streams of one model on
// its runners.
type sileroBatcher struct {
	ort      *ortModel
	maxBatch int
	// beforeRun, when set (by tests), is called by each runner with the
	// batch size just before the inference.
	beforeRun func(rows int)

	lanes []*sileroLane // one per runner
	wake  chan struct{} // one token per idle runner to wake
	done  sync.WaitGroup

	mu       sync.Mutex
	queue    []*sileroJob // waiting windows, oldest first
	sleeping int          // runners waiting for work
	closed   bool
	windows  uint64
	batches  uint64
}

// newSileroBatcher returns a batcher running batches of up to maxBatch
// windows, at most runners of them at a time, each on its own goroutine.
// close stops them.
func newSileroBatcher(o *ortModel, maxBatch, runners int) *sileroBatcher {
	b := &sileroBatcher{ort: o, maxBatch: maxBatch, queue: make([]*sileroJob, 0, 64),
		wake: make(chan struct{}, runners)}
	for range runners {
		ln := &sileroLane{}
		b.lanes = append(b.lanes, ln)
		b.done.Add(1)
		go b.runner(ln)
	}
	return b
}

// score runs the model on w and returns the speech probability. On success
// w.state holds the next recurrent state and the window's last samples have
// become the context of the next one. It blocks until w is scored. It fails
// with ErrClosed once the batcher is closed.
func (b *sileroBatcher) score(w *sileroJob) (float32, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, ErrClosed
	}
	b.queue = append(b.queue, w)
	wake := b.sleeping > 0
	if wake {
		b.sleeping--
	}
	b.mu.Unlock()
	if wake {
		b.wake <- struct{}{} // never blocks: one slot per runner
	}
	<-w.wake
	if n := w.next; n != nil {
		w.next = nil
		n.wake <- struct{}{}
	}
	return w.prob, w.err
}

// runner scores queued windows in batches until the batcher is closed.
func (b *sileroBatcher) runner(ln *sileroLane) {
	defer b.done.Done()
	for {
		if !b.gather() {
			return
		}
		n := min(len(b.queue), b.maxBatch)
		ln.rows = append(ln.rows[:0], b.queue[:n]...)
		b.dequeue(n)
		b.windows += uint64(n)
		b.batches++
		b.mu.Unlock()

		err := b.run(ln)
		for i, r := range ln.rows {
			r.err = err
			if i+1 < len(ln.rows) {
				r.next = ln.rows[i+1]
			}
		}
		ln.rows[0].wake <- struct{}{}
		clear(ln.rows)
	}
}

// gather waits until windows are queued, then yields the processor once
// (unless a full batch waits already) so that the goroutines ready to run
// (the streams just woken, the rest of a burst of calls) run first and
// their windows join the batch. It returns with b.mu held and windows
// queued, or false (with b.mu released) once the batcher is closed.
func (b *sileroBatcher) gather() bool {
	b.mu.Lock()
	for {
		for len(b.queue) == 0 {
			if b.closed {
				b.mu.Unlock()
				return false
			}
			b.sleeping++
			b.mu.Unlock()
			<-b.wake
			b.mu.Lock()
		}
		if len(b.queue) >= b.maxBatch {
			return true
		}
		b.mu.Unlock()
		runtime.Gosched()
		b.mu.Lock()
		if len(b.queue) > 0 {
			return true
		}
	}
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

// close stops the runners and frees every lane's tensors. No window may be
// in flight; later calls of score fail with ErrClosed. It is idempotent.
func (b *sileroBatcher) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	for range b.sleeping {
		b.wake <- struct{}{}
	}
	b.sleeping = 0
	b.mu.Unlock()
	b.done.Wait()
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
