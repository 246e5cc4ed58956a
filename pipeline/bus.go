package pipeline

import (
	"sync"
	"sync/atomic"
	"time"
)

// Subscription receives a session's events through a bounded buffer.
//
// Publishing never waits for a subscriber: when the buffer is full the event
// is dropped for this subscriber and Dropped counts it, so a slow subscriber
// (a stalled WebSocket, a busy QA rule) never slows the call. The Events
// channel is closed after Close, or after the session's CallEndedEvent.
type Subscription struct {
	ch      chan Event
	dropped atomic.Uint64
	bus     *bus
	closed  bool // guarded by bus.mu
}

// Events returns the channel the subscription's events arrive on.
func (s *Subscription) Events() <-chan Event { return s.ch }

// Dropped returns how many events this subscriber lost because its buffer
// was full.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close unsubscribes and closes the Events channel. It is idempotent and
// safe to call from any goroutine, including while events are published.
func (s *Subscription) Close() {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	close(s.ch)
	for i, x := range b.subs {
		if x == s {
			b.subs = append(b.subs[:i], b.subs[i+1:]...)
			break
		}
	}
}

// bus fans a session's events out to its subscribers.
type bus struct {
	mu      sync.Mutex
	callID  string
	start   time.Time
	since   func() time.Duration
	seq     uint64
	subs    []*Subscription
	closed  bool
	sent    atomic.Uint64
	dropped atomic.Uint64
}

func newBus(callID string, start time.Time, since func() time.Duration) *bus {
	return &bus{callID: callID, start: start, since: since}
}

func (b *bus) subscribe(buffer int) *Subscription {
	s := &Subscription{ch: make(chan Event, buffer), bus: b}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.closed = true
		close(s.ch)
		return s
	}
	b.subs = append(b.subs, s)
	return s
}

// publish stamps e and offers it to every subscriber without blocking.
func (b *bus) publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	at := b.since()
	b.seq++
	b.sent.Store(b.seq)
	e = e.withHeader(EventHeader{CallID: b.callID, Seq: b.seq, At: at, Time: b.start.Add(at)})
	for _, s := range b.subs {
		select {
		case s.ch <- e:
		default:
			s.dropped.Add(1)
			b.dropped.Add(1)
		}
	}
}

// close publishes last (if not nil) and closes every subscription.
func (b *bus) close(last Event) {
	if last != nil {
		b.publish(last)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for _, s := range b.subs {
		s.closed = true
		close(s.ch)
	}
	b.subs = nil
}
