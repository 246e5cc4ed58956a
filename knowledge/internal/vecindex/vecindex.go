// Package vecindex is an exact (brute-force) cosine nearest-neighbour index
// held in memory, laid out for fast scans: one contiguous []float32 column
// per dimension, so that a query walks memory in order and skips every
// dimension where it is zero (hashed embeddings of a short question are
// mostly zeros). Searching 10,000 vectors of 512 dimensions takes about a
// millisecond on one core.
//
// An Index is not safe for concurrent use: its owner (a Store) guards it,
// with a read lock for Search and Vector and a write lock for Add and
// Remove. Search allocates nothing beyond the result when the caller
// passes a reused dst.
package vecindex

import (
	"errors"
	"fmt"
	"math"
	"sync"
)

// ErrDimensions is returned when a vector's length differs from the
// index's.
var ErrDimensions = errors.New("vecindex: vector length differs from the index's dimensions")

// ErrVector is returned for a vector that cannot be compared by cosine: all
// zeros, or holding NaN or infinite values.
var ErrVector = errors.New("vecindex: vector is zero or not finite")

// Result is one row found by Search.
type Result[T any] struct {
	// Payload is what Add stored with the row.
	Payload T
	// Score is the cosine similarity to the query, in [-1, 1].
	Score float32
}

// Index holds vectors with a payload and a small language tag each.
type Index[T any] struct {
	dims    int
	cols    [][]float32 // cols[d][row]
	payload []T
	lang    []uint16 // index into langs
	langs   []string
	ids     []string
	rows    map[string]int
	scratch sync.Pool // *scratch
}

// New returns an empty index of vectors of dims values.
func New[T any](dims int) *Index[T] {
	return &Index[T]{dims: dims, cols: make([][]float32, dims), rows: make(map[string]int)}
}

// Dimensions is the vectors' length.
func (x *Index[T]) Dimensions() int { return x.dims }

// Len is the number of rows.
func (x *Index[T]) Len() int { return len(x.payload) }

// Add stores v (normalised to unit length) with payload under id, in
// language lang, replacing a row with the same id.
func (x *Index[T]) Add(id, lang string, v []float32, payload T) error {
	if len(v) != x.dims {
		return fmt.Errorf("%w: got %d values, want %d", ErrDimensions, len(v), x.dims)
	}
	norm, err := Norm(v)
	if err != nil {
		return err
	}
	if row, ok := x.rows[id]; ok {
		for d, c := range x.cols {
			c[row] = v[d] / norm
		}
		x.payload[row] = payload
		x.lang[row] = x.langID(lang)
		return nil
	}
	for d := range x.cols {
		x.cols[d] = append(x.cols[d], v[d]/norm)
	}
	x.rows[id] = len(x.payload)
	x.payload = append(x.payload, payload)
	x.lang = append(x.lang, x.langID(lang))
	x.ids = append(x.ids, id)
	return nil
}

// Norm returns the Euclidean length of v, or ErrVector when v is zero or
// holds a value that is not finite.
func Norm(v []float32) (float32, error) {
	var s float64
	for _, f := range v {
		s += float64(f) * float64(f)
	}
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return 0, ErrVector
	}
	return float32(math.Sqrt(s)), nil
}

// langID returns the index of lang in x.langs, adding it if new.
func (x *Index[T]) langID(lang string) uint16 {
	for i, l := range x.langs {
		if l == lang {
			return uint16(i)
		}
	}
	x.langs = append(x.langs, lang)
	return uint16(len(x.langs) - 1)
}

// Remove deletes the row stored under id, if any, by moving the last row
// into its place.
func (x *Index[T]) Remove(id string) {
	row, ok := x.rows[id]
	if !ok {
		return
	}
	last := len(x.payload) - 1
	for d, c := range x.cols {
		c[row] = c[last]
		x.cols[d] = c[:last]
	}
	x.payload[row] = x.payload[last]
	x.lang[row] = x.lang[last]
	x.ids[row] = x.ids[last]
	x.rows[x.ids[row]] = row
	var zero T
	x.payload[last] = zero
	x.payload = x.payload[:last]
	x.lang = x.lang[:last]
	x.ids = x.ids[:last]
	delete(x.rows, id)
}

// Get returns the payload stored under id.
func (x *Index[T]) Get(id string) (T, bool) {
	row, ok := x.rows[id]
	if !ok {
		var zero T
		return zero, false
	}
	return x.payload[row], true
}

// Vector appends the unit vector stored under id to dst.
func (x *Index[T]) Vector(id string, dst []float32) ([]float32, bool) {
	row, ok := x.rows[id]
	if !ok {
		return dst, false
	}
	for _, c := range x.cols {
		dst = append(dst, c[row])
	}
	return dst, true
}

// Each calls fn for every row's id and payload, in storage order, until fn
// returns false. The index must not change during the walk.
func (x *Index[T]) Each(fn func(id string, payload T) bool) {
	for i, id := range x.ids {
		if !fn(id, x.payload[i]) {
			return
		}
	}
}
