package espeak

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// FuzzNextClause checks that clauses partition any text into pieces of at
// most maxClauseBytes.
func FuzzNextClause(f *testing.F) {
	for _, s := range []string{"", "Hello there. How are you?", "您好。谢谢！", strings.Repeat("好，", 200), "\xff\xfe."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var b strings.Builder
		for start := 0; start < len(text); {
			end := nextClause(text, start)
			if end <= start || end > len(text) || end-start > maxClauseBytes {
				t.Fatalf("clause [%d, %d) of %d bytes", start, end, len(text))
			}
			if utf8.ValidString(text) && end < len(text) && !utf8.RuneStart(text[end]) {
				t.Fatalf("clause ends inside a character at %d", end)
			}
			b.WriteString(text[start:end])
			start = end
		}
		if b.String() != text {
			t.Fatal("clauses do not add up to the text")
		}
	})
}

// FuzzClean checks that cleaning any text keeps one valid character per
// input character, mapped to its offset, and that token ends stay on
// character boundaries.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "Grüße 您好 👍 **x**", "a\x00\xffb", "您好，请问"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var c cleaner
		c.clean(text, 0, len(text))
		checkCleanMap(t, text, 0, len(text), &c)
		for i := range c.runes() {
			b := c.offset(i)
			if e := tokenEnd(text, b); e <= b || e > len(text) || e < len(text) && utf8.ValidString(text) && !utf8.RuneStart(text[e]) {
				t.Fatalf("tokenEnd(%d) = %d", b, e)
			}
		}
	})
}

// FuzzSynthesize checks that espeak-ng speaks any text, in English and in
// Mandarin, without failing and with the chunk contract kept.
func FuzzSynthesize(f *testing.F) {
	for _, s := range []string{"Hello.", "$45.99 at 5pm; call 555-1234!", "您好，订单 A123 共 25 元。", "((( ))) ... !!!", "<b>[[h@l'oU]]</b>", "Café 👍"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	s, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	f.Fuzz(func(t *testing.T, text string, chinese bool) {
		if len(text) > 300 {
			text = text[:300]
		}
		req := pipeline.SpeechRequest{Text: text, Rate: audio.Rate8k}
		if chinese {
			req.Language = "zh"
		}
		var r recorder
		if err := s.Synthesize(context.Background(), req, &r); err != nil {
			t.Fatalf("Synthesize(%q): %v", text, err)
		}
		prev := 0
		for i, c := range r.got() {
			if c.TextStart != prev || c.TextEnd < c.TextStart || c.TextEnd > len(text) || c.Audio.Rate != audio.Rate8k {
				t.Fatalf("chunk %d: [%d, %d) at %d Hz after %d", i, c.TextStart, c.TextEnd, c.Audio.Rate, prev)
			}
			prev = c.TextEnd
		}
	})
}
