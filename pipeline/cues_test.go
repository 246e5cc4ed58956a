package pipeline

import (
	"testing"
	"unicode/utf8"
)

func testCues() cues {
	c := DefaultTurnConfig()
	return newCues(c.EndOfTurn, c.BargeIn)
}

func TestClassify(t *testing.T) {
	c := testCues()
	tests := []struct {
		name string
		text string
		want textClass
	}{
		{"empty", "", classPlain},
		{"unpunctuated statement", "i want to return my jacket", classPlain},
		{"punctuated statement", "I want to return my jacket.", classComplete},
		{"question", "Can you help me?", classComplete},
		{"exclamation", "Thanks!", classComplete},
		{"chinese full stop", "我想退货。", classComplete},
		{"trailing and", "I want to return my jacket and", classUnfinished},
		{"trailing article", "I bought the", classUnfinished},
		{"conjunction punctuated as complete", "I think so.", classComplete},
		{"trailing filler", "I think um", classUnfinished},
		{"filler wins over the period", "Um.", classUnfinished},
		{"trailing comma", "Well,", classUnfinished},
		{"trailing ellipsis", "I was wondering...", classUnfinished},
		{"digit words", "my order is four eight two", classUnfinished},
		{"numerals", "order 482.", classUnfinished},
		{"spaced numerals", "it's 4 8 2", classUnfinished},
		{"chinese numerals", "订单号四八二", classPlain},
		{"chinese numerals spaced", "订单号 四八二", classUnfinished},
		{"two digits are not a read-out", "I'm 35.", classComplete},
		{"a number word is not a digit", "twelve please.", classComplete},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.classify(tc.text); got != tc.want {
				t.Errorf("classify(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

func TestIsBackchannel(t *testing.T) {
	c := testCues()
	tests := []struct {
		name string
		text string
		want bool
	}{
		{"empty", "", false},
		{"uh huh", "Uh huh.", true},
		{"hyphenated", "uh-huh", true},
		{"mm hmm", "Mm-hmm", true},
		{"repeated", "yeah yeah", true},
		{"two phrases", "okay, got it", true},
		{"with filler", "um, right", true},
		{"filler alone", "uh", true},
		{"yes answers", "yes", false},
		{"no answers", "No.", false},
		{"backchannel then a request", "yeah but wait", false},
		{"a request", "stop", false},
		{"punctuation only", "...", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.isBackchannel(tc.text); got != tc.want {
				t.Errorf("isBackchannel(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

func TestWordBoundary(t *testing.T) {
	tests := []struct {
		name string
		text string
		x    int
		want int
	}{
		{"start", "hello world", 0, 0},
		{"inside the first word", "hello world", 3, 0},
		{"at the space", "hello world", 5, 5},
		{"inside the second word", "hello world", 8, 5},
		{"at the end", "hello world", 11, 11},
		{"past the end", "hello world", 50, 11},
		{"trailing space trimmed", "hello ", 6, 5},
		{"punctuation stays with its word", "Sure, I can", 7, 7},
		{"han characters are words", "我想退货", 7, 6},
		{"negative", "hi there", -1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := wordBoundary(tc.text, tc.x); got != tc.want {
				t.Errorf("wordBoundary(%q, %d) = %d, want %d", tc.text, tc.x, got, tc.want)
			}
		})
	}
}

// FuzzTextCues checks the text rules on arbitrary recognizer output: no
// panics, and heard offsets that are word ends within bounds.
func FuzzTextCues(f *testing.F) {
	for _, s := range []string{"I want to return my jacket.", "uh-huh", "四八二。", "4 8 2", "", "  ", "a\u00a0b"} {
		f.Add(s, 3)
	}
	c := testCues()
	f.Fuzz(func(t *testing.T, text string, x int) {
		_ = c.classify(text)
		_ = c.isBackchannel(text)
		b := wordBoundary(text, x)
		if b < 0 || b > len(text) || (x < len(text) && b > max(x, 0)) {
			t.Fatalf("wordBoundary(%q, %d) = %d out of range", text, x, b)
		}
		if utf8.ValidString(text) && b < len(text) && !utf8.RuneStart(text[b]) {
			t.Fatalf("wordBoundary(%q, %d) = %d splits a rune", text, x, b)
		}
		_ = heardText(text, x)
	})
}
