package pipeline

// ring is a fixed-capacity FIFO of values, allocated once.
type ring[T any] struct {
	items []T
	head  int
	n     int
}

func newRing[T any](capacity int) ring[T] { return ring[T]{items: make([]T, capacity)} }

func (r *ring[T]) full() bool { return r.n == len(r.items) }

// push appends v; the ring must not be full.
func (r *ring[T]) push(v T) {
	r.items[(r.head+r.n)%len(r.items)] = v
	r.n++
}

// first returns the oldest item; the ring must not be empty.
func (r *ring[T]) first() *T { return &r.items[r.head] }

// pop removes the oldest item; the ring must not be empty.
func (r *ring[T]) pop() {
	var zero T
	r.items[r.head] = zero
	r.head = (r.head + 1) % len(r.items)
	r.n--
}
