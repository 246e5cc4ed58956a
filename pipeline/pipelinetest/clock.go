package pipelinetest

import (
	"sync"
	"time"

	"github.com/parley-voice/parley/pipeline"
)

// Clock is a fake pipeline.Clock whose time moves only when Advance is
// called. Its tickers fire from Advance. It is safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*ticker
}

// NewClock returns a Clock at start (a fixed date if start is zero).
func NewClock(start time.Time) *Clock {
	if start.IsZero() {
		start = time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	}
	return &Clock{now: start}
}

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the time forward by d and fires every ticker that came due,
// once each at most, like time.Ticker does for a slow receiver.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now := c.now
	due := make([]*ticker, 0, len(c.tickers))
	for _, t := range c.tickers {
		if !t.next.After(now) {
			for !t.next.After(now) {
				t.next = t.next.Add(t.every)
			}
			due = append(due, t)
		}
	}
	c.mu.Unlock()
	for _, t := range due {
		select {
		case t.ch <- now:
		default:
		}
	}
}

// Tickers returns how many tickers are running, so a test can wait until a
// session's loop has started its ticker.
func (c *Clock) Tickers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.tickers)
}

// NewTicker returns a ticker firing every d of fake time.
func (c *Clock) NewTicker(d time.Duration) pipeline.Ticker {
	if d <= 0 {
		panic("pipelinetest: non-positive ticker interval")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &ticker{clock: c, every: d, next: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.tickers = append(c.tickers, t)
	return t
}

type ticker struct {
	clock *Clock
	every time.Duration
	next  time.Time
	ch    chan time.Time
}

func (t *ticker) C() <-chan time.Time { return t.ch }

func (t *ticker) Stop() {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.tickers {
		if x == t {
			c.tickers = append(c.tickers[:i], c.tickers[i+1:]...)
			return
		}
	}
}
