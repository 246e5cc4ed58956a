package espeak

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func clauses(text string) []string {
	var out []string
	for start := 0; start < len(text); {
		end := nextClause(text, start)
		out = append(out, text[start:end])
		start = end
	}
	return out
}

func TestNextClause(t *testing.T) {
	long := strings.Repeat("word ", 100)
	tests := []struct {
		desc string
		text string
		want []string
	}{
		{"one sentence", "Hello there.", []string{"Hello there."}},
		{"sentences", "Hello there. How are you? Fine!", []string{"Hello there.", " How are you?", " Fine!"}},
		{"closing quotes stay with the sentence", `He said "stop." Then left.`, []string{`He said "stop."`, " Then left."}},
		{"decimals and abbreviations stay whole", "Pi is 3.14, e.g. today.", []string{"Pi is 3.14, e.g. today."}},
		{"Chinese sentences", "您好。请问有什么可以帮您？谢谢！", []string{"您好。", "请问有什么可以帮您？", "谢谢！"}},
		{"Chinese closing quote", "他说：“好。”然后走了。", []string{"他说：“好。”", "然后走了。"}},
		{"lines", "one\ntwo", []string{"one\n", "two"}},
		{"no end", "no full stop", []string{"no full stop"}},
		{"long clause cut at a space", long, []string{long[:maxClauseBytes-1], long[maxClauseBytes-1:]}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got := clauses(tc.text)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("clauses(%q)\n got %q\nwant %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestNextClauseLong(t *testing.T) {
	tests := []struct {
		desc string
		text string
	}{
		{"cut at a Chinese comma", strings.Repeat("您好，", 100)},
		{"Chinese without punctuation", strings.Repeat("好", 300)},
		{"one huge token", strings.Repeat("x", 1000)},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			for _, c := range clauses(tc.text) {
				if len(c) > maxClauseBytes || !utf8.ValidString(c) {
					t.Fatalf("clause of %d bytes (valid UTF-8: %v)", len(c), utf8.ValidString(c))
				}
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		desc      string
		text      string
		want      string
		speakable bool
	}{
		{"text passes", "Grüße, 您好 42!", "Grüße, 您好 42!", true},
		{"controls become spaces", "a\tb\x00c", "a b c", true},
		{"markdown", "**bold** _it_", "  bold    it ", true},
		{"emoji", "ok 👍🏽", "ok   ", true},
		{"invalid UTF-8, one space per byte", "a\xff\xfeb", "a  b", true},
		{"nothing to say", "🎉 ...", "  ...", false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var c cleaner
			speakable := c.clean(tc.text, 0, len(tc.text))
			got := string(c.out[:len(c.out)-1])
			if got != tc.want || speakable != tc.speakable {
				t.Errorf("clean(%q) = %q, %v; want %q, %v", tc.text, got, speakable, tc.want, tc.speakable)
			}
			checkCleanMap(t, tc.text, 0, len(tc.text), &c)
		})
	}
}

// checkCleanMap verifies that the cleaned clause is valid UTF-8 with one
// character per character of text[start:end], each mapped to its byte
// offset.
func checkCleanMap(t *testing.T, text string, start, end int, c *cleaner) {
	t.Helper()
	if len(c.out) == 0 || c.out[len(c.out)-1] != 0 {
		t.Fatal("cleaned clause is not NUL-terminated")
	}
	out := string(c.out[:len(c.out)-1])
	if !utf8.ValidString(out) {
		t.Fatalf("cleaned clause %q is not valid UTF-8", out)
	}
	if n := utf8.RuneCountInString(out); n != c.runes() {
		t.Fatalf("%d characters, %d offsets", n, c.runes())
	}
	prev := start - 1
	for i := range c.runes() {
		p := c.offset(i)
		if p <= prev || p >= end {
			t.Fatalf("character %d at %d after %d (clause [%d, %d))", i, p, prev, start, end)
		}
		prev = p
	}
	if c.offset(c.runes()) != end {
		t.Fatalf("end offset %d, want %d", c.offset(c.runes()), end)
	}
}

func TestTokenEnd(t *testing.T) {
	tests := []struct {
		desc string
		text string
		at   int
		want string
	}{
		{"word with punctuation", "Hello, world", 0, "Hello,"},
		{"number", "pay 1,250.75 now", 4, "1,250.75"},
		{"inside a word", "Hello world", 2, "llo"},
		{"Han character with its punctuation", "您好，请", 3, "好，"},
		{"Latin then Han", "A123号", 0, "A123"},
		{"end of text", "ok", 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := tc.text[tc.at:tokenEnd(tc.text, tc.at)]; got != tc.want {
				t.Errorf("token at %d of %q = %q, want %q", tc.at, tc.text, got, tc.want)
			}
		})
	}
}

func TestSplitPause(t *testing.T) {
	loud := func(n int) []int16 {
		s := make([]int16, n)
		for i := range s {
			s[i] = int16(4000 * (1 - 2*(i%2)))
		}
		return s
	}
	tests := []struct {
		desc  string
		audio []int16
		want  int
	}{
		{"no pause", loud(5000), 5000},
		{"short quiet tail stays with the word", append(loud(5000), make([]int16, minPause/2)...), 5000 + minPause/2},
		{"long pause is split, keeping the decay", append(loud(5000), make([]int16, 4*minPause)...), 5000 + decayKeep},
		{"all quiet", make([]int16, 4*minPause), decayKeep},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got := splitPause(tc.audio)
			// The search works in 5 ms steps.
			if got < tc.want-quietStep || got > tc.want+quietStep {
				t.Errorf("splitPause = %d, want %d", got, tc.want)
			}
		})
	}
}
