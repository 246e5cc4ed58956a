package pipeline

import "sync"

// queue is a bounded FIFO between goroutines in the style of nats-server's
// ipqueue: producers push without blocking, the consumer (the session's
// loop) is woken with the queue's reason and drains items in batches. What
// happens when the queue is full is the producer's choice (pushEvict or
// tryPush).
type queue[T any] struct {
	mu     sync.Mutex
	items  []T // ring buffer
	head   int
	n      int
	wake   *loopWake
	reason wakeReason
}

func newQueue[T any](capacity int, w *loopWake, r wakeReason) *queue[T] {
	return &queue[T]{items: make([]T, capacity), wake: w, reason: r}
}

// signal wakes the consumer; it never blocks.
func (q *queue[T]) signal() { q.wake.raise(q.reason) }

// tryPush appends v, or reports false when the queue is full.
func (q *queue[T]) tryPush(v T) bool {
	q.mu.Lock()
	if q.n == len(q.items) {
		q.mu.Unlock()
		return false
	}
	q.items[(q.head+q.n)%len(q.items)] = v
	q.n++
	q.mu.Unlock()
	q.signal()
	return true
}

// pushEvict appends v; when the queue is full it first removes the oldest
// item for which evictable reports true, or else the oldest item, and
// reports that one item was lost.
func (q *queue[T]) pushEvict(v T, evictable func(T) bool) (evicted bool) {
	q.mu.Lock()
	if q.n == len(q.items) {
		q.removeAt(q.victim(evictable))
		evicted = true
	}
	q.items[(q.head+q.n)%len(q.items)] = v
	q.n++
	q.mu.Unlock()
	q.signal()
	return evicted
}

// victim returns the logical index of the item to evict.
func (q *queue[T]) victim(evictable func(T) bool) int {
	if evictable != nil {
		for i := 0; i < q.n; i++ {
			if evictable(q.items[(q.head+i)%len(q.items)]) {
				return i
			}
		}
	}
	return 0
}

// removeAt removes the item at logical index i, shifting later items down.
func (q *queue[T]) removeAt(i int) {
	var zero T
	size := len(q.items)
	for j := i; j < q.n-1; j++ {
		q.items[(q.head+j)%size] = q.items[(q.head+j+1)%size]
	}
	q.items[(q.head+q.n-1)%size] = zero
	q.n--
}

// popAll moves every queued item to dst (appended) and returns it.
func (q *queue[T]) popAll(dst []T) []T {
	var zero T
	q.mu.Lock()
	for ; q.n > 0; q.n-- {
		dst = append(dst, q.items[q.head])
		q.items[q.head] = zero
		q.head = (q.head + 1) % len(q.items)
	}
	q.mu.Unlock()
	return dst
}

// len returns the number of queued items.
func (q *queue[T]) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}
