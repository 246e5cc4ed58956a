package sphinx

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/stt"
)

func TestNormalizeWords(t *testing.T) {
	tests := []struct {
		desc, in string
		want     []string
	}{
		{"case and punctuation", "Gift Card!", []string{"gift", "card"}},
		{"inner apostrophes and hyphens stay", "don't e-mail", []string{"don't", "e-mail"}},
		{"quotes and spaces", `  "AirPods"  `, []string{"airpods"}},
		{"only punctuation", "?!", nil},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := normalizeWords(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("normalizeWords(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzNormalizeWords(f *testing.F) {
	f.Add("Gift Card!")
	f.Add("don't e-mail")
	f.Add("\xff\xfe ünïcödé")
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range normalizeWords(s) {
			if w == "" || strings.ContainsAny(w, " \t\n") || w != strings.ToLower(w) {
				t.Fatalf("word %q of %q is empty, spaced or not lower case", w, s)
			}
		}
		ps := compilePhrases([]string{s})
		_ = matchPhrases(strings.Fields(strings.ToLower(s)), ps)
	})
}

func TestMatchPhrases(t *testing.T) {
	phrases := compilePhrases([]string{"smartwatch", "air pods", "gift card", "return"})
	tests := []struct {
		desc    string
		words   string
		covered int
		merges  int
	}{
		{"a compound written apart", "the smart watch please", 2, 1},
		{"a phrase written together", "the airpods", 1, 0},
		{"a phrase word for word", "my gift card", 2, 0},
		{"two phrases", "return the smart watch", 3, 1},
		{"a prefix is not a match", "smart phone", 0, 0},
		{"nothing", "", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			m := matchPhrases(strings.Fields(tc.words), phrases)
			if m.covered != tc.covered || len(m.merges) != tc.merges {
				t.Errorf("covered %d, merges %v; want %d and %d", m.covered, m.merges, tc.covered, tc.merges)
			}
		})
	}
}

func TestRescore(t *testing.T) {
	hyps := []hypothesis{
		{text: "the smart last please", score: -1000},
		{text: "the smart watch please", score: -1200},
		{text: "the smart wash please", score: -1100},
		{text: "the smart watch pleased", score: -1150},
	}
	phrases := compilePhrases([]string{"smartwatch"})
	tests := []struct {
		desc  string
		ref   int
		best  string
		bonus float64
		want  int
	}{
		{"a bonus large enough promotes the best hypothesis with the hint", 0, "the smart last please", 300, 3},
		{"a small bonus keeps the best path", 0, "the smart last please", 50, -1},
		{"no bonus keeps the best path", 0, "the smart last please", 0, -1},
		{"a best path that holds the hint stays", 1, "the smart watch please", 300, -1},
		{"a best path missing from the list yields to the hint", -1, "the smart wash please", 300, 3},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := rescore(hyps, tc.ref, tc.best, phrases, tc.bonus); got != tc.want {
				t.Errorf("rescore = %d, want %d", got, tc.want)
			}
		})
	}
	if got := rescore(hyps, 0, "x", nil, 300); got != -1 {
		t.Errorf("no phrases: %d, want -1", got)
	}
}

func TestApplyMerges(t *testing.T) {
	ws := []pipeline.Word{{Text: "the", End: 1}, {Text: "smart", Start: 1, End: 2, Confidence: 0.4},
		{Text: "watch", Start: 2, End: 3, Confidence: 0.8}, {Text: "please", Start: 3, End: 4}}
	got := applyMerges(ws, compilePhrases([]string{"smartwatch"}))
	if textOf(got) != "the smartwatch please" || got[1].Start != 1 || got[1].End != 3 ||
		got[1].Confidence < 0.59 || got[1].Confidence > 0.61 {
		t.Errorf("merged %+v", got)
	}
	if same := applyMerges(ws, nil); textOf(same) != "the smart watch please" {
		t.Errorf("no phrases changed the words: %+v", same)
	}
}

// checker returns a recognizer with no decoder, for grammar checks.
func checker(t testing.TB) *Recognizer {
	t.Helper()
	return newRecognizer(t, WithPreloadDecoders(0), WithMaxDecoders(1))
}

func TestCompileGrammar(t *testing.T) {
	r := checker(t)
	tests := []struct {
		desc    string
		grammar string
		want    error
	}{
		{"yes or no", yesNoGrammar, nil},
		{"digits", digitsGrammar, nil},
		{"rules referencing rules", "#JSGF V1.0; grammar menu; public <menu> = [i want] <item>; <item> = returns | orders | billing;", nil},
		{"no header", "public <a> = yes | no;", ErrGrammar},
		{"missing semicolon", "#JSGF V1.0; grammar g; public <a> = yes | no", ErrGrammar},
		{"no public rule", "#JSGF V1.0; grammar g; <a> = yes | no;", ErrGrammar},
		{"an undefined rule", "#JSGF V1.0; grammar g; public <a> = <b>;", ErrGrammar},
		{"an unknown word", "#JSGF V1.0; grammar g; public <a> = yes | blorfle;", ErrUnknownWord},
		{"a capitalized word", "#JSGF V1.0; grammar g; public <a> = Yes | no;", ErrUnknownWord},
		{"an import", "#JSGF V1.0; grammar g; import <com.acme.*>; public <a> = yes;", ErrGrammar},
		{"an import in a comment is fine", "#JSGF V1.0; grammar g; /* import <x.*>; */ // import <y.*>\npublic <a> = yes;", nil},
		{"a NUL byte", "#JSGF V1.0; grammar g; public <a> = yes\x00;", ErrGrammar},
		{"too long", "#JSGF V1.0; grammar g; public <a> = " + strings.Repeat("yes | ", 20000) + "no;", ErrGrammar},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			g, err := r.compileGrammar(tc.grammar)
			if tc.want == nil {
				if err != nil || g == nil || g.hash == 0 {
					t.Fatalf("compileGrammar: %v, %+v", err, g)
				}
				again, _ := r.compileGrammar(tc.grammar)
				if again != g {
					t.Errorf("the same grammar was compiled twice")
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	for _, g := range []string{stt.YesNoGrammar(), stt.DigitsGrammar(3, 8), stt.ChoicesGrammar("returns", "order status"),
		stt.ChoicesGrammar()} {
		if _, err := r.compileGrammar(g); err != nil {
			t.Errorf("package stt's grammar %q: %v", g, err)
		}
	}
	var uw *UnknownWordError
	if _, err := r.compileGrammar("#JSGF V1.0; grammar g; public <a> = Yes | smartwatch;"); !errors.As(err, &uw) ||
		uw.Suggestions["Yes"] != "yes" || uw.Suggestions["smartwatch"] != "smart watch" {
		t.Errorf("suggestions: %v", err)
	}
}

func TestCompileGrammarConcurrently(t *testing.T) {
	r := checker(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				g := "#JSGF V1.0; grammar g; public <a> = yes | no | " + digitWord(i+j) + ";"
				if _, err := r.compileGrammar(g); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func digitWord(i int) string {
	return [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}[i%10]
}

func TestCompileHints(t *testing.T) {
	r := checker(t)
	h, err := r.compileHints(pipeline.Hints{})
	if h != nil || err != nil {
		t.Errorf("empty hints: %+v, %v", h, err)
	}
	h, err = r.compileHints(pipeline.Hints{Phrases: []string{"Gift card", " ", "smartwatch"}, Grammar: "nonsense"})
	if !errors.Is(err, ErrGrammar) || h == nil || h.grammar != nil || len(h.phrases) != 2 {
		t.Errorf("bad grammar with phrases: %+v, %v; want the phrases and ErrGrammar", h, err)
	}
	many := make([]string, 1000)
	for i := range many {
		many[i] = "word"
	}
	if h, _ := r.compileHints(pipeline.Hints{Phrases: many}); len(h.phrases) != maxPhrases {
		t.Errorf("%d phrases kept, want %d", len(h.phrases), maxPhrases)
	}
}

// FuzzGrammar feeds arbitrary text to the engine's JSGF parser through the
// checks SetHints runs: it must fail cleanly, never crash.
func FuzzGrammar(f *testing.F) {
	for _, s := range []string{yesNoGrammar, digitsGrammar, "#JSGF V1.0; grammar g; public <a> = (yes | no) [please] {tag} /0.5/ maybe;",
		"#JSGF V1.0 UTF-8 en; grammar a.b; import <x.*>; public <a> = <b>+ <c>*; <b> = one; <c> = two;", "", "#JSGF"} {
		f.Add(s)
	}
	r := checker(f)
	f.Fuzz(func(t *testing.T, s string) {
		g, err := r.compileGrammar(s)
		if (g == nil) == (err == nil) {
			t.Fatalf("compileGrammar(%q) = %v, %v", s, g, err)
		}
		if err != nil && !errors.Is(err, ErrGrammar) {
			t.Fatalf("error %v does not wrap ErrGrammar", err)
		}
	})
}
