package openai

import (
	"math"
	"strings"
	"time"
	"unicode"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/stt"
)

// silence holds the thresholds that mark a segment as decoded from silence
// (see Config.NoSpeechThreshold).
type silence struct {
	noSpeech, logprob float64
}

// span is a stretch of the utterance, in seconds.
type span struct {
	start, end float64
}

// toTranscript maps a transcription answer for an utterance of duration dur
// to a final Transcript. Word times and the Transcript's Start and End are
// relative to the start of the utterance. Segments decoded from silence are
// dropped with their words; text without letters or digits counts as no
// words.
func toTranscript(r *goopenai.AudioResponse, dur time.Duration, th silence) stt.Transcript {
	t := stt.Transcript{Final: true, End: dur, Language: responseLanguage(r.Language)}
	text, dropped, conf := keptText(r, th)
	if !hasWordChars(text) {
		return t
	}
	t.Text = text
	t.Confidence = conf
	t.Words = keptWords(r, dropped, dur)
	return t
}

// keptText returns the text of the segments not decoded from silence, the
// spans of those that were, and the confidence of the kept ones:
// exp(mean avg_logprob) * (1 - mean no_speech_prob), means weighted by
// segment duration. The confidence is 0 (unknown) without segments or when
// the server reports neither value.
func keptText(r *goopenai.AudioResponse, th silence) (text string, dropped []span, conf float32) {
	var kept strings.Builder
	var sumW, sumLP, sumNS float64
	reported := false
	for _, s := range r.Segments {
		if s.NoSpeechProb > th.noSpeech && s.AvgLogprob < th.logprob {
			dropped = append(dropped, span{s.Start, s.End})
			continue
		}
		kept.WriteString(s.Text)
		w := s.End - s.Start
		if !(w >= 0.01) || math.IsInf(w, 0) {
			w = 0.01
		}
		sumW += w
		sumLP += w * min(s.AvgLogprob, 0)
		sumNS += w * min(max(s.NoSpeechProb, 0), 1)
		reported = reported || s.AvgLogprob != 0 || s.NoSpeechProb != 0
	}
	text = strings.TrimSpace(r.Text)
	if len(dropped) > 0 || text == "" {
		text = strings.TrimSpace(kept.String())
	}
	if reported && sumW > 0 {
		c := math.Exp(sumLP/sumW) * (1 - sumNS/sumW)
		if c > 0 && c <= 1 {
			conf = float32(c)
		}
	}
	return text, dropped, conf
}

// keptWords returns the answer's words that do not lie in a dropped span,
// with times clamped to [0, dur].
func keptWords(r *goopenai.AudioResponse, dropped []span, dur time.Duration) []stt.Word {
	if len(r.Words) == 0 {
		return nil
	}
	out := make([]stt.Word, 0, len(r.Words))
	for _, w := range r.Words {
		text := strings.TrimSpace(w.Word)
		if text == "" || inSpans(dropped, (w.Start+w.End)/2) {
			continue
		}
		start, end := seconds(w.Start, dur), seconds(w.End, dur)
		out = append(out, stt.Word{Text: text, Start: start, End: max(start, end)})
	}
	return out
}

// inSpans reports whether t lies in one of the spans.
func inSpans(spans []span, t float64) bool {
	for _, s := range spans {
		if t >= s.start && t <= s.end {
			return true
		}
	}
	return false
}

// seconds converts a time in seconds to a Duration rounded to the
// millisecond (servers send float32 seconds: 0.23999999 means 240 ms) and
// clamped to [0, dur].
func seconds(s float64, dur time.Duration) time.Duration {
	if !(s > 0) {
		return 0
	}
	if s >= dur.Seconds() {
		return dur
	}
	return min(time.Duration(math.Round(s*1000))*time.Millisecond, dur)
}

// hasWordChars reports whether s holds a letter or a digit.
func hasWordChars(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}
