package audio

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Ticker is the part of *time.Ticker a Pacer uses, so that tests can drive
// it by hand.
type Ticker interface {
	// C returns the channel on which ticks are delivered.
	C() <-chan time.Time
	// Stop turns the ticker off.
	Stop()
}

// timeTicker adapts *time.Ticker to Ticker.
type timeTicker struct{ t *time.Ticker }

// C returns the ticker's channel.
func (t timeTicker) C() <-chan time.Time { return t.t.C }

// Stop stops the ticker.
func (t timeTicker) Stop() { t.t.Stop() }

// CatchUpPolicy says what a Pacer does with ticks it could not serve on time
// because the process stalled (a long GC pause, a suspended VM, an
// overloaded host).
type CatchUpPolicy int

const (
	// CatchUpSkip serves only the latest due tick of each session and
	// reports the ticks it skipped in Tick.Missed (the default). Real-time
	// audio favours this: a burst of stale frames only makes the peer's
	// jitter buffer deeper. A sender should advance its RTP timestamp by
	// Missed frames (or drop Missed frames of queued audio).
	CatchUpSkip CatchUpPolicy = iota
	// CatchUpBurst serves every missed tick back to back, up to the
	// burst limit of WithCatchUp, then skips the rest as CatchUpSkip does.
	// Use it when every frame must be sent, for example into a recorder.
	CatchUpBurst
)

// Tick is one send opportunity for one session.
type Tick struct {
	// Seq counts the Pacer's intervals since it started; it grows by one
	// per interval (and by more after skipped ticks).
	Seq uint64
	// Scheduled is when this send was due. The send is late by
	// time.Since(Scheduled) (on the Pacer's clock).
	Scheduled time.Time
	// Missed is how many of this session's ticks were skipped right
	// before this one (see CatchUpPolicy). It is usually 0.
	Missed int
}

// SendFunc sends one frame of a session. It runs on one of the Pacer's
// worker goroutines, never concurrently with itself, and holds up the other
// sessions of that worker while it runs: it must not block (queue to a
// socket with a deadline, do not wait for the network or for locks held
// across I/O). It may call Unregister on its own session.
type SendFunc func(Tick)

// PacerStats is a snapshot of a Pacer's counters.
type PacerStats struct {
	// Sessions is the number of registered sessions.
	Sessions int
	// Ticks counts intervals the clock has advanced through.
	Ticks uint64
	// Sent counts calls of send functions.
	Sent uint64
	// Late counts sends that started more than the late threshold after
	// they were due.
	Late uint64
	// Missed counts session ticks skipped by the catch-up policy.
	Missed uint64
	// Panics counts send functions that panicked (their sessions were
	// unregistered).
	Panics uint64
	// MaxLateness is the worst lateness of any send so far.
	MaxLateness time.Duration
}

// maxPacerPhases bounds WithPacerPhases.
const maxPacerPhases = 20

// pacerConfig holds the options of a Pacer.
type pacerConfig struct {
	interval  time.Duration
	workers   int
	phases    int
	lateAfter time.Duration
	policy    CatchUpPolicy
	maxBurst  int
	now       func() time.Time
	newTicker func(time.Duration) Ticker
	log       *slog.Logger
}

// PacerOption configures a Pacer. Options validate their argument and make
// NewPacer fail with ErrInvalidOption when it is out of range.
type PacerOption func(*pacerConfig) error

// WithPacerInterval sets the send interval, 5 ms..1 s (default 20 ms, the
// RTP packetisation interval).
func WithPacerInterval(d time.Duration) PacerOption {
	return func(c *pacerConfig) error {
		if d < 5*time.Millisecond || d > time.Second {
			return fmt.Errorf("%w: WithPacerInterval(%v): want 5ms..1s", ErrInvalidOption, d)
		}
		c.interval = d
		return nil
	}
}

// WithPacerWorkers sets how many goroutines run send functions, 1..256
// (default one per four CPUs of GOMAXPROCS, at least one). Sessions are
// spread evenly over them. A send takes microseconds, so one worker keeps
// up with a thousand sessions; the first worker is the goroutine the ticker
// wakes, and each further one is woken by it and may wait behind the other
// runnable goroutines of a busy process before it sends.
func WithPacerWorkers(n int) PacerOption {
	return func(c *pacerConfig) error {
		if n < 1 || n > 256 {
			return fmt.Errorf("%w: WithPacerWorkers(%d): want 1..256", ErrInvalidOption, n)
		}
		c.workers = n
		return nil
	}
}

// WithPacerPhases spreads sessions over n evenly spaced phases of the
// interval, 1..20 (default 20: with 20 ms, sessions are due every 1 ms past
// the tick). Spreading keeps each phase's batch short, so the last session of
// a batch is not late behind all the others, and smooths the CPU and network
// load. The sub-tick (interval / n) is also how long a PacerSession.Kick
// waits at most, so more phases start bot answers sooner, at the cost of n
// wake-ups per interval (a thousand a second for the default, each costing
// the dispatcher about a microsecond besides its sends).
func WithPacerPhases(n int) PacerOption {
	return func(c *pacerConfig) error {
		if n < 1 || n > maxPacerPhases {
			return fmt.Errorf("%w: WithPacerPhases(%d): want 1..%d", ErrInvalidOption, n, maxPacerPhases)
		}
		c.phases = n
		return nil
	}
}

// WithLateThreshold sets how late a send may start before it counts as
// late in the stats (default 10 ms).
func WithLateThreshold(d time.Duration) PacerOption {
	return func(c *pacerConfig) error {
		if d <= 0 {
			return fmt.Errorf("%w: WithLateThreshold(%v): want a positive duration", ErrInvalidOption, d)
		}
		c.lateAfter = d
		return nil
	}
}

// WithCatchUp sets the catch-up policy after a stall and, for CatchUpBurst,
// the most ticks per session sent back to back (1..50; default 5, 100 ms).
func WithCatchUp(policy CatchUpPolicy, maxBurst int) PacerOption {
	return func(c *pacerConfig) error {
		if policy != CatchUpSkip && policy != CatchUpBurst {
			return fmt.Errorf("%w: WithCatchUp(%d, ...): want CatchUpSkip or CatchUpBurst", ErrInvalidOption, policy)
		}
		if maxBurst < 1 || maxBurst > 50 {
			return fmt.Errorf("%w: WithCatchUp(..., %d): want a burst limit of 1..50 ticks", ErrInvalidOption, maxBurst)
		}
		c.policy, c.maxBurst = policy, maxBurst
		return nil
	}
}

// WithPacerNow sets the clock the Pacer schedules and measures lateness
// with (default time.Now). Use it together with WithPacerTicker in tests.
func WithPacerNow(now func() time.Time) PacerOption {
	return func(c *pacerConfig) error {
		if now == nil {
			return fmt.Errorf("%w: WithPacerNow(nil)", ErrInvalidOption)
		}
		c.now = now
		return nil
	}
}

// WithPacerTicker sets the ticker factory (default time.NewTicker). The
// Pacer creates one ticker, at the interval divided by the phase count; each
// tick must carry the time it fired on the WithPacerNow clock, as
// time.Ticker's do.
func WithPacerTicker(newTicker func(time.Duration) Ticker) PacerOption {
	return func(c *pacerConfig) error {
		if newTicker == nil {
			return fmt.Errorf("%w: WithPacerTicker(nil)", ErrInvalidOption)
		}
		c.newTicker = newTicker
		return nil
	}
}

// WithPacerLogger sets the logger for send functions that panic (default:
// discard).
func WithPacerLogger(l *slog.Logger) PacerOption {
	return func(c *pacerConfig) error {
		if l == nil {
			return fmt.Errorf("%w: WithPacerLogger(nil)", ErrInvalidOption)
		}
		c.log = l
		return nil
	}
}

// Pacer is the shared real-time clock of many sessions: one ticker and a
// few worker goroutines call every registered session's send function once
// per interval (20 ms), instead of one timer per call.
//
// Sessions are spread over workers and over phases of the interval (see
// WithPacerPhases); within a phase a worker calls its sessions one after
// another. Each send's lateness (start time minus due time) is measured;
// sends later than the late threshold are counted. After a stall the
// catch-up policy decides between skipping and bursting.
//
// Register and Unregister may be called at any time from any goroutine,
// including from inside a send function. No Pacer lock is held while send
// functions run: workers read copy-on-write session lists. A Pacer is safe
// for concurrent use; Close stops it and waits for its goroutines.
type Pacer struct {
	cfg     pacerConfig
	sub     time.Duration // interval / phases
	start   time.Time
	ticker  Ticker
	current atomic.Uint64 // latest due sub-tick index
	buckets []*pacerBucket
	workers []*pacerWorker
	done    chan struct{}
	wg      sync.WaitGroup

	regMu    sync.Mutex
	closed   bool
	sessions int

	closeOnce sync.Once
}

// pacerBucket is the sessions of one worker in one phase.
type pacerBucket struct {
	list atomic.Pointer[[]*PacerSession]
	n    int // len(*list), guarded by regMu
}

// pacerWorker runs the buckets of all phases for its share of sessions.
type pacerWorker struct {
	index   int
	wake    chan struct{}
	done    uint64 // last sub-tick served; owned by the worker goroutine
	sent    atomic.Uint64
	late    atomic.Uint64
	missed  atomic.Uint64
	panics  atomic.Uint64
	maxLate atomic.Int64
}

// NewPacer starts a Pacer. Close it to stop its goroutines.
func NewPacer(opts ...PacerOption) (*Pacer, error) {
	cfg := pacerConfig{
		interval: FrameDuration, workers: max(1, runtime.GOMAXPROCS(0)/4), phases: maxPacerPhases,
		lateAfter: 10 * time.Millisecond, policy: CatchUpSkip, maxBurst: 5,
		now:       time.Now,
		newTicker: func(d time.Duration) Ticker { return timeTicker{time.NewTicker(d)} },
		log:       slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	p := &Pacer{cfg: cfg, sub: cfg.interval / time.Duration(cfg.phases), done: make(chan struct{})}
	for w := range cfg.workers {
		p.workers = append(p.workers, &pacerWorker{index: w, wake: make(chan struct{}, 1)})
		for range cfg.phases {
			b := &pacerBucket{}
			b.list.Store(&[]*PacerSession{})
			p.buckets = append(p.buckets, b)
		}
	}
	p.start = cfg.now()
	p.ticker = cfg.newTicker(p.sub)
	p.wg.Add(len(p.workers))
	go p.dispatch()
	for _, w := range p.workers[1:] {
		go p.work(w)
	}
	return p, nil
}

// dispatch turns ticker ticks into sub-tick indices, wakes the other
// workers and serves the first worker's sessions itself: the goroutine the
// ticker wakes sends at once, with no hand-off to wait for (a goroutine woken
// by another one may wait behind every runnable goroutine of a busy
// process).
func (p *Pacer) dispatch() {
	defer p.wg.Done()
	defer p.ticker.Stop()
	var last uint64
	for {
		var now time.Time
		select {
		case <-p.done:
			return
		case now = <-p.ticker.C():
		}
		// The tick carries the time it fired, so a dispatcher that was
		// slow to receive it still files it under the right sub-tick.
		idx := uint64(max(now.Sub(p.start), 0) / p.sub)
		if idx <= last {
			continue
		}
		last = idx
		p.current.Store(idx)
		for _, w := range p.workers[1:] {
			select {
			case w.wake <- struct{}{}:
			default: // already awake; it reads current when done
			}
		}
		p.serve(p.workers[0], idx)
	}
}

// work is the loop of one worker goroutine.
func (p *Pacer) work(w *pacerWorker) {
	defer p.wg.Done()
	for {
		select {
		case <-p.done:
			return
		case <-w.wake:
			p.serve(w, p.current.Load())
		}
	}
}

// serve runs the worker's sessions for every sub-tick up to target,
// applying the catch-up policy to a backlog.
func (p *Pacer) serve(w *pacerWorker, target uint64) {
	if target <= w.done {
		return
	}
	phases := uint64(p.cfg.phases)
	limit := phases
	if p.cfg.policy == CatchUpBurst {
		limit *= uint64(p.cfg.maxBurst)
	}
	first := w.done + 1
	skipLo, skipHi := first, first-1 // empty skipped range
	if target-first+1 > limit {
		first = target - limit + 1
		skipHi = first - 1
	}
	var missedDone [maxPacerPhases]bool // missed ticks are reported once per phase
	for k := first; k <= target; k++ {
		select {
		case <-p.done:
			return
		default:
		}
		ph := int(k % phases)
		b := p.buckets[w.index*p.cfg.phases+ph]
		lo, hi := skipLo, skipHi
		if missedDone[ph] {
			lo, hi = 1, 0
		}
		missedDone[ph] = true
		p.runBucket(w, b, k, lo, hi)
	}
	w.done = target
}

// runBucket calls the sessions of one bucket for sub-tick k; sub-ticks
// skipLo..skipHi were skipped.
func (p *Pacer) runBucket(w *pacerWorker, b *pacerBucket, k, skipLo, skipHi uint64) {
	phases := uint64(p.cfg.phases)
	sched := p.start.Add(time.Duration(k) * p.sub)
	tick := Tick{Seq: k / phases, Scheduled: sched}
	for _, s := range *b.list.Load() {
		if !s.begin() {
			continue
		}
		tick.Missed = 0
		if skipHi >= skipLo {
			tick.Missed = countPhase(max(skipLo, s.joined+1), skipHi, k%phases, phases)
			w.missed.Add(uint64(tick.Missed))
		}
		late := p.cfg.now().Sub(sched)
		w.sent.Add(1)
		s.sent.Add(1)
		if late > p.cfg.lateAfter {
			w.late.Add(1)
			s.late.Add(1)
		}
		storeMax(&w.maxLate, int64(late))
		storeMax(&s.maxLate, int64(late))
		p.call(w, s, tick)
		s.end()
	}
}

// call runs one send function, containing a panic to its session.
func (p *Pacer) call(w *pacerWorker, s *PacerSession, t Tick) {
	defer func() {
		if r := recover(); r != nil {
			w.panics.Add(1)
			p.cfg.log.Error("pacer: send function panicked; session unregistered", "panic", fmt.Sprint(r))
			s.Unregister()
		}
	}()
	s.send(t)
}

// countPhase counts the k in [lo, hi] with k % phases == ph.
func countPhase(lo, hi, ph, phases uint64) int {
	if hi < lo {
		return 0
	}
	upTo := func(x uint64) uint64 { // count of k in [0, x] with k%phases == ph
		if x < ph {
			return 0
		}
		return (x-ph)/phases + 1
	}
	n := upTo(hi)
	if lo > 0 {
		n -= upTo(lo - 1)
	}
	return int(n)
}

// storeMax raises a to v if v is larger.
func storeMax(a *atomic.Int64, v int64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
			return
		}
	}
}
