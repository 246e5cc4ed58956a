package sphinx

import (
	"math"
	"strings"

	"github.com/parley-voice/parley/pipeline"
)

// maxCompoundSpan is the most recognised words matched against one hint
// word written as a compound ("smart watch" against "smartwatch").
const maxCompoundSpan = 4

// phraseMatch says which recognised words hint phrases cover.
type phraseMatch struct {
	// covered is the number of recognised words inside a matched phrase.
	covered int
	// merges lists spans of several recognised words that spell one hint
	// word, to be written as that word.
	merges []merge
}

type merge struct {
	from, to int // word indexes, inclusive
	word     string
}

// matchPhrases finds the hint phrases in words (lower-case dictionary
// spelling). A phrase matches a run of words whose concatenation equals the
// phrase's, so "smart watch" matches the hint "smartwatch" and "airpods"
// the hint "air pods". Runs do not overlap; earlier and longer runs win.
func matchPhrases(words []string, phrases []phrase) phraseMatch {
	var m phraseMatch
	if len(phrases) == 0 {
		return m
	}
	for i := 0; i < len(words); {
		j, p := longestMatch(words, i, phrases)
		if p == nil {
			i++
			continue
		}
		m.covered += j - i + 1
		if j > i && len(p.words) == 1 {
			m.merges = append(m.merges, merge{from: i, to: j, word: p.words[0]})
		}
		i = j + 1
	}
	return m
}

// longestMatch returns the last index of the longest run from i that spells
// a phrase, and the phrase; nil when none does.
func longestMatch(words []string, i int, phrases []phrase) (int, *phrase) {
	bestJ, bestP := -1, (*phrase)(nil)
	for k := range phrases {
		p := &phrases[k]
		rest := p.joined
		for j := i; j < len(words) && j-i < max(maxCompoundSpan, len(p.words)); j++ {
			if !strings.HasPrefix(rest, words[j]) {
				break
			}
			rest = rest[len(words[j]):]
			if rest == "" {
				if j > bestJ {
					bestJ, bestP = j, p
				}
				break
			}
		}
	}
	return bestJ, bestP
}

// rescore returns the index of the n-best hypothesis to report instead of
// the decoder's best path, or -1 to keep the best path. best is the best
// path's text and ref its index in hyps (-1 when the list lacks it). Only a
// hypothesis holding more hint words than the best path can replace it,
// and only when its score plus bonus for each recognised word inside a
// hint phrase beats the best path's (when the best path is in the list to
// compare with); among several, the highest such total wins.
func rescore(hyps []hypothesis, ref int, best string, phrases []phrase, bonus float64) int {
	if len(phrases) == 0 || bonus <= 0 || len(hyps) == 0 {
		return -1
	}
	refCovered := matchPhrases(strings.Fields(best), phrases).covered
	pick, pickScore := -1, math.Inf(-1)
	if ref >= 0 {
		pickScore = float64(hyps[ref].score) + bonus*float64(refCovered)
	}
	for i, h := range hyps {
		covered := matchPhrases(strings.Fields(h.text), phrases).covered
		if covered <= refCovered {
			continue
		}
		if s := float64(h.score) + bonus*float64(covered); s > pickScore {
			pick, pickScore = i, s
		}
	}
	return pick
}

// applyMerges rewrites the words of a result that spell a hint word as
// several words ("smart watch") as that word, spanning their times with
// their mean confidence.
func applyMerges(ws []pipeline.Word, phrases []phrase) []pipeline.Word {
	if len(phrases) == 0 || len(ws) < 2 {
		return ws
	}
	texts := make([]string, len(ws))
	for i, w := range ws {
		texts[i] = w.Text
	}
	m := matchPhrases(texts, phrases)
	if len(m.merges) == 0 {
		return ws
	}
	out := make([]pipeline.Word, 0, len(ws))
	next := 0
	for _, mg := range m.merges {
		out = append(out, ws[next:mg.from]...)
		span := ws[mg.from : mg.to+1]
		out = append(out, pipeline.Word{Text: mg.word, Start: span[0].Start, End: span[len(span)-1].End,
			Confidence: meanConfidence(span)})
		next = mg.to + 1
	}
	return append(out, ws[next:]...)
}

// textOf joins the words' texts.
func textOf(ws []pipeline.Word) string {
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.Text)
	}
	return b.String()
}
