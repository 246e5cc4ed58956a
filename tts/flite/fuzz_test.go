package flite

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// FuzzNextClause checks that clauses partition any text into pieces of at
// most maxClauseBytes, cut on character boundaries.
func FuzzNextClause(f *testing.F) {
	for _, s := range []string{"", "Hello there. How are you?", "Dr. Smith.\nNext", "好。谢谢！", strings.Repeat("a, b ", 100), "\xff\xfe."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var b strings.Builder
		for start := 0; start < len(text); {
			end := nextClause(text, start)
			if end <= start || end > len(text) || end-start > maxClauseBytes {
				t.Fatalf("clause [%d, %d) of %d bytes", start, end, len(text))
			}
			if utf8.ValidString(text) && !utf8.RuneStart(text[end-1]) && end < len(text) && !utf8.RuneStart(text[end]) {
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

// FuzzClean checks that cleaning any text gives printable ASCII mapped, in
// order, to the characters it came from.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "Café “quoted” — dash…", "你好 hi", "**bold**", "\x00\xff", strings.Repeat("x", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var c cleaner
		c.clean(text, 0, len(text))
		checkCleanMap(t, text, 0, len(text), &c)
		for a := 0; a < len(c.out); a += 7 {
			b := min(len(c.out), a+5)
			start, stop := c.span(a, b)
			if start < 0 || stop > len(text) || start > stop {
				t.Fatalf("span(%d, %d) = [%d, %d)", a, b, start, stop)
			}
		}
	})
}

// FuzzSynthesize checks that flite speaks any text without failing and
// that the chunks keep their contract. It uses kal16, the fastest voice.
func FuzzSynthesize(f *testing.F) {
	for _, s := range []string{"Hello.", "$45.99 at 5pm; call 555-1234!", "((( ))) ... !!!", "12345678901234567890", "a-b-c-d x.y.z", "Café 你好 👍", "\"'`({[", "-- - --- ?"} {
		f.Add(s)
	}
	s, err := New(WithVoice("kal16"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 200 {
			text = text[:200]
		}
		var r recorder
		err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: text, Rate: audio.Rate8k}, &r)
		if err != nil {
			if hasWord(text) {
				return // ErrUnspeakable for other scripts
			}
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
