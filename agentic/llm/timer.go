package llm

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline"
)

// timer runs fire once after d of clock time unless stopped first. The
// clock has tickers only; a timer is a ticker that is stopped after its
// first tick.
type timer struct {
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// afterFunc starts a timer that calls fire on its own goroutine.
func afterFunc(c pipeline.Clock, d time.Duration, fire func()) *timer {
	t := &timer{stop: make(chan struct{}), done: make(chan struct{})}
	tk := c.NewTicker(d)
	go func() {
		defer close(t.done)
		defer tk.Stop()
		select {
		case <-tk.C():
			fire()
		case <-t.stop:
		}
	}()
	return t
}

// Stop stops the timer and waits for its goroutine, so that fire has
// either run to its end or will never run. It is idempotent.
func (t *timer) Stop() {
	t.once.Do(func() { close(t.stop) })
	<-t.done
}

// watchdog calls fire when no activity was reported for timeout of clock
// time. It checks every eighth of timeout, so it fires between timeout and
// 9/8 of it after the last activity.
type watchdog struct {
	clock    pipeline.Clock
	timeout  time.Duration
	deadline atomic.Int64 // unix nanoseconds of clock time
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

// startWatchdog starts a watchdog whose first deadline is timeout from now.
func startWatchdog(c pipeline.Clock, timeout time.Duration, fire func()) *watchdog {
	w := &watchdog{clock: c, timeout: timeout, stop: make(chan struct{}), done: make(chan struct{})}
	w.Touch()
	tk := c.NewTicker(max(timeout/8, time.Millisecond))
	go func() {
		defer close(w.done)
		defer tk.Stop()
		for {
			select {
			case <-w.stop:
				return
			case now := <-tk.C():
				if now.UnixNano() >= w.deadline.Load() {
					fire()
					return
				}
			}
		}
	}()
	return w
}

// Touch reports activity: the deadline moves to timeout from now. It does
// not allocate.
func (w *watchdog) Touch() {
	w.deadline.Store(w.clock.Now().Add(w.timeout).UnixNano())
}

// Stop stops the watchdog and waits for its goroutine. It is idempotent.
func (w *watchdog) Stop() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
}

// sleep waits d of clock time; it returns ctx.Err() at once when ctx is
// done first.
func sleep(ctx context.Context, c pipeline.Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tk := c.NewTicker(d)
	defer tk.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tk.C():
		return nil
	}
}
