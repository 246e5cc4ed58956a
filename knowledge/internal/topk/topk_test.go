package topk

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tests := []struct {
		desc string
		n, k int
		ties bool
	}{
		{"k below n", 100, 10, false},
		{"k above n", 5, 10, false},
		{"k zero", 10, 0, false},
		{"ties keep the lower row first", 50, 20, true},
	}
	for _, tc := range tests {
		scores := make([]float32, tc.n)
		for i := range scores {
			scores[i] = float32(r.IntN(1000))
			if tc.ties {
				scores[i] = float32(r.IntN(4))
			}
		}
		h := Heap{Scores: scores}
		for i := range scores {
			h.Offer(int32(i), tc.k)
		}
		h.Sort()
		want := make([]int32, tc.n)
		for i := range want {
			want[i] = int32(i)
		}
		slices.SortStableFunc(want, func(a, b int32) int {
			switch {
			case scores[a] > scores[b]:
				return -1
			case scores[a] < scores[b]:
				return 1
			}
			return 0
		})
		want = want[:min(tc.k, tc.n)]
		if !slices.Equal(h.Rows, want) {
			t.Errorf("%s: rows %v, want %v", tc.desc, h.Rows, want)
		}
	}
}
