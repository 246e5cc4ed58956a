package flite

import (
	"strings"
	"testing"
)

// clauses splits text as Synthesize does.
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
		{"titles are not sentence ends", "Dr. Smith and Mr. Jones came.", []string{"Dr. Smith and Mr. Jones came."}},
		{"initials are not sentence ends", "J. R. R. Tolkien wrote it.", []string{"J. R. R. Tolkien wrote it."}},
		{"dotted abbreviations", "Use e.g. this one. Next.", []string{"Use e.g. this one.", " Next."}},
		{"a lower-case word continues", "It costs 5 approx. per item.", []string{"It costs 5 approx. per item."}},
		{"decimals", "Pi is 3.14 today.", []string{"Pi is 3.14 today."}},
		{"semicolons", "Yes; no.", []string{"Yes;", " no."}},
		{"lines", "one\ntwo", []string{"one\n", "two"}},
		{"ellipsis", "Well… maybe.", []string{"Well…", " maybe."}},
		{"Chinese punctuation", "好。谢谢！", []string{"好。", "谢谢！"}},
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

func TestNextClauseLongWithoutBreaks(t *testing.T) {
	tests := []struct {
		desc string
		text string
	}{
		{"cut at a comma", strings.Repeat("word, word word ", 60)},
		{"one huge token", strings.Repeat("x", 1000)},
		{"multi-byte characters", strings.Repeat("é", 700)},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			for _, c := range clauses(tc.text) {
				if len(c) > maxClauseBytes {
					t.Fatalf("clause of %d bytes, want at most %d", len(c), maxClauseBytes)
				}
				if !strings.HasSuffix(c, ",") && strings.Contains(tc.text, ",") && len(c) == maxClauseBytes {
					t.Errorf("clause %q not cut at a comma", c)
				}
			}
			if strings.Join(clauses(tc.text), "") != tc.text {
				t.Error("clauses do not add up to the text")
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
		foreign   bool
	}{
		{"ASCII passes", "Hello, world 42!", "Hello, world 42!", true, false},
		{"controls become spaces", "a\tb\nc\x00d", "a b c d", true, false},
		{"accents are dropped", "Café Müller naïve", "Cafe Muller naive", true, false},
		{"ligatures and sharp s", "Æsop Straße œuvre", "AEsop Strasse oeuvre", true, false},
		{"typographic quotes", "it’s “so”", `it's "so"`, true, false},
		{"em dash is a pause on the word before", "yes — no", "yes,  no", true, false},
		{"em dash between words", "yes—no", "yes, no", true, false},
		{"ellipsis", "well…", "well...", true, false},
		{"currency and degrees", "5€ 20°", "5 euro  20 degrees ", true, false},
		{"markdown", "**bold** _it_ `code`", "  bold    it   code ", true, false},
		{"full-width ASCII", "ＡＢＣ１２３", "ABC123", true, false},
		{"combining marks and zero-width characters vanish", "e\u0301\u200bx", "ex", true, false},
		{"other scripts", "hi 你好", "hi   ", true, true},
		{"only other scripts", "你好", "  ", false, true},
		{"emoji", "👍", " ", false, false},
		{"invalid UTF-8", "a\xffb", "a b", true, false},
		{"long tokens are cut", strings.Repeat("x", 50), strings.Repeat("x", 48) + " xx", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var c cleaner
			speakable, foreign := c.clean(tc.text, 0, len(tc.text))
			if string(c.out) != tc.want || speakable != tc.speakable || foreign != tc.foreign {
				t.Errorf("clean(%q) = %q, %v, %v; want %q, %v, %v", tc.text, c.out, speakable, foreign, tc.want, tc.speakable, tc.foreign)
			}
			checkCleanMap(t, tc.text, 0, len(tc.text), &c)
		})
	}
}

func TestCleanSpan(t *testing.T) {
	text := "Say “Café” now"
	var c cleaner
	c.clean(text, 4, len(text)) // from the opening quote
	// The cleaned token `"Cafe"` maps back to the original quotes and é.
	a := strings.Index(string(c.out), `"`)
	b := strings.LastIndex(string(c.out), `"`) + 1
	start, stop := c.span(a, b)
	if got := text[start:stop]; got != "“Café”" {
		t.Errorf("span of %q = %q, want %q", c.out[a:b], got, "“Café”")
	}
	if s, e := c.span(3, 3); s != -1 || e != -1 {
		t.Errorf("empty span = [%d, %d), want -1", s, e)
	}
}

// checkCleanMap verifies that every cleaned byte is printable ASCII and
// maps to a character of text[start:end], in order.
func checkCleanMap(t *testing.T, text string, start, end int, c *cleaner) {
	t.Helper()
	if len(c.from) != len(c.out) || len(c.to) != len(c.out) {
		t.Fatalf("map of %d/%d entries for %d bytes", len(c.from), len(c.to), len(c.out))
	}
	prev := int32(start)
	for k, b := range c.out {
		if b < 0x20 || b > 0x7e {
			t.Fatalf("byte %d of the cleaned text is %#x", k, b)
		}
		from, to := c.from[k], c.to[k]
		if from < prev || from > to || int(to) > end {
			t.Fatalf("byte %d maps to [%d, %d) after %d (clause [%d, %d))", k, from, to, prev, start, end)
		}
		prev = from
	}
}
