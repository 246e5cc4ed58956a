package sphinx

import (
	"errors"

	"github.com/parley-voice/parley/pipeline"
)

// consumer decodes a stream's queued utterances. It runs on the stream's
// decoding goroutine, which exists while the queue holds audio or an
// utterance is being decoded: the producer starts it when it queues a slot
// and none runs, and it exits when it finds the queue empty between
// utterances. Results go to the sink from this goroutine only, in order.
type consumer struct {
	s   *stream
	buf []int16
	d   *decoder
	u   *utterance
	// noDecoder reports that the utterance at the head of the queue got no
	// decoder: it is skipped.
	noDecoder bool
	// skip drops the audio of an utterance that got no decoder or whose
	// decoding failed, until its end, which then yields an empty final.
	skip      bool
	skipStart int64
	// dropped is the audio the queue dropped since the last final, logged
	// once per final.
	dropped int64
}

// consume is the decoding goroutine's body.
func (s *stream) consume() {
	defer s.wg.Done()
	c := &consumer{s: s, buf: make([]int16, maxSlotSamples)}
	c.run()
}

func (c *consumer) run() {
	q := c.s.q
	for {
		if c.s.aborted.Load() {
			c.stop()
			return
		}
		idle := c.d == nil && c.u == nil && !c.skip && !c.noDecoder
		if idle {
			if sl, ok := q.peek(); ok && sl.flags&slotStart != 0 && !(sl.flags&slotEnd != 0 && sl.n == 0) {
				c.acquire(sl)
				continue // the head may have changed while waiting
			}
		}
		sl, data, ok := q.pop(c.buf, idle)
		switch {
		case ok:
			c.handle(sl, data)
		case idle:
			return
		case !c.wait():
			c.closeCut() // closed mid-utterance with nothing queued
		}
	}
}

// wait blocks until the producer queues something; false when the stream
// is giving up with nothing left to wait for.
func (c *consumer) wait() bool {
	select {
	case <-c.s.q.notify:
		return true
	case <-c.s.giveUp:
		if c.s.aborted.Load() {
			return true // the loop stops
		}
		_, ok := c.s.q.peek()
		return ok
	}
}

// acquire gets a decoder for the utterance starting at sl, waiting up to
// the acquire timeout while the producer keeps queueing.
func (c *consumer) acquire(sl slot) {
	r := c.s.r
	d, err := r.pool.acquire(c.s.ctx, c.s.giveUp, r.cfg.AcquireTimeout)
	if err == nil {
		c.d = d
		return
	}
	c.noDecoder = true
	switch {
	case errors.Is(err, ErrBusy):
		r.busy.Add(1)
		c.s.log.Warn("no free decoder for an utterance; it yields an empty final", "err", err,
			"at", sampleTime(sl.pos))
	case errors.Is(err, ErrEngine):
		r.failures.Add(1)
		c.s.log.Error("cannot load a decoder; the utterance yields an empty final", "err", err)
	}
}

// handle processes one slot.
func (c *consumer) handle(sl slot, data []int16) {
	c.noteDropped()
	if sl.flags&slotStart != 0 && !c.startSlot(sl) {
		return
	}
	if c.skip {
		if sl.flags&slotEnd != 0 {
			c.skip = false
			c.emit(pipeline.Transcript{Final: true, Start: sampleTime(c.skipStart), End: sampleTime(sl.pos + int64(sl.n))})
		}
		return
	}
	if c.u == nil {
		return // an end with no utterance
	}
	if sl.n > 0 && sl.pos != c.u.end() { // audio was dropped: the utterance cannot continue
		hints := c.u.hints
		c.finish(false)
		c.startSlot(slot{pos: sl.pos, hints: hints})
		if c.u == nil {
			return
		}
	}
	if sl.n > 0 {
		tr, ok, err := c.u.feed(data)
		if err != nil {
			c.failMid(err)
			return
		}
		if ok {
			c.s.r.partials.Add(1)
			c.emit(tr)
		}
	}
	if sl.flags&slotEnd != 0 {
		c.finish(true)
	}
}

// startSlot begins the utterance a start slot opens; false when the slot
// needs nothing more.
func (c *consumer) startSlot(sl slot) bool {
	if c.u != nil { // the previous utterance's end was dropped
		c.finish(false)
	}
	if c.skip { // a new utterance ends the one being skipped
		c.skip = false
		c.emit(pipeline.Transcript{Final: true, Start: sampleTime(c.skipStart), End: sampleTime(sl.pos)})
	}
	c.noDecoder = false
	if sl.flags&slotEnd != 0 && sl.n == 0 { // an utterance whose audio was all dropped
		c.emit(pipeline.Transcript{Final: true, Start: sampleTime(sl.pos), End: sampleTime(sl.pos)})
		c.releaseIdle()
		return false
	}
	if c.d == nil {
		c.skip, c.skipStart = true, sl.pos
		return true
	}
	u, err := c.s.r.beginUtterance(c.d, sl.hints, sl.pos, &c.s.ch)
	if err != nil {
		c.u = &utterance{start: sl.pos}
		c.failMid(err)
		return true
	}
	c.s.r.utterances.Add(1)
	c.u = u
	return true
}

// finish delivers the utterance's final result, and returns the decoder to
// the pool when release is set (otherwise the stream continues decoding at
// once). A failure yields an empty final and discards the decoder.
func (c *consumer) finish(release bool) {
	u := c.u
	c.u = nil
	tr, err := u.finish()
	if err != nil {
		c.discard(err)
		tr = pipeline.Transcript{Final: true, Start: sampleTime(u.start), End: sampleTime(u.end())}
	}
	c.emit(tr)
	if release {
		c.releaseIdle()
	}
}

// failMid handles an engine failure inside an utterance: the decoder is
// discarded and the rest of the utterance skipped; its end yields an empty
// final.
func (c *consumer) failMid(err error) {
	c.discard(err)
	c.skip, c.skipStart = true, c.u.start
	c.u = nil
}

// discard logs an engine failure and frees the decoder.
func (c *consumer) discard(err error) {
	c.s.r.failures.Add(1)
	c.s.log.Error("decoding an utterance failed; it yields an empty final", "err", err)
	if c.d != nil {
		c.s.r.pool.release(c.d, false)
		c.d = nil
	}
}

// closeCut finishes an utterance cut short by Close.
func (c *consumer) closeCut() {
	switch {
	case c.u != nil:
		c.finish(true)
	case c.skip:
		c.skip = false
		c.emit(pipeline.Transcript{Final: true, Start: sampleTime(c.skipStart), End: sampleTime(c.skipStart)})
	}
	c.noDecoder = false
	c.releaseIdle()
}

// releaseIdle returns the decoder to the pool when no utterance uses it.
func (c *consumer) releaseIdle() {
	if c.d != nil && c.u == nil {
		c.s.r.pool.release(c.d, true)
		c.d = nil
	}
}

// stop abandons the stream's work after an abort: no more results.
func (c *consumer) stop() {
	healthy := true
	if c.u != nil {
		healthy = c.u.abort() == nil
		c.u = nil
	}
	if c.d != nil {
		c.s.r.pool.release(c.d, healthy)
		c.d = nil
	}
	for { // empty the queue, so that running is cleared under the lock
		if _, _, ok := c.s.q.pop(c.buf, true); !ok {
			return
		}
	}
}

// emit delivers a result unless the stream was aborted.
func (c *consumer) emit(t pipeline.Transcript) {
	if c.s.aborted.Load() {
		return
	}
	if t.Final {
		c.s.r.finals.Add(1)
		if t.Text == "" {
			c.s.r.empty.Add(1)
		}
		if c.dropped > 0 {
			c.s.log.Warn("recognition backlog full: dropped the oldest audio of an utterance",
				"dropped", sampleTime(c.dropped), "backlog", c.s.r.cfg.Backlog)
			c.dropped = 0
		}
	}
	c.s.sink.WriteTranscript(t)
}

// noteDropped accounts for audio the queue dropped.
func (c *consumer) noteDropped() {
	if n := c.s.q.takeDropped(); n > 0 {
		c.s.r.dropped.Add(uint64(n))
		c.dropped += n
	}
}
