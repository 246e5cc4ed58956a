package sphinx

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
)

const testDict = `a AH
a(2) EY
air EH R
pods P AA D Z
smart S M AA R T
watch W AA CH
yes Y EH S
read R IY D
read(2) R EH D
s. EH S
k. K EY
`

func TestDictionary(t *testing.T) {
	d, err := parseDictionary(testDict)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc, word, pron string
		ok               bool
	}{
		{"a word", "watch", "W AA CH", true},
		{"the first of several pronunciations", "read", "R IY D", true},
		{"a variant is not a headword", "read(2)", "R EH D", true},
		{"a missing word", "smartwatch", "", false},
		{"case matters", "Yes", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			p, ok := d.pron(tc.word)
			if ok != tc.ok || p != tc.pron {
				t.Errorf("pron(%q) = %q, %v; want %q, %v", tc.word, p, ok, tc.pron, tc.ok)
			}
		})
	}
	suggestions := []struct{ word, want string }{
		{"Yes", "yes"},
		{"smartwatch", "smart watch"},
		{"airpods", "air pods"},
		{"blorfle", ""},
		{"yes", ""},
	}
	for _, s := range suggestions {
		if got := d.suggest(s.word); got != s.want {
			t.Errorf("suggest(%q) = %q, want %q", s.word, got, s.want)
		}
	}
	if _, err := parseDictionary("\n\n"); err == nil {
		t.Error("an empty dictionary parsed")
	}
}

func FuzzParseDictionary(f *testing.F) {
	f.Add(testDict, "read")
	f.Add("x\r\ny Y\n", "y")
	f.Fuzz(func(t *testing.T, data, word string) {
		d, err := parseDictionary(data)
		if err != nil {
			return
		}
		p, ok := d.pron(word)
		if ok && !strings.Contains(data, word+" ") && !strings.Contains(data, word+"\t") {
			t.Fatalf("found %q (%q) that is not in the data", word, p)
		}
		_ = d.suggest(word)
	})
}

func TestCleanHyp(t *testing.T) {
	tests := []struct{ desc, in, want string }{
		{"plain words", "where is my order", "where is my order"},
		{"fillers and markers", "<s> <sil> yes [NOISE] </s>", "yes"},
		{"pronunciation variants", "i read(2) it to(2) you", "i read it to you"},
		{"empty transitions and garbage", "(NULL) one ++GARBAGE++ two", "one two"},
		{"nothing", "", ""},
		{"only fillers", "<sil> [SPEECH]", ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := cleanHyp(tc.in); got != tc.want {
				t.Errorf("cleanHyp(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestWordsOf(t *testing.T) {
	segs := []segment{
		{word: "<s>", start: 0, end: 9, post: 1},
		{word: "where", start: 10, end: 34, post: 0.7},
		{word: "<sil>", start: 35, end: 40, post: 1},
		{word: "is(2)", start: 41, end: 59, post: 0.9},
	}
	ws := wordsOf(segs, 16000, -1) // the utterance began 1 s into the stream
	want := []pipeline.Word{
		{Text: "where", Start: 1100 * time.Millisecond, End: 1350 * time.Millisecond, Confidence: 0.7},
		{Text: "is", Start: 1410 * time.Millisecond, End: 1600 * time.Millisecond, Confidence: 0.9},
	}
	if !slices.Equal(ws, want) {
		t.Errorf("wordsOf = %+v, want %+v", ws, want)
	}
	if c := meanConfidence(ws); c < 0.79 || c > 0.81 {
		t.Errorf("mean confidence %v, want 0.8", c)
	}
	if ws := wordsOf(segs, 0, 0.5); ws[0].Confidence != 0.5 || ws[1].Confidence != 0.5 {
		t.Errorf("a fixed confidence is not applied: %+v", ws)
	}
	if meanConfidence(nil) != 0 {
		t.Error("no words should have confidence 0")
	}
}

func TestGrammarConfidence(t *testing.T) {
	th := DefaultGrammarRejection
	if c := grammarConfidence(th, th); c < 0.49 || c > 0.51 {
		t.Errorf("at the threshold: %v, want 0.5", c)
	}
	prev := 1.0
	for _, m := range []float64{-20, -5, 0, th / 2, th, th + 3, th + 30} {
		c := grammarConfidence(m, th)
		if c < 0 || c > 1 || c > prev {
			t.Errorf("margin %v: confidence %v not in [0, 1] or not falling", m, c)
		}
		prev = c
	}
	if c := grammarConfidence(0, th); c < 0.9 {
		t.Errorf("a grammar as good as the open vocabulary: confidence %v, want above 0.9", c)
	}
}

func TestUnknownWordError(t *testing.T) {
	err := error(&UnknownWordError{Words: []string{"Yes", "blorfle"}, Suggestions: map[string]string{"Yes": "yes"}})
	if !errors.Is(err, ErrUnknownWord) || !errors.Is(err, ErrGrammar) {
		t.Errorf("%v does not wrap ErrUnknownWord and ErrGrammar", err)
	}
	for _, s := range []string{"Yes", "blorfle", `"yes" for "Yes"`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%q lacks %q", err.Error(), s)
		}
	}
}
