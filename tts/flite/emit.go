package flite

import (
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// emitter writes one request's chunks: it cuts each clause's audio at the
// ends of its groups (one chunk per token, one per pause), trims the
// silences at the ends of the request, resamples to the requested rate and
// keeps the chunks' text ranges contiguous and never going backwards. It
// runs on the Synthesize goroutine; its buffers are reused for every chunk,
// so writing a chunk allocates nothing.
type emitter struct {
	w     pipeline.SpeechWriter
	text  string
	rate  int // output rate, Hz
	rs    *audio.Resampler
	out   []int16
	lead  time.Duration
	trail time.Duration

	prev    int  // end of the text range written so far
	started bool // some audio was written
}

// clause writes the chunks of the clause j is synthesizing as its groups
// complete, until the synthesis is done. It returns the writer's error, or
// errStopped when the request was cancelled or the Synthesizer closed.
func (e *emitter) clause(j *job) error {
	gi, pos, lastWord := 0, 0, -1
	j.mu.Lock()
	for {
		if j.known && lastWord < 0 {
			lastWord = lastWordGroup(j.groups)
		}
		for j.known && gi < len(j.groups) {
			end, ok := groupEnd(j, gi)
			if !ok {
				break
			}
			c, write := e.chunk(j, gi, pos, end, j.lastClause && gi == lastWord)
			pos = max(pos, end)
			gi++
			if !write {
				continue
			}
			if j.stopping() {
				j.mu.Unlock()
				return errStopped
			}
			j.mu.Unlock()
			if err := e.w.WriteSpeech(c); err != nil {
				return err
			}
			j.mu.Lock()
		}
		if j.done {
			j.mu.Unlock()
			return nil
		}
		j.mu.Unlock()
		select {
		case <-j.ready:
		case <-j.ctx.Done():
		case <-j.closing:
		}
		if j.stopping() {
			return errStopped
		}
		j.mu.Lock()
	}
}

// groupEnd returns where group gi's audio ends in j.native, and whether
// all of it is there. The last group also takes any audio after its end,
// so it is complete only once the synthesis is done. j.mu is held.
func groupEnd(j *job, gi int) (int, bool) {
	end, have := j.groups[gi].end, len(j.native)
	final := gi == len(j.groups)-1
	if j.done {
		if final || end > have {
			end = have
		}
		return end, true
	}
	return end, !final && end <= have
}

// lastWordGroup returns the index of the last group that is not a pause,
// or -1.
func lastWordGroup(groups []group) int {
	for i := len(groups) - 1; i >= 0; i-- {
		if !groups[i].pause() {
			return i
		}
	}
	return -1
}

// chunk builds the chunk for group gi, whose audio is j.native[from:to].
// finalWord marks the last word of the request, whose text range extends
// to the end of the text. It reports false for a pause with nothing left
// to say after trimming. j.mu is held.
func (e *emitter) chunk(j *job, gi, from, to int, finalWord bool) (pipeline.SpeechChunk, bool) {
	g := j.groups[gi]
	start, stop := e.prev, e.prev
	if g.pause() {
		switch {
		case gi == 0 && !e.started:
			from = max(from, to-audio.SamplesFor(j.rate, e.lead))
		case gi == 0:
			from = to // the previous clause's final pause is the break
		case gi == len(j.groups)-1 && finalClause(j, gi):
			to = min(to, from+audio.SamplesFor(j.rate, e.trail))
		}
		if from >= to {
			return pipeline.SpeechChunk{}, false
		}
	} else {
		stop = max(e.prev, g.stop)
		if finalWord {
			stop = len(e.text)
		}
		e.prev = stop
	}
	e.out = e.out[:0]
	if from < to {
		e.out = e.rs.Process(e.out, j.native[from:to])
		e.started = true
	}
	return pipeline.SpeechChunk{Audio: audio.Frame{Rate: e.rate, Samples: e.out}, TextStart: start, TextEnd: stop}, true
}

// finalClause reports whether pause gi ends the request: it follows the
// request's last word.
func finalClause(j *job, gi int) bool {
	return j.lastClause && gi > lastWordGroup(j.groups)
}

// flush writes the audio the resampler still holds back as a silent
// chunk, and resets the resampler.
func (e *emitter) flush() error {
	e.out = e.rs.Flush(e.out[:0])
	if len(e.out) == 0 {
		return nil
	}
	return e.w.WriteSpeech(pipeline.SpeechChunk{
		Audio:     audio.Frame{Rate: e.rate, Samples: e.out},
		TextStart: e.prev, TextEnd: e.prev,
	})
}
