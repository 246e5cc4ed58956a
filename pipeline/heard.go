package pipeline

import (
	"strings"
	"unicode"
)

// wordBoundary returns the largest offset b <= x at which a word of text
// ends (0 if none): the caller heard text[:b] in whole words. Words are
// separated by white space; in scripts written without spaces (Han, kana)
// every character is a word.
func wordBoundary(text string, x int) int {
	if x >= len(text) {
		return len(strings.TrimRightFunc(text, unicode.IsSpace))
	}
	best := 0
	prev := rune(-1)
	for i, r := range text {
		if i > x {
			break
		}
		if prev >= 0 && !unicode.IsSpace(prev) && (unicode.IsSpace(r) || unspaced(prev) || unspaced(r)) {
			best = i
		}
		prev = r
	}
	return best
}

// unspaced reports runes of scripts written without spaces between words.
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// heardText returns text[:offset] without trailing space, clamping offset.
func heardText(text string, offset int) string {
	offset = min(max(offset, 0), len(text))
	return strings.TrimRightFunc(text[:offset], unicode.IsSpace)
}
