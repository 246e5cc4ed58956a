package stt

import (
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// segmenter cuts a stream's frames into utterances by the session's voice
// activity: a pre-roll ring keeps the audio before speech is confirmed, and
// an utterance runs from the pre-roll to the frame where speech ends, or
// until it reaches the maximum length. It is owned by one goroutine.
type segmenter struct {
	rate     int
	ring     []int16 // pre-roll, circular
	ringPos  int
	ringLen  int
	maxLen   int           // samples
	pos      int64         // samples written to the stream so far
	cur      []int16       // the utterance being collected; nil when idle
	curStart time.Duration // stream time of cur[0]
}

// newSegmenter returns a segmenter for rate with the given pre-roll and
// maximum utterance length.
func newSegmenter(rate int, preRoll, maxUtt time.Duration) *segmenter {
	return &segmenter{
		rate:   rate,
		ring:   make([]int16, audio.SamplesFor(rate, preRoll)),
		maxLen: audio.SamplesFor(rate, maxUtt),
	}
}

// at converts a sample position to stream time.
func (s *segmenter) at(samples int64) time.Duration {
	return time.Duration(samples) * time.Second / time.Duration(s.rate)
}

// now returns the stream time after the last frame.
func (s *segmenter) now() time.Duration { return s.at(s.pos) }

// active reports whether an utterance is being collected.
func (s *segmenter) active() bool { return s.cur != nil }

// push adds one frame with the session's speech state and returns a
// finished utterance (its samples and stream start time) when speech ended
// or the utterance reached its maximum length. The returned slice is the
// caller's; the segmenter allocates a new buffer per utterance.
func (s *segmenter) push(samples []int16, speaking bool) (utt []int16, start time.Duration, done bool) {
	defer func() { s.pos += int64(len(samples)) }()
	if s.cur == nil {
		if !speaking {
			s.remember(samples)
			return nil, 0, false
		}
		s.begin()
	}
	s.cur = append(s.cur, samples...)
	if !speaking || len(s.cur) >= s.maxLen {
		utt, start = s.cur, s.curStart
		s.cur = nil
		if speaking {
			// Cut at the maximum length: the next frames continue in a
			// new utterance without pre-roll.
			s.ringLen = 0
			s.curStart = s.at(s.pos + int64(len(samples)))
			s.cur = make([]int16, 0, min(s.maxLen, 10*s.rate))
		}
		return utt, start, true
	}
	return nil, 0, false
}

// flush returns the utterance in progress, if any, and resets.
func (s *segmenter) flush() (utt []int16, start time.Duration, ok bool) {
	if len(s.cur) == 0 {
		s.cur = nil
		return nil, 0, false
	}
	utt, start = s.cur, s.curStart
	s.cur = nil
	return utt, start, true
}

// begin starts an utterance with the pre-roll.
func (s *segmenter) begin() {
	s.cur = make([]int16, 0, min(s.maxLen, 10*s.rate)+len(s.ring))
	first := (s.ringPos - s.ringLen + len(s.ring)) % max(len(s.ring), 1)
	for i := range s.ringLen {
		s.cur = append(s.cur, s.ring[(first+i)%len(s.ring)])
	}
	s.curStart = s.at(s.pos - int64(s.ringLen))
	s.ringLen = 0
}

// remember keeps the most recent samples in the pre-roll ring.
func (s *segmenter) remember(samples []int16) {
	n := len(s.ring)
	if n == 0 {
		return
	}
	if len(samples) >= n {
		copy(s.ring, samples[len(samples)-n:])
		s.ringPos, s.ringLen = 0, n
		return
	}
	k := copy(s.ring[s.ringPos:], samples)
	copy(s.ring, samples[k:])
	s.ringPos = (s.ringPos + len(samples)) % n
	s.ringLen = min(s.ringLen+len(samples), n)
}
