package audio

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// fakeTicker is a Ticker driven by the test.
type fakeTicker struct {
	c       chan time.Time
	period  time.Duration
	stopped atomic.Bool
}

func (f *fakeTicker) C() <-chan time.Time { return f.c }
func (f *fakeTicker) Stop()               { f.stopped.Store(true) }

// pacerHarness runs a Pacer on a fake clock and ticker.
type pacerHarness struct {
	t   *testing.T
	clk *fakeClock
	tk  *fakeTicker
	p   *Pacer
}

func newPacerHarness(t *testing.T, opts ...PacerOption) *pacerHarness {
	t.Helper()
	h := &pacerHarness{t: t, clk: newFakeClock(), tk: &fakeTicker{c: make(chan time.Time)}}
	opts = append([]PacerOption{WithPacerNow(h.clk.Now), WithPacerTicker(func(d time.Duration) Ticker { h.tk.period = d; return h.tk })}, opts...)
	p, err := NewPacer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	h.p = p
	t.Cleanup(func() { p.Close() })
	return h
}

// step advances the clock by d and delivers one tick.
func (h *pacerHarness) step(d time.Duration) {
	h.clk.Advance(d)
	h.tk.c <- h.clk.Now()
}

// waitSent waits until the Pacer has made n sends in total.
func (h *pacerHarness) waitSent(n uint64) {
	h.t.Helper()
	eventually(h.t, 5*time.Second, "sends", func() bool { return h.p.Stats().Sent >= n })
}

// recorder records the ticks one session receives.
type recorder struct {
	mu    sync.Mutex
	ticks []Tick
}

func (r *recorder) send(t Tick) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ticks = append(r.ticks, t)
}

func (r *recorder) got() []Tick {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ticks)
}

func TestPacerSendsEverySessionEveryInterval(t *testing.T) {
	h := newPacerHarness(t, WithPacerWorkers(2), WithPacerPhases(4))
	if h.tk.period != 5*time.Millisecond {
		t.Fatalf("ticker period %v, want 5ms (20ms over 4 phases)", h.tk.period)
	}
	recs := make([]*recorder, 8)
	for i := range recs {
		recs[i] = &recorder{}
		if _, err := h.p.Register(recs[i].send); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 12 { // three intervals; each sub-tick serves two sessions
		h.step(5 * time.Millisecond)
		h.waitSent(uint64(2 * (i + 1)))
	}
	start := h.clk.Now().Add(-60 * time.Millisecond)
	offsets := map[time.Duration]int{}
	for i, r := range recs {
		ticks := r.got()
		if len(ticks) != 3 {
			t.Fatalf("session %d sent %d times in 3 intervals, want 3", i, len(ticks))
		}
		for j := 1; j < len(ticks); j++ {
			if gap := ticks[j].Scheduled.Sub(ticks[j-1].Scheduled); gap != 20*time.Millisecond || ticks[j].Seq != ticks[j-1].Seq+1 || ticks[j].Missed != 0 {
				t.Errorf("session %d: ticks %+v and %+v are not one interval apart", i, ticks[j-1], ticks[j])
			}
		}
		offsets[ticks[0].Scheduled.Sub(start)%(20*time.Millisecond)]++
	}
	// Sessions are spread evenly over the four phases.
	for _, off := range []time.Duration{0, 5 * time.Millisecond, 10 * time.Millisecond, 15 * time.Millisecond} {
		if offsets[off] != 2 {
			t.Errorf("phase offsets %v, want two sessions at each of 0, 5, 10, 15 ms", offsets)
			break
		}
	}
	s := h.p.Stats()
	if s.Sessions != 8 || s.Sent != 24 || s.Late != 0 || s.MaxLateness != 0 || s.Ticks != 3 {
		t.Errorf("stats %+v", s)
	}
}

func TestPacerMeasuresLateness(t *testing.T) {
	h := newPacerHarness(t, WithPacerWorkers(1), WithPacerPhases(1))
	slow, _ := h.p.Register(func(Tick) { h.clk.Advance(15 * time.Millisecond) })
	var after [2]*PacerSession
	for i := range after {
		after[i], _ = h.p.Register(func(Tick) {})
	}
	h.step(20 * time.Millisecond)
	h.waitSent(3)
	s := h.p.Stats()
	if s.Late != 2 || s.MaxLateness != 15*time.Millisecond {
		t.Errorf("late %d, max lateness %v; want the two sessions behind the slow one late by 15ms", s.Late, s.MaxLateness)
	}
	if st := slow.Stats(); st.Late != 0 || st.Sent != 1 {
		t.Errorf("slow session stats %+v", st)
	}
	if st := after[1].Stats(); st.Late != 1 || st.MaxLateness != 15*time.Millisecond {
		t.Errorf("delayed session stats %+v", st)
	}
}

func TestPacerCatchUp(t *testing.T) {
	tests := []struct {
		desc   string
		opts   []PacerOption
		missed []int // Missed of each send after the stall
	}{
		{"skip reports the missed ticks", nil, []int{4}},
		{"burst sends up to the limit", []PacerOption{WithCatchUp(CatchUpBurst, 3)}, []int{2, 0, 0}},
		{"burst within the limit sends all", []PacerOption{WithCatchUp(CatchUpBurst, 10)}, []int{0, 0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			h := newPacerHarness(t, append([]PacerOption{WithPacerWorkers(1), WithPacerPhases(1)}, tc.opts...)...)
			r := &recorder{}
			if _, err := h.p.Register(r.send); err != nil {
				t.Fatal(err)
			}
			h.step(20 * time.Millisecond)
			h.waitSent(1)
			h.step(100 * time.Millisecond) // the process stalled for 5 intervals
			h.waitSent(uint64(1 + len(tc.missed)))
			h.step(20 * time.Millisecond)
			h.waitSent(uint64(2 + len(tc.missed)))
			ticks := r.got()
			var missed []int
			for _, tk := range ticks[1 : len(ticks)-1] {
				missed = append(missed, tk.Missed)
			}
			if !slices.Equal(missed, tc.missed) {
				t.Errorf("after the stall: Missed %v, want %v", missed, tc.missed)
			}
			if last := ticks[len(ticks)-1]; last.Missed != 0 || last.Seq != 7 {
				t.Errorf("first tick after catching up: %+v", last)
			}
			var total int
			for _, m := range tc.missed {
				total += m
			}
			if s := h.p.Stats(); s.Missed != uint64(total) {
				t.Errorf("stats missed %d, want %d", s.Missed, total)
			}
		})
	}
}

func TestPacerUnregister(t *testing.T) {
	// One worker, one phase: every session is in one batch, served in
	// registration order, so the witness (registered last) having been
	// served proves the others were considered for that tick.
	h := newPacerHarness(t, WithPacerWorkers(1), WithPacerPhases(1))
	var self *PacerSession
	var selfCalls atomic.Int32
	self, _ = h.p.Register(func(Tick) {
		selfCalls.Add(1)
		self.Unregister() // from inside its own send
	})
	other := &recorder{}
	os, _ := h.p.Register(other.send)
	witness := &recorder{}
	h.p.Register(witness.send)
	h.step(20 * time.Millisecond)
	<-self.Done()
	eventually(t, 5*time.Second, "first tick", func() bool { return len(witness.got()) == 1 })
	os.Unregister()
	os.Unregister() // idempotent
	<-os.Done()
	for i := 2; i <= 4; i++ {
		h.step(20 * time.Millisecond)
		eventually(t, 5*time.Second, "witness", func() bool { return len(witness.got()) == i })
	}
	if n := selfCalls.Load(); n != 1 {
		t.Errorf("self-unregistered session called %d times", n)
	}
	if n := len(other.got()); n != 1 {
		t.Errorf("unregistered session called %d times", n)
	}
	if s := h.p.Stats(); s.Sessions != 1 {
		t.Errorf("%d sessions left, want the witness only", s.Sessions)
	}
}

func TestPacerConcurrentRegistration(t *testing.T) {
	h := newPacerHarness(t, WithPacerWorkers(3), WithPacerPhases(2))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var calls atomic.Int64
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				s, err := h.p.Register(func(Tick) { calls.Add(1) })
				if err != nil {
					t.Error(err)
					return
				}
				if (i+g)%3 != 0 {
					s.Unregister()
					<-s.Done()
				}
			}
		}()
	}
	for range 200 {
		h.step(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if calls.Load() == 0 {
		t.Error("no sends while sessions came and went")
	}
}

func TestPacerContainsPanics(t *testing.T) {
	h := newPacerHarness(t, WithPacerWorkers(1), WithPacerPhases(1))
	bad, _ := h.p.Register(func(Tick) { panic("boom") })
	good := &recorder{}
	h.p.Register(good.send)
	h.step(20 * time.Millisecond)
	<-bad.Done()
	h.step(20 * time.Millisecond)
	h.waitSent(3)
	if s := h.p.Stats(); s.Panics != 1 || s.Sessions != 1 {
		t.Errorf("stats %+v, want one panic and the bad session gone", s)
	}
	if n := len(good.got()); n != 2 {
		t.Errorf("good session sent %d times, want 2", n)
	}
}

func TestPacerClose(t *testing.T) {
	h := newPacerHarness(t)
	s, err := h.p.Register(func(Tick) {})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	goleak.VerifyNone(t) // Close waited for the dispatcher and workers
	<-s.Done()
	if !h.tk.stopped.Load() {
		t.Error("ticker not stopped")
	}
	if _, err := h.p.Register(func(Tick) {}); !errors.Is(err, ErrClosed) {
		t.Errorf("Register after Close: err = %v, want ErrClosed", err)
	}
	s.Unregister() // harmless after Close
}

func TestPacerOptions(t *testing.T) {
	tests := []struct {
		desc string
		opt  PacerOption
	}{
		{"interval 1ms", WithPacerInterval(time.Millisecond)},
		{"zero workers", WithPacerWorkers(0)},
		{"21 phases", WithPacerPhases(21)},
		{"zero late threshold", WithLateThreshold(0)},
		{"unknown policy", WithCatchUp(7, 3)},
		{"burst of 0", WithCatchUp(CatchUpBurst, 0)},
		{"nil clock", WithPacerNow(nil)},
		{"nil ticker", WithPacerTicker(nil)},
		{"nil logger", WithPacerLogger(nil)},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := NewPacer(tc.opt); !errors.Is(err, ErrInvalidOption) {
				t.Fatalf("err = %v, want ErrInvalidOption", err)
			}
		})
	}
	p, err := NewPacer()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Register(nil); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("Register(nil): err = %v", err)
	}
}

func TestPacerRealClock(t *testing.T) {
	p, err := NewPacer(WithPacerInterval(10 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var sessions []*PacerSession
	for range 50 {
		s, err := p.Register(func(Tick) {})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s)
	}
	eventually(t, 10*time.Second, "five sends per session", func() bool {
		for _, s := range sessions {
			if s.Stats().Sent < 5 {
				return false
			}
		}
		return true
	})
}

// benchSessions registers n sessions that each do a G.711 encode, the
// typical work of a send, and count their sends.
func benchSessions(b *testing.B, p *Pacer, n int, sent *atomic.Int64) {
	pcm := sine(160, Rate8k, 440, 8000)
	for range n {
		buf := make([]byte, 0, 160)
		if _, err := p.Register(func(Tick) {
			buf = EncodeULaw(buf[:0], pcm)
			sent.Add(1)
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPacer500 measures the cost of one 20 ms interval for 500
// sessions on a fake clock: dispatch, scheduling and the sends themselves.
func BenchmarkPacer500(b *testing.B) {
	clk := newFakeClock()
	tk := &fakeTicker{c: make(chan time.Time)}
	p, err := NewPacer(WithPacerNow(clk.Now), WithPacerTicker(func(time.Duration) Ticker { return tk }))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	var sent atomic.Int64
	benchSessions(b, p, 500, &sent)
	b.ReportAllocs()
	want := int64(0)
	for b.Loop() {
		for range maxPacerPhases { // one tick per sub-tick of the default phases
			clk.Advance(FrameDuration / maxPacerPhases)
			tk.c <- clk.Now()
		}
		want += 500
		for sent.Load() < want {
			runtimeGosched()
		}
	}
}

// BenchmarkPacerRealtime500 runs 500 sessions on the real clock and
// reports how late sends were (one op is one 20 ms interval).
func BenchmarkPacerRealtime500(b *testing.B) {
	p, err := NewPacer()
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	var sent atomic.Int64
	benchSessions(b, p, 500, &sent)
	start := p.Stats()
	b.ResetTimer()
	deadline := time.Now().Add(time.Duration(b.N) * FrameDuration)
	tick := time.NewTicker(FrameDuration)
	for time.Now().Before(deadline) {
		<-tick.C
	}
	tick.Stop()
	b.StopTimer()
	s := p.Stats()
	sends := float64(s.Sent - start.Sent)
	b.ReportMetric(float64(s.Late-start.Late)/max(sends, 1)*100, "%late")
	b.ReportMetric(float64(s.MaxLateness)/float64(time.Millisecond), "max-late-ms")
	b.ReportMetric(sends/float64(b.N), "sends/op")
}

func TestPacerKick(t *testing.T) {
	tests := []struct {
		desc      string
		kickAfter int           // sub-ticks served before the kick
		wantNext  time.Duration // due time of the first send after the kick, from the start
		wantKicks uint64
	}{
		{"kick right after registering moves to the next phase", 0, 5 * time.Millisecond, 1},
		{"kick mid-interval is served at the next sub-tick", 2, 15 * time.Millisecond, 1},
		{"kick just after its own send moves it up", 1, 10 * time.Millisecond, 1},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			h := newPacerHarness(t, WithPacerWorkers(1), WithPacerPhases(4))
			start := h.clk.Now()
			rec := &recorder{}
			s, err := h.p.Register(rec.send) // the only session: phase 0, due at 0, 20, 40 ms...
			if err != nil {
				t.Fatal(err)
			}
			// Sub-tick 0 is the start; the first tick is sub-tick 1 (5 ms).
			h.step(0)
			for i := range tc.kickAfter {
				h.step(5 * time.Millisecond)
				eventually(t, 5*time.Second, "tick dispatched", func() bool { return h.p.current.Load() == uint64(i+1) })
			}
			sentBefore := len(rec.got())
			s.Kick()
			for range 4 {
				h.step(5 * time.Millisecond)
			}
			eventually(t, 5*time.Second, "send after kick", func() bool { return len(rec.got()) > sentBefore })
			got := rec.got()[sentBefore].Scheduled.Sub(start)
			if got != tc.wantNext {
				t.Errorf("first send after the kick due at %v, want %v (ticks %+v)", got, tc.wantNext, rec.got())
			}
			if k := s.Stats().Kicks; k != tc.wantKicks {
				t.Errorf("kicks = %d, want %d", k, tc.wantKicks)
			}
		})
	}
}

func TestPacerKickAfterUnregister(t *testing.T) {
	h := newPacerHarness(t, WithPacerWorkers(1), WithPacerPhases(4))
	rec := &recorder{}
	s, err := h.p.Register(rec.send)
	if err != nil {
		t.Fatal(err)
	}
	s.Unregister()
	s.Kick()
	for range 8 {
		h.step(5 * time.Millisecond)
	}
	if n := len(rec.got()); n != 0 || h.p.Stats().Sessions != 0 {
		t.Errorf("unregistered session kicked back to life: %d sends, stats %+v", n, h.p.Stats())
	}
}
