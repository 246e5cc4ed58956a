package vecindex

import (
	"fmt"

	"github.com/parley-voice/parley/knowledge/internal/topk"
)

// Search appends to dst[:0] the k rows most similar to q, most similar
// first, restricted to language lang when it is not empty, and returns it.
// q need not be unit length. Ties keep the earlier row first.
func (x *Index[T]) Search(q []float32, k int, lang string, dst []Result[T]) ([]Result[T], error) {
	dst = dst[:0]
	if len(q) != x.dims {
		return dst, fmt.Errorf("%w: query has %d values, want %d", ErrDimensions, len(q), x.dims)
	}
	norm, err := Norm(q)
	if err != nil {
		return dst, err
	}
	n := len(x.payload)
	if k <= 0 || n == 0 {
		return dst, nil
	}
	want, filter := uint16(0), lang != ""
	if filter {
		found := false
		for i, l := range x.langs {
			if l == lang {
				want, found = uint16(i), true
			}
		}
		if !found {
			return dst, nil
		}
	}
	sc := x.getScratch(n)
	scores := sc.scores[:n]
	clear(scores)
	for d, qd := range q {
		if qd != 0 {
			axpy(scores, x.cols[d], qd/norm)
		}
	}
	h := topk.Heap{Rows: sc.rows[:0], Scores: scores}
	for row := range scores {
		if filter && x.lang[row] != want {
			continue
		}
		h.Offer(int32(row), k)
	}
	h.Sort()
	for _, row := range h.Rows {
		dst = append(dst, Result[T]{Payload: x.payload[row], Score: min(max(scores[row], -1), 1)})
	}
	sc.rows = h.Rows
	x.scratch.Put(sc)
	return dst, nil
}

// scratch is the reusable memory of one Search.
type scratch struct {
	scores []float32
	rows   []int32
}

// getScratch returns scratch memory with room for n scores.
func (x *Index[T]) getScratch(n int) *scratch {
	sc, _ := x.scratch.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	if cap(sc.scores) < n {
		sc.scores = make([]float32, n, n+n/4)
	}
	return sc
}

// axpy adds a*x to y, element by element; len(x) must be len(y).
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	i := 0
	for ; i+8 <= len(y); i += 8 {
		yy := y[i : i+8 : i+8]
		xx := x[i : i+8 : i+8]
		yy[0] += a * xx[0]
		yy[1] += a * xx[1]
		yy[2] += a * xx[2]
		yy[3] += a * xx[3]
		yy[4] += a * xx[4]
		yy[5] += a * xx[5]
		yy[6] += a * xx[6]
		yy[7] += a * xx[7]
	}
	for ; i < len(y); i++ {
		y[i] += a * x[i]
	}
}
