// Package topk selects the k best-scoring rows of a score array without
// sorting it all: a bounded min-heap, allocation-free when its row slice
// is reused.
package topk

// Heap keeps the k best rows offered, by Scores[row]; ties rank the
// lower row first. The zero value with Scores set is ready to use; reuse
// Rows (Rows[:0]) across searches to avoid allocating.
type Heap struct {
	// Rows holds the kept rows: a min-heap while offering, best first
	// after Sort.
	Rows []int32
	// Scores is indexed by row.
	Scores []float32
}

// worse reports whether row a ranks below row b.
func (h *Heap) worse(a, b int32) bool {
	sa, sb := h.Scores[a], h.Scores[b]
	if sa != sb {
		return sa < sb
	}
	return a > b
}

// Offer considers row for the k best.
func (h *Heap) Offer(row int32, k int) {
	if len(h.Rows) < k {
		h.Rows = append(h.Rows, row)
		h.up(len(h.Rows) - 1)
		return
	}
	if k == 0 || !h.worse(h.Rows[0], row) {
		return
	}
	h.Rows[0] = row
	h.down(0, len(h.Rows))
}

func (h *Heap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.worse(h.Rows[i], h.Rows[p]) {
			return
		}
		h.Rows[i], h.Rows[p] = h.Rows[p], h.Rows[i]
		i = p
	}
}

func (h *Heap) down(i, n int) {
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.worse(h.Rows[r], h.Rows[l]) {
			m = r
		}
		if !h.worse(h.Rows[m], h.Rows[i]) {
			return
		}
		h.Rows[i], h.Rows[m] = h.Rows[m], h.Rows[i]
		i = m
	}
}

// Sort orders Rows best first; the heap is spent afterwards.
func (h *Heap) Sort() {
	for n := len(h.Rows) - 1; n > 0; n-- {
		h.Rows[0], h.Rows[n] = h.Rows[n], h.Rows[0]
		h.down(0, n)
	}
}
