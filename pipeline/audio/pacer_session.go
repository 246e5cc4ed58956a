package audio

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Session states (bits).
const (
	sessionRunning = 1 << iota
	sessionRemoved
)

// PacerSession is one registration with a Pacer.
type PacerSession struct {
	p      *Pacer
	bucket *pacerBucket // guarded by p.regMu
	worker int          // index of the worker whose buckets hold the session
	send   SendFunc
	// joined is the sub-tick that was due when the session registered;
	// ticks skipped before it are not reported as missed.
	joined   uint64
	state    atomic.Int32
	done     chan struct{}
	doneOnce sync.Once

	sent    atomic.Uint64
	late    atomic.Uint64
	kicks   atomic.Uint64
	maxLate atomic.Int64
}

// PacerSessionStats is a snapshot of one session's counters.
type PacerSessionStats struct {
	// Sent counts calls of the session's send function.
	Sent uint64
	// Late counts sends that started after the late threshold.
	Late uint64
	// MaxLateness is the session's worst lateness.
	MaxLateness time.Duration
	// Kicks counts the Kick calls that moved the session to another phase.
	Kicks uint64
}

// Register adds a session whose send function is called once per interval,
// from the next due tick of its phase on, until Unregister or Close. It
// fails with ErrClosed after Close.
func (p *Pacer) Register(send SendFunc) (*PacerSession, error) {
	if send == nil {
		return nil, fmt.Errorf("%w: Register(nil)", ErrInvalidOption)
	}
	p.regMu.Lock()
	defer p.regMu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("pacer: %w", ErrClosed)
	}
	bi := 0
	for i, b := range p.buckets {
		if b.n < p.buckets[bi].n {
			bi = i
		}
	}
	best := p.buckets[bi]
	s := &PacerSession{p: p, bucket: best, worker: bi / p.cfg.phases, send: send, joined: p.current.Load(), done: make(chan struct{})}
	old := *best.list.Load()
	list := make([]*PacerSession, len(old), len(old)+1)
	copy(list, old)
	list = append(list, s)
	best.list.Store(&list)
	best.n++
	p.sessions++
	return s, nil
}

// Unregister stops the session: no send starts after Unregister returns. A
// send already running (Unregister may be called from inside it) finishes;
// Done is closed after it. Unregister is idempotent and safe from any
// goroutine.
func (s *PacerSession) Unregister() {
	for {
		st := s.state.Load()
		if st&sessionRemoved != 0 {
			return
		}
		if s.state.CompareAndSwap(st, st|sessionRemoved) {
			if st&sessionRunning == 0 {
				s.finish()
			}
			break
		}
	}
	s.p.regMu.Lock()
	defer s.p.regMu.Unlock()
	if remove(s.bucket, s) {
		s.p.sessions--
	}
}

// Kick moves the session's sends to the phase due next, so that its next send
// comes within one sub-tick (the interval divided by the phases, see
// WithPacerPhases) rather than up to a whole interval later; the sends after
// it follow one interval apart from there. A transport calls it when audio
// becomes ready after a silence (the first frame of a bot answer), so a new
// talkspurt starts at once instead of waiting for the session's old phase:
// with the default 20 ms over 20 phases it waits at most 1 ms instead of up
// to 20 ms. It costs one copy of a bucket's session list, so call it once per
// talkspurt, not per frame. Kick is safe from any goroutine, including the
// session's own send function; it does nothing after Unregister.
func (s *PacerSession) Kick() {
	p := s.p
	phases := uint64(p.cfg.phases)
	p.regMu.Lock()
	defer p.regMu.Unlock()
	if s.state.Load()&sessionRemoved != 0 || p.closed {
		return
	}
	next := p.current.Load() + 1
	w := s.worker
	to := p.buckets[w*p.cfg.phases+int(next%phases)]
	if to == s.bucket {
		return
	}
	remove(s.bucket, s)
	old := *to.list.Load()
	list := make([]*PacerSession, len(old), len(old)+1)
	copy(list, old)
	list = append(list, s)
	to.list.Store(&list)
	to.n++
	s.bucket = to
	s.kicks.Add(1)
}

// remove takes s out of b's list; the caller holds regMu. It reports whether
// s was there.
func remove(b *pacerBucket, s *PacerSession) bool {
	old := *b.list.Load()
	list := make([]*PacerSession, 0, len(old))
	for _, o := range old {
		if o != s {
			list = append(list, o)
		}
	}
	if len(list) == len(old) {
		return false
	}
	b.list.Store(&list)
	b.n--
	return true
}

// Done returns a channel that is closed once the session is unregistered
// and its last send has returned. Do not wait on it from inside the
// session's own send function.
func (s *PacerSession) Done() <-chan struct{} { return s.done }

// Stats returns the session's counters.
func (s *PacerSession) Stats() PacerSessionStats {
	return PacerSessionStats{Sent: s.sent.Load(), Late: s.late.Load(), MaxLateness: time.Duration(s.maxLate.Load()), Kicks: s.kicks.Load()}
}

// begin marks a send as running unless the session was removed.
func (s *PacerSession) begin() bool {
	for {
		st := s.state.Load()
		if st&sessionRemoved != 0 {
			return false
		}
		if s.state.CompareAndSwap(st, st|sessionRunning) {
			return true
		}
	}
}

// end marks a send as finished, closing Done if the session was removed
// meanwhile.
func (s *PacerSession) end() {
	for {
		st := s.state.Load()
		if s.state.CompareAndSwap(st, st&^sessionRunning) {
			if st&sessionRemoved != 0 {
				s.finish()
			}
			return
		}
	}
}

// finish closes Done.
func (s *PacerSession) finish() { s.doneOnce.Do(func() { close(s.done) }) }

// Stats returns a snapshot of the Pacer's counters. Safe from any goroutine.
func (p *Pacer) Stats() PacerStats {
	p.regMu.Lock()
	st := PacerStats{Sessions: p.sessions}
	p.regMu.Unlock()
	st.Ticks = p.current.Load() / uint64(p.cfg.phases)
	var maxLate int64
	for _, w := range p.workers {
		st.Sent += w.sent.Load()
		st.Late += w.late.Load()
		st.Missed += w.missed.Load()
		st.Panics += w.panics.Load()
		maxLate = max(maxLate, w.maxLate.Load())
	}
	st.MaxLateness = time.Duration(maxLate)
	return st
}

// Close stops the ticker and the workers, waits for them (and so for any
// running send) to return, and unregisters every session, closing their
// Done channels. It is idempotent and always returns nil. It must not be
// called from a send function, which it would wait for.
func (p *Pacer) Close() error {
	p.closeOnce.Do(func() {
		p.regMu.Lock()
		p.closed = true
		p.regMu.Unlock()
		close(p.done)
		p.wg.Wait()
		var all []*PacerSession
		for _, b := range p.buckets {
			all = append(all, *b.list.Load()...)
		}
		for _, s := range all {
			s.Unregister()
		}
	})
	return nil
}
