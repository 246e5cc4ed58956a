package sphinx

import (
	"strings"
	"time"

	"github.com/parley-voice/parley/pipeline"
)

// isFiller reports an engine token that is not a word: sentence markers
// (<s>, </s>), silence (<sil>), noise ([NOISE], [SPEECH], ++GARBAGE++) and
// the grammar search's empty transitions ((NULL)).
func isFiller(w string) bool {
	if w == "" || w == "(NULL)" {
		return true
	}
	switch w[0] {
	case '<', '[', '+':
		return true
	}
	return false
}

// baseWord strips a pronunciation variant marker: "read(2)" is "read".
func baseWord(w string) string {
	if i := strings.IndexByte(w, '('); i > 0 && strings.HasSuffix(w, ")") {
		return w[:i]
	}
	return w
}

// joinWords returns the words of segs, fillers removed, separated by
// spaces.
func joinWords(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		if isFiller(s.word) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(baseWord(s.word))
	}
	return b.String()
}

// cleanHyp normalizes a hypothesis string from the engine: fillers and
// variant markers removed, single spaces.
func cleanHyp(h string) string {
	if h == "" {
		return ""
	}
	var b strings.Builder
	for _, w := range strings.Fields(h) {
		if isFiller(w) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(baseWord(w))
	}
	return b.String()
}

// frameTime converts a frame number of an utterance that began at sample
// offset start (16 kHz) to stream time.
func frameTime(start int64, frame int) time.Duration {
	return sampleTime(start + int64(frame)*samplesPerFrame)
}

// sampleTime converts a 16 kHz sample count to a duration.
func sampleTime(n int64) time.Duration {
	return time.Duration(n) * time.Second / 16000
}

// wordsOf converts segments to words in stream time, fillers removed. A
// segment's end frame is inclusive, so a word ends where its last frame
// ends. conf, when not negative, replaces the segments' posteriors.
func wordsOf(segs []segment, start int64, conf float64) []pipeline.Word {
	var out []pipeline.Word
	for _, s := range segs {
		if isFiller(s.word) {
			continue
		}
		c := s.post
		if conf >= 0 {
			c = conf
		}
		out = append(out, pipeline.Word{
			Text:       baseWord(s.word),
			Start:      frameTime(start, s.start),
			End:        frameTime(start, s.end+1),
			Confidence: float32(c),
		})
	}
	return out
}

// meanConfidence is the mean word confidence; 0 for no words.
func meanConfidence(ws []pipeline.Word) float32 {
	if len(ws) == 0 {
		return 0
	}
	var sum float32
	for _, w := range ws {
		sum += w.Confidence
	}
	return sum / float32(len(ws))
}
