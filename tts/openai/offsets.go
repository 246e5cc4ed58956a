package openai

import (
	"strings"
	"unicode"
)

// bound is a place in the text where a word ends, and the estimated output
// sample by which the audio has spoken up to it.
type bound struct {
	off int   // byte offset just after the word
	at  int64 // output samples
}

// estimator assigns the words of a sentence to chunks of its audio.
//
// The speech endpoint reports no timings, so the estimator guesses them:
// each rune costs a weight (a letter 1, a Han character 3, a comma's pause
// 3, a full stop's 5...), a weight unit lasts 1/(SpeakingRate*Speed)
// seconds, and a chunk speaks every word whose estimated end it reaches.
// Ranges snap to word boundaries (white space, or between characters of
// scripts written without spaces, as the session counts heard words), never
// go backwards, and never claim the last word before the final chunk,
// which closes the range to the end of the text. It is an estimate: a
// barge-in may keep or drop a word more than the caller heard.
type estimator struct {
	text   string
	bounds []bound
	next   int // first bound not yet reached
	end    int // end of the text claimed so far
}

// newEstimator prepares the word ends of text for audio at rate Hz spoken
// at unitsPerSecond weight units per second.
func newEstimator(text string, unitsPerSecond float64, rate int) *estimator {
	e := &estimator{text: text}
	perUnit := float64(rate) / unitsPerSecond
	var weight float64
	prev := rune(-1)
	for i, r := range text {
		if prev >= 0 && !unicode.IsSpace(prev) && (unicode.IsSpace(r) || unspaced(prev) || unspaced(r)) {
			e.bounds = append(e.bounds, bound{off: i, at: int64(weight * perUnit)})
		}
		weight += runeWeight(r)
		prev = r
	}
	if last := len(strings.TrimRightFunc(text, unicode.IsSpace)); last > 0 {
		if n := len(e.bounds); n > 0 && e.bounds[n-1].off == last {
			e.bounds = e.bounds[:n-1] // the end of the last word, before trailing space
		}
		e.bounds = append(e.bounds, bound{off: last, at: int64(weight * perUnit)})
	}
	return e
}

// reset forgets the chunks assigned so far, for a new attempt.
func (e *estimator) reset() { e.next, e.end = 0, 0 }

// advance returns the text range of a chunk after which played output
// samples of the sentence have been written.
func (e *estimator) advance(played int64) (start, end int) {
	start = e.end
	for e.next < len(e.bounds)-1 && e.bounds[e.next].at <= played {
		e.end = e.bounds[e.next].off
		e.next++
	}
	return start, e.end
}

// final returns the text range of the last chunk: the rest of the text.
func (e *estimator) final() (start, end int) {
	start = e.end
	e.end, e.next = len(e.text), len(e.bounds)
	return start, e.end
}

// runeWeight is the estimated speaking time of r, in units of a letter.
func runeWeight(r rune) float64 {
	switch {
	case unicode.IsSpace(r):
		return 1
	case strings.ContainsRune(",;:，、；：", r):
		return 3
	case strings.ContainsRune(".!?。！？…", r):
		return 5
	case unspaced(r) || unicode.Is(unicode.Hangul, r):
		return 3
	case unicode.IsDigit(r):
		return 2.5
	case unicode.IsLetter(r):
		return 1
	}
	return 0.5
}

// unspaced reports runes of scripts written without spaces between words,
// where every character counts as a word (as the session counts them).
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}
