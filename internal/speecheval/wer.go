package speecheval

import (
	"strings"
	"unicode"
)

// Words normalizes a transcript for scoring: lowercase, split at anything
// that is not a letter, a digit or an apostrophe inside a word, so that
// case and punctuation ("Where is my order?") do not count as errors.
// Contractions keep their apostrophe ("hasn't"); quotes around a word do
// not.
func Words(text string) []string {
	fields := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '\u2019'
	})
	out := fields[:0]
	for _, f := range fields {
		f = strings.Trim(strings.ReplaceAll(f, "\u2019", "'"), "'")
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Score counts word errors against a number of reference words.
type Score struct {
	// Errors is the word-level edit distance: substitutions, deletions
	// and insertions.
	Errors int
	// Words is the number of reference words.
	Words int
}

// Add returns the sum of two scores.
func (s Score) Add(o Score) Score {
	return Score{Errors: s.Errors + o.Errors, Words: s.Words + o.Words}
}

// WER returns the word error rate, Errors/Words; 0 when there are no
// reference words.
func (s Score) WER() float64 {
	if s.Words == 0 {
		return 0
	}
	return float64(s.Errors) / float64(s.Words)
}

// Compare scores a hypothesis against a reference, both normalized with
// Words.
func Compare(ref, hyp string) Score {
	r := Words(ref)
	return Score{Errors: editDistance(r, Words(hyp)), Words: len(r)}
}

// editDistance is the Levenshtein distance between two word sequences.
func editDistance(ref, hyp []string) int {
	d := make([]int, len(hyp)+1)
	for j := range d {
		d[j] = j
	}
	for i := 1; i <= len(ref); i++ {
		prev := d[0]
		d[0] = i
		for j := 1; j <= len(hyp); j++ {
			cur := d[j]
			sub := prev
			if ref[i-1] != hyp[j-1] {
				sub++
			}
			d[j] = min(d[j]+1, d[j-1]+1, sub)
			prev = cur
		}
	}
	return d[len(hyp)]
}
