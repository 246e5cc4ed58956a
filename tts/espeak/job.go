package espeak

import "context"

// word is one espeakEVENT_WORD: where a word starts in the clause's audio
// and which characters of the clause it speaks.
type word struct {
	sample int // first sample of the word, at nativeRate
	char   int // index of its first character in the clause (0-based)
}

// group is the audio of one token of the request text: the words espeak-ng
// reported for it.
type group struct {
	start int // first sample
	stop  int // end of the token in the request text, in bytes
}

// job is the state of one Synthesize call. espeak-ng's callback runs on the
// goroutine that called it, so a job is only ever used by one goroutine at
// a time. jobs are pooled, so their buffers are reused from call to call.
type job struct {
	ctx     context.Context
	closing <-chan struct{}
	clean   cleaner
	native  []int16 // the clause's audio at nativeRate
	words   []word
	groups  []group
	out     []int16 // the emitter's chunk buffer
	stopped bool    // the callback asked espeak-ng to stop
}

// reset prepares j for a new clause.
func (j *job) reset() {
	j.native, j.words, j.groups, j.stopped = j.native[:0], j.words[:0], j.groups[:0], false
}

// word records a word event; pos is espeak-ng's 1-based character position.
func (j *job) word(sample, pos int) {
	j.words = append(j.words, word{sample: sample, char: pos - 1})
}

// stopping reports whether the request was cancelled or the Synthesizer is
// closing.
func (j *job) stopping() bool {
	if j.ctx.Err() != nil {
		return true
	}
	select {
	case <-j.closing:
		return true
	default:
		return false
	}
}
