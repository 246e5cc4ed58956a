package espeak

import (
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Pause detection in a word's audio: espeak-ng reports where words start,
// so the pause after a word (at a comma, at the end of a sentence) is at the
// end of its audio; a quiet stretch at least minPause long becomes a chunk
// of its own, so that the caller is not counted as having heard a word
// before its pause was played.
const (
	quietLevel = 300                    // peak level of a quiet 5 ms window (about -40 dBFS)
	quietStep  = nativeRate / 200       // 5 ms
	decayKeep  = nativeRate / 100       // 10 ms of a word's decay kept with the word
	minPause   = nativeRate * 60 / 1000 // 60 ms
)

// emitter writes one request's chunks after each clause is synthesized:
// one chunk per token of the text (the words espeak-ng reported for it,
// merged), one per pause, the silences at the ends of the request trimmed,
// resampled to the requested rate, with contiguous text ranges that never
// go backwards. Its buffers are reused, so a chunk allocates nothing.
type emitter struct {
	w     pipeline.SpeechWriter
	text  string
	rate  int
	rs    *audio.Resampler
	out   []int16
	lead  time.Duration
	trail time.Duration

	prev    int  // end of the text range written so far
	started bool // some audio was written
}

// clause writes the chunks of the clause in j. clauseEnd is the clause's
// end in the request text; last marks the request's final speakable
// clause. It returns the writer's error, or errStopped when the request
// was cancelled or the Synthesizer closed.
func (e *emitter) clause(j *job, clauseEnd int, last bool) error {
	groups := e.groups(j, clauseEnd)
	if len(groups) == 0 {
		return nil
	}
	if err := e.writeLead(j, groups[0].start); err != nil {
		return err
	}
	for k, g := range groups {
		end := len(j.native)
		if k+1 < len(groups) {
			end = groups[k+1].start
		}
		final := last && k == len(groups)-1
		stop := max(e.prev, g.stop)
		if final {
			stop = len(e.text)
		}
		speech := splitPause(j.native[g.start:end])
		if err := e.write(j, j.native[g.start:g.start+speech], stop); err != nil {
			return err
		}
		pause := j.native[g.start+speech : end]
		if final {
			pause = pause[:min(len(pause), audio.SamplesFor(nativeRate, e.trail))]
		}
		if err := e.write(j, pause, e.prev); err != nil {
			return err
		}
	}
	return nil
}

// groups merges the clause's words by token: espeak-ng reports several
// words for a number or an abbreviation, which the caller hears as one
// token of the text. A clause without word events is one group.
func (e *emitter) groups(j *job, clauseEnd int) []group {
	gs := j.groups[:0]
	for _, w := range j.words {
		b := j.clean.offset(w.char)
		stop := min(tokenEnd(e.text, b), clauseEnd)
		start := min(max(w.sample, 0), len(j.native))
		if n := len(gs); n > 0 {
			if gs[n-1].stop >= stop {
				continue
			}
			start = max(start, gs[n-1].start)
		}
		gs = append(gs, group{start: start, stop: stop})
	}
	if len(gs) == 0 && len(j.native) > 0 {
		gs = append(gs, group{start: 0, stop: clauseEnd})
	}
	j.groups = gs
	return gs
}

// writeLead writes the audio before the clause's first word: trimmed to the
// configured leading silence at the start of the request.
func (e *emitter) writeLead(j *job, first int) error {
	pre := j.native[:first]
	if !e.started {
		pre = pre[max(0, len(pre)-audio.SamplesFor(nativeRate, e.lead)):]
	}
	return e.write(j, pre, e.prev)
}

// write resamples samples and writes them as a chunk ending at text offset
// stop (a pause when stop is e.prev). Empty audio is written only for a
// range of text, so that the ranges stay contiguous.
func (e *emitter) write(j *job, samples []int16, stop int) error {
	if len(samples) == 0 && stop == e.prev {
		return nil
	}
	if j.stopping() {
		return errStopped
	}
	e.out = e.rs.Process(e.out[:0], samples)
	if len(e.out) > 0 {
		e.started = true
	}
	c := pipeline.SpeechChunk{Audio: audio.Frame{Rate: e.rate, Samples: e.out}, TextStart: e.prev, TextEnd: stop}
	e.prev = stop
	return e.w.WriteSpeech(c)
}

// splitPause returns where the pause at the end of a word's audio begins
// (len(s) if there is none at least minPause long).
func splitPause(s []int16) int {
	i := len(s)
	for i > 0 {
		lo := max(0, i-quietStep)
		if peak(s[lo:i]) >= quietLevel {
			break
		}
		i = lo
	}
	i = min(len(s), i+decayKeep)
	if len(s)-i < minPause {
		return len(s)
	}
	return i
}

func peak(s []int16) int {
	m := 0
	for _, x := range s {
		v := int(x)
		if v < 0 {
			v = -v
		}
		m = max(m, v)
	}
	return m
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
