package flite

import (
	"context"
	"sync"
	"sync/atomic"
)

// group is a stretch of a clause's audio: the words of one token of the
// request text, or a pause.
type group struct {
	// end is the sample, at the voice's rate, where the stretch ends.
	end int
	// start and stop delimit the token in the request text, in bytes;
	// start is -1 for a pause.
	start, stop int
}

func (g group) pause() bool { return g.start < 0 }

// job is the state of one Synthesize call that the C callbacks share with
// the goroutine writing chunks. A clause's synthesis runs on a goroutine
// of its own (see Synthesizer.runClause) and appends to native; the
// Synthesize goroutine turns complete groups into chunks as they appear.
// jobs are pooled, so their buffers are reused from call to call.
type job struct {
	// Set before each clause starts and read-only while it runs.
	ctx        context.Context
	closing    <-chan struct{}
	clean      cleaner
	cstr       []byte  // clean.out, NUL-terminated, for C
	out        []int16 // the emitter's chunk buffer, kept between calls
	lastClause bool    // no speakable text follows the clause

	mu     sync.Mutex
	native []int16 // the clause's audio at rate
	groups []group
	rate   int
	known  bool  // groups is set
	done   bool  // the clause's synthesis returned
	result int   // synthClause's result, once done
	failed error // why the clause did not run, once done

	stop  atomic.Bool   // the writer failed or returned: stop synthesizing
	ready chan struct{} // capacity 1: there is news for the writer
	wg    sync.WaitGroup
}

func newJob() *job { return &job{ready: make(chan struct{}, 1)} }

// reset prepares j for a new clause.
func (j *job) reset() {
	j.mu.Lock()
	j.native = j.native[:0]
	j.groups = j.groups[:0]
	j.rate, j.known, j.done, j.result, j.failed = 0, false, false, 0, nil
	j.mu.Unlock()
	j.stop.Store(false)
	select {
	case <-j.ready:
	default:
	}
}

// notify wakes the writer without blocking.
func (j *job) notify() {
	select {
	case j.ready <- struct{}{}:
	default:
	}
}

// stopping reports whether the clause's synthesis should stop: the call
// was cancelled, the Synthesizer is closing, or the writer failed.
func (j *job) stopping() bool {
	if j.stop.Load() || j.ctx.Err() != nil {
		return true
	}
	select {
	case <-j.closing:
		return true
	default:
		return false
	}
}

// setGroups records the clause's groups, mapping their token ranges from
// the cleaned clause text back to the request text. at returns group i as
// the C side reported it.
func (j *job) setGroups(rate, n int, at func(i int) (end, start, stop int)) {
	j.mu.Lock()
	for i := range n {
		end, start, stop := at(i)
		g := group{end: end, start: -1, stop: -1}
		if start >= 0 {
			g.start, g.stop = j.clean.span(start, stop)
		}
		j.groups = append(j.groups, g)
	}
	j.rate, j.known = rate, true
	j.mu.Unlock()
	j.notify()
}

// addAudio appends a block of the clause's audio. It returns false when
// the synthesis should stop.
func (j *job) addAudio(samples []int16) bool {
	if j.stopping() {
		return false
	}
	if len(samples) > 0 {
		j.mu.Lock()
		j.native = append(j.native, samples...)
		j.mu.Unlock()
		j.notify()
	}
	return true
}

// finish records the end of the clause's synthesis.
func (j *job) finish(result int, failed error) {
	j.mu.Lock()
	j.done, j.result, j.failed = true, result, failed
	j.mu.Unlock()
	j.notify()
}
