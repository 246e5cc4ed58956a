package sphinx

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline"
)

// pool shares decoders between streams. It holds at most max decoders,
// loaded on demand (a decoder is about 90 MB and 0.5 s to load) and kept
// once loaded. A stream acquires one at the start of an utterance and
// releases it after the final result, so a decoder serves many calls, and
// a silent call holds none. It is safe for concurrent use.
type pool struct {
	load  func(id int) (*decoder, error)
	clock pipeline.Clock
	// tokens holds one token per decoder in use or being loaded: its
	// capacity is the bound.
	tokens chan struct{}
	quit   chan struct{} // closed by close

	mu     sync.Mutex
	idle   []*decoder
	loaded int
	nextID int
	closed bool

	acquired, waited, timeouts, loads, failures atomic.Uint64
}

func newPool(max int, clock pipeline.Clock, load func(id int) (*decoder, error)) *pool {
	return &pool{load: load, clock: clock, tokens: make(chan struct{}, max), quit: make(chan struct{})}
}

// preload loads n decoders (at most the bound) into the idle list.
func (p *pool) preload(n int) error {
	for range min(n, cap(p.tokens)) {
		p.mu.Lock()
		p.nextID++
		id := p.nextID
		p.mu.Unlock()
		d, err := p.load(id)
		if err != nil {
			p.failures.Add(1)
			return err
		}
		p.loads.Add(1)
		p.mu.Lock()
		p.loaded++
		p.idle = append(p.idle, d)
		p.mu.Unlock()
	}
	return nil
}

// acquire returns a decoder, waiting up to timeout (0: no limit) for one to
// be free. It gives up with ctx's error when ctx is done, and with ErrClosed
// when abort or the pool is closed.
func (p *pool) acquire(ctx context.Context, abort <-chan struct{}, timeout time.Duration) (*decoder, error) {
	select {
	case p.tokens <- struct{}{}:
	default:
		p.waited.Add(1)
		if err := p.wait(ctx, abort, timeout); err != nil {
			return nil, err
		}
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.tokens
		return nil, fmt.Errorf("%w: recognizer closed", ErrClosed)
	}
	if n := len(p.idle); n > 0 {
		d := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		p.acquired.Add(1)
		return d, nil
	}
	p.nextID++
	id := p.nextID
	p.mu.Unlock()

	d, err := p.load(id) // without the lock: loading takes about 0.5 s
	if err != nil {
		p.failures.Add(1)
		<-p.tokens
		return nil, err
	}
	p.mu.Lock()
	p.loaded++
	p.mu.Unlock()
	p.loads.Add(1)
	p.acquired.Add(1)
	return d, nil
}

// wait blocks until a token is taken.
func (p *pool) wait(ctx context.Context, abort <-chan struct{}, timeout time.Duration) error {
	var expired <-chan time.Time
	if timeout > 0 {
		t := p.clock.NewTicker(timeout)
		defer t.Stop()
		expired = t.C()
	}
	select {
	case p.tokens <- struct{}{}:
		return nil
	case <-expired:
		p.timeouts.Add(1)
		return fmt.Errorf("%w: none free within %v", ErrBusy, timeout)
	case <-ctx.Done():
		return ctx.Err()
	case <-abort:
		return fmt.Errorf("%w: stream closed while waiting for a decoder", ErrClosed)
	case <-p.quit:
		return fmt.Errorf("%w: recognizer closed", ErrClosed)
	}
}

// release returns a decoder. A decoder that failed (healthy false), or
// one released after close, is freed.
func (p *pool) release(d *decoder, healthy bool) {
	p.mu.Lock()
	if healthy && !p.closed {
		p.idle = append(p.idle, d)
		p.mu.Unlock()
	} else {
		p.loaded--
		p.mu.Unlock()
		d.free()
	}
	<-p.tokens
}

// close frees the idle decoders and makes acquire fail; decoders in use are
// freed when released. It is idempotent.
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.loaded -= len(idle)
	close(p.quit)
	p.mu.Unlock()
	for _, d := range idle {
		d.free()
	}
}

// PoolStats describes the decoder pool.
type PoolStats struct {
	// Loaded is the number of decoders in memory now; InUse of them are
	// decoding an utterance.
	Loaded, InUse int
	// Acquired counts decoders handed to utterances (and to Transcribe).
	Acquired uint64
	// Waited counts acquisitions that found every decoder busy; Timeouts
	// of them gave up after the acquire timeout.
	Waited, Timeouts uint64
	// Loads counts decoders loaded, and LoadFailures the loads that failed.
	Loads, LoadFailures uint64
}

func (p *pool) stats() PoolStats {
	p.mu.Lock()
	loaded, idle := p.loaded, len(p.idle)
	p.mu.Unlock()
	return PoolStats{
		Loaded: loaded, InUse: loaded - idle,
		Acquired: p.acquired.Load(), Waited: p.waited.Load(), Timeouts: p.timeouts.Load(),
		Loads: p.loads.Load(), LoadFailures: p.failures.Load(),
	}
}
