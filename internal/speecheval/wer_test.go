package speecheval

import (
	"slices"
	"testing"
)

func TestWords(t *testing.T) {
	tests := []struct {
		desc string
		in   string
		want []string
	}{
		{"plain words", "where is my order", []string{"where", "is", "my", "order"}},
		{"case and punctuation", "Where is my ORDER?", []string{"where", "is", "my", "order"}},
		{"contractions keep their apostrophe", "it hasn't come, I'd say", []string{"it", "hasn't", "come", "i'd", "say"}},
		{"typographic apostrophe", "it hasn\u2019t", []string{"it", "hasn't"}},
		{"quotes around a word", "'yes' he said", []string{"yes", "he", "said"}},
		{"digits and hyphens", "order 42-50", []string{"order", "42", "50"}},
		{"collapsed whitespace", "  a \t b\n", []string{"a", "b"}},
		{"nothing", " ... ", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := Words(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("Words(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		desc     string
		ref, hyp string
		want     Score
	}{
		{"identical", "where is my order", "where is my order", Score{0, 4}},
		{"case and punctuation are free", "where is my order", "Where is my order?", Score{0, 4}},
		{"one substitution", "where is my order", "where is my border", Score{1, 4}},
		{"one deletion", "where is my order", "where my order", Score{1, 4}},
		{"one insertion", "where is my order", "where is it my order", Score{1, 4}},
		{"nothing recognized", "where is my order", "", Score{4, 4}},
		{"insertions beyond the reference", "yes", "yes yes yes", Score{2, 1}},
		{"no reference", "", "hello", Score{1, 0}},
		{"split word", "smartwatch", "smart watch", Score{2, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := Compare(tc.ref, tc.hyp); got != tc.want {
				t.Errorf("Compare(%q, %q) = %+v, want %+v", tc.ref, tc.hyp, got, tc.want)
			}
		})
	}
}

func TestScoreWER(t *testing.T) {
	tests := []struct {
		desc string
		s    Score
		want float64
	}{
		{"no words", Score{}, 0},
		{"a quarter", Score{1, 4}, 0.25},
		{"more errors than words", Score{3, 2}, 1.5},
		{"sum", Score{1, 4}.Add(Score{1, 6}), 0.2},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := tc.s.WER(); got != tc.want {
				t.Errorf("WER of %+v = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}
