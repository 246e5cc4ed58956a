package stt_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/parley-voice/parley/stt"
)

func TestGrammarMatch(t *testing.T) {
	menu := `#JSGF V1.0 UTF-8 en;
grammar menu;
/* the main menu */
public <menu> = [i want to | i'd like to] (<return> | check my order | talk to "a person") [please];
<return> = return (a | an | my) <item>;
<item> = jacket | shoes | order;
// unused private rule
<spare> = /10/ spare | /1/ other {tag};
`
	tests := []struct {
		desc    string
		grammar string
		text    string
		want    bool
	}{
		{"alternative with optional carrier", menu, "I want to return my jacket", true},
		{"punctuation and case ignored", menu, "Return an order, please.", true},
		{"quoted multi-word token", menu, "talk to a person", true},
		{"apostrophe word", menu, "I'd like to check my order", true},
		{"word outside the grammar", menu, "return my hat", false},
		{"prefix only", menu, "I want to", false},
		{"trailing extra word", menu, "check my order now", false},
		{"digits exact count", stt.DigitsGrammar(7, 7), "four eight two seven one six three", true},
		{"digits too few", stt.DigitsGrammar(7, 7), "four eight two", false},
		{"digits in range", stt.DigitsGrammar(3, 5), "one oh nine nine", true},
		{"digits too many", stt.DigitsGrammar(3, 5), "one two three four five six", false},
		{"yes variant", stt.YesNoGrammar(), "Yeah.", true},
		{"no variant", stt.YesNoGrammar(), "no thank you", true},
		{"yes no rejects sentence", stt.YesNoGrammar(), "I want to return my jacket", false},
		{"choices with carrier", stt.ChoicesGrammar("Returns", "Order status", ""), "I need order status", true},
		{"choices other", stt.ChoicesGrammar("Returns", "Order status"), "billing", false},
		{"star repeat zero", "#JSGF V1.0; grammar r; public <r> = hello <w>*;\n<w> = there | world;", "hello", true},
		{"star repeat many", "#JSGF V1.0; grammar r; public <r> = hello <w>*;\n<w> = there | world;", "hello there world there", true},
		{"plus needs one", "#JSGF V1.0; grammar r; public <r> = hello world+;", "hello", false},
		{"plus many", "#JSGF V1.0; grammar r; public <r> = hello world+;", "hello world world", true},
		{"right recursion", "#JSGF V1.0; grammar r; public <list> = item [and <list>];", "item and item and item", true},
		{"left recursion terminates", "#JSGF V1.0; grammar r; public <l> = <l> a | a;", "a", true},
		{"NULL and VOID", "#JSGF V1.0; grammar r; public <r> = <NULL> yes | <VOID> no;", "no", false},
	}
	for _, tc := range tests {
		g, err := stt.ParseGrammar(tc.grammar)
		if err != nil {
			t.Fatalf("%s: parse: %v", tc.desc, err)
		}
		if got := g.Match(tc.text); got != tc.want {
			t.Errorf("%s: Match(%q) = %v, want %v", tc.desc, tc.text, got, tc.want)
		}
	}
}

func TestGrammarErrors(t *testing.T) {
	tests := []struct {
		desc, src, want string
		line            int
	}{
		{"no header", "grammar x; public <a> = b;", "starts with '#JSGF", 1},
		{"no grammar name", "#JSGF V1.0;\npublic <a> = b;", "expected 'grammar NAME;'", 2},
		{"import", "#JSGF V1.0;\ngrammar x;\nimport <com.x.*>;", "imports are not supported", 3},
		{"missing semicolon", "#JSGF V1.0;\ngrammar x;\npublic <a> = b\npublic <c> = d;", "expected ';'", 4},
		{"undefined rule", "#JSGF V1.0; grammar x; public <a> = <b>;", "<b> is used but not defined", 1},
		{"no public rule", "#JSGF V1.0; grammar x; <a> = b;", "no public rule", 1},
		{"unbalanced group", "#JSGF V1.0; grammar x; public <a> = (b | c;", "expected ')'", 1},
		{"empty alternative", "#JSGF V1.0; grammar x; public <a> = b | ;", "expected a word", 1},
		{"unterminated comment", "#JSGF V1.0; grammar x; /* public <a> = b;", "unterminated comment", 1},
		{"duplicate rule", "#JSGF V1.0; grammar x; public <a> = b; <a> = c;", "defined twice", 1},
	}
	for _, tc := range tests {
		_, err := stt.ParseGrammar(tc.src)
		var ge *stt.GrammarError
		if !errors.As(err, &ge) || !errors.Is(err, stt.ErrGrammar) {
			t.Errorf("%s: err = %v, want a *GrammarError", tc.desc, err)
			continue
		}
		if !strings.Contains(ge.Msg, tc.want) || ge.Line != tc.line {
			t.Errorf("%s: err = %v (line %d), want %q on line %d", tc.desc, err, ge.Line, tc.want, tc.line)
		}
	}
}

func TestGrammarPhrasesAndVocabulary(t *testing.T) {
	g := stt.MustGrammar(stt.YesNoGrammar())
	ph := g.Phrases(100)
	for _, want := range []string{"yes", "no", "no thank you", "that is right"} {
		if !slices.Contains(ph, want) {
			t.Errorf("Phrases() = %v, missing %q", ph, want)
		}
	}
	for _, p := range ph {
		if !g.Match(p) {
			t.Errorf("phrase %q does not match its own grammar", p)
		}
	}
	if got := g.Phrases(3); len(got) != 3 {
		t.Errorf("Phrases(3) returned %d phrases", len(got))
	}
	d := stt.MustGrammar(stt.DigitsGrammar(4, 16))
	if got := d.Phrases(50); len(got) != 50 {
		t.Errorf("digits Phrases(50) returned %d phrases", len(got))
	}
	voc := d.Vocabulary()
	if len(voc) != 11 || !slices.IsSorted(voc) || !slices.Contains(voc, "oh") {
		t.Errorf("digits Vocabulary() = %v", voc)
	}
	if g.Name() != "yesno" || g.Top() != "answer" || g.String() != stt.YesNoGrammar() {
		t.Errorf("Name/Top/String = %q %q %q", g.Name(), g.Top(), g.String())
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		desc, in string
		want     []string
	}{
		{"punctuation", "Hello, world! It's me.", []string{"hello", "world", "it's", "me"}},
		{"quotes trimmed", "'quoted' words", []string{"quoted", "words"}},
		{"curly apostrophe", "I’d like", []string{"i'd", "like"}},
		{"han characters", "我要退货 please", []string{"我", "要", "退", "货", "please"}},
		{"empty", "  ...  ", nil},
	}
	for _, tc := range tests {
		if got := stt.Words(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Words(%q) = %q, want %q", tc.desc, tc.in, got, tc.want)
		}
	}
}

func FuzzParseGrammar(f *testing.F) {
	f.Add(stt.YesNoGrammar(), "yes")
	f.Add(stt.DigitsGrammar(1, 4), "one two")
	f.Add(stt.ChoicesGrammar("a b", "c"), "i want a b")
	f.Add("#JSGF V1.0; grammar r; public <l> = (<l> a)* | [b+ {x}] /2/ c;", "a a")
	f.Fuzz(func(t *testing.T, src, text string) {
		g, err := stt.ParseGrammar(src)
		if err != nil {
			if !errors.Is(err, stt.ErrGrammar) {
				t.Fatalf("error %v does not wrap ErrGrammar", err)
			}
			return
		}
		g.Match(text)
		for _, p := range g.Phrases(20) {
			if !g.Match(p) {
				t.Fatalf("phrase %q of %q does not match", p, src)
			}
		}
		g.Vocabulary()
	})
}
