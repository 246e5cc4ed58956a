package openai

import (
	"testing"
)

func TestEstimator(t *testing.T) {
	// At 10 units per second and 10 Hz, a unit is one sample.
	cases := []struct {
		desc   string
		text   string
		played []int64 // cumulative samples after each non-final chunk
		want   []int   // TextEnd of each chunk, the final one last
	}{
		{desc: "words claimed as their estimated end is reached", text: "one two three",
			played: []int64{2, 3, 7, 8}, want: []int{0, 3, 7, 7, 13}},
		{desc: "the last word waits for the final chunk", text: "one two",
			played: []int64{100}, want: []int{3, 7}},
		{desc: "a pause after a comma delays the next word", text: "yes, sure now",
			played: []int64{7, 8, 13}, want: []int{4, 4, 9, 13}},
		{desc: "trailing space closes with the final chunk", text: "hi there  ",
			played: []int64{3, 50}, want: []int{2, 2, 10}},
		{desc: "Han characters are words of their own", text: "好的谢谢",
			played: []int64{3, 6, 9}, want: []int{3, 6, 9, 12}},
		{desc: "a single word", text: "Hello.",
			played: []int64{1, 1000}, want: []int{0, 0, 6}},
		{desc: "time standing still claims nothing more", text: "a b c d",
			played: []int64{3, 3, 3}, want: []int{3, 3, 3, 7}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			e := newEstimator(tc.text, 10, 10)
			var got []int
			prev := 0
			for _, p := range tc.played {
				start, end := e.advance(p)
				if start != prev {
					t.Fatalf("chunk starts at %d, want %d", start, prev)
				}
				got, prev = append(got, end), end
			}
			start, end := e.final()
			if start != prev || end != len(tc.text) {
				t.Fatalf("final [%d, %d), want [%d, %d)", start, end, prev, len(tc.text))
			}
			got = append(got, end)
			if len(got) != len(tc.want) {
				t.Fatalf("ends %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("ends %v, want %v", got, tc.want)
				}
			}
			e.reset()
			if s, _ := e.advance(0); s != 0 {
				t.Errorf("after reset a chunk starts at %d", s)
			}
		})
	}
}
