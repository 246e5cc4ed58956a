package pipeline

import (
	"strings"
	"unicode"
)

// textClass is what the words of a caller's turn say about its end.
type textClass int

const (
	// classPlain: nothing to go by; wait the base silence.
	classPlain textClass = iota
	// classComplete: a punctuated complete sentence; wait less.
	classComplete
	// classUnfinished: a trailing filler, conjunction or digit run; wait
	// longer.
	classUnfinished
)

// cues holds the word lists of a TurnConfig in matchable form.
type cues struct {
	continuation map[string]bool
	fillers      map[string]bool
	backchannels map[string]bool
	maxBCWords   int
	digitRun     int
}

func newCues(e EndOfTurnConfig, b BargeInConfig) cues {
	c := cues{
		continuation: wordSet(e.ContinuationWords),
		fillers:      wordSet(e.FillerWords),
		backchannels: make(map[string]bool, len(b.Backchannels)),
		digitRun:     e.DigitRun,
	}
	for _, p := range b.Backchannels {
		w := words(p)
		if len(w) == 0 {
			continue
		}
		c.backchannels[strings.Join(w, " ")] = true
		c.maxBCWords = max(c.maxBCWords, len(w))
	}
	return c
}

func wordSet(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, w := range list {
		for _, x := range words(w) {
			m[x] = true
		}
	}
	return m
}

// words splits text into lower-case words, dropping punctuation; apostrophes
// stay inside words ("don't") and hyphens split them ("uh-huh").
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '\''
	})
}

// hasWords reports whether text holds at least one word as words splits
// them, without allocating.
func hasWords(text string) bool {
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || r == '\'' {
			return true
		}
	}
	return false
}

// classify says how the text of a caller's turn ends.
func (c *cues) classify(text string) textClass {
	text = strings.TrimSpace(text)
	w := words(text)
	if len(w) == 0 {
		return classPlain
	}
	last := w[len(w)-1]
	if c.fillers[last] {
		return classUnfinished
	}
	if c.digitRun > 0 && trailingDigits(w) >= c.digitRun {
		return classUnfinished
	}
	switch {
	case strings.HasSuffix(text, "...") || strings.HasSuffix(text, "…"):
		return classUnfinished
	case endsWithAny(text, ".?!。？！"):
		return classComplete
	case endsWithAny(text, ",;:，；：、-—"):
		return classUnfinished
	case c.continuation[last]:
		return classUnfinished
	}
	return classPlain
}

func endsWithAny(text, set string) bool {
	for _, r := range set {
		if strings.HasSuffix(text, string(r)) {
			return true
		}
	}
	return false
}

// trailingDigits counts the digits read out at the end of w: digit words
// ("four", "oh", "double") count one each, numeral tokens ("482", "四八二")
// one per numeral.
func trailingDigits(w []string) int {
	n := 0
	for i := len(w) - 1; i >= 0; i-- {
		d := digitsIn(w[i])
		if d == 0 {
			break
		}
		n += d
	}
	return n
}

func digitsIn(word string) int {
	switch word {
	case "zero", "oh", "o", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "double", "triple":
		return 1
	}
	n := 0
	for _, r := range word {
		if !isNumeral(r) {
			return 0
		}
		n++
	}
	return n
}

func isNumeral(r rune) bool {
	if r >= '0' && r <= '9' {
		return true
	}
	return strings.ContainsRune("零〇一二三四五六七八九两幺", r)
}

// isBackchannel reports whether text is made only of backchannel phrases
// and fillers ("uh huh", "okay okay", "um yeah"), so that it does not ask
// for the floor. Empty text is not a backchannel.
func (c *cues) isBackchannel(text string) bool {
	w := words(text)
	if len(w) == 0 {
		return false
	}
	for i := 0; i < len(w); {
		n := c.matchBackchannel(w[i:])
		if n == 0 && c.fillers[w[i]] {
			n = 1
		}
		if n == 0 {
			return false
		}
		i += n
	}
	return true
}

// matchBackchannel returns how many leading words of w form the longest
// backchannel phrase, or 0.
func (c *cues) matchBackchannel(w []string) int {
	for n := min(c.maxBCWords, len(w)); n > 0; n-- {
		if c.backchannels[strings.Join(w[:n], " ")] {
			return n
		}
	}
	return 0
}
