package stt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Provider is one recognizer of a fallback chain.
type Provider struct {
	// Name identifies the provider in logs and statistics ("sphinx",
	// "openai").
	Name string
	// Recognizer is the engine. When it also implements Transcriber, a
	// failover hands it the whole utterance at once instead of replaying
	// the audio frame by frame.
	Recognizer Recognizer
}

// Fallback is a Recognizer that uses the first healthy provider of a chain
// and fails over to the next one when a provider errors or does not deliver
// a final result within the budget after the caller stopped speaking. The
// utterance in progress is not lost: the chain keeps its audio and gives it
// to the next provider, so the caller waits at most about one budget longer.
// A failed provider is skipped for the cool-down and then tried again at
// the start of the next utterance. It is safe for concurrent use.
type Fallback struct {
	providers []Provider
	opts      fallbackOptions
	down      []atomic.Int64 // per provider: unix nanos until which it is skipped
	failovers atomic.Int64
}

type fallbackOptions struct {
	budget   time.Duration
	cooldown time.Duration
	preRoll  time.Duration
	maxUtt   time.Duration
	now      func() time.Time
	log      *slog.Logger
}

// FallbackOption configures a Fallback.
type FallbackOption func(*fallbackOptions) error

// WithBudget sets how long after the end of speech a provider has to
// deliver its final result before the next provider takes over (default
// 1.5s). It is measured in stream time (the audio written), so it is
// deterministic for tests and real time for live calls.
func WithBudget(d time.Duration) FallbackOption {
	return func(o *fallbackOptions) error {
		if d < 100*time.Millisecond || d > time.Minute {
			return fmt.Errorf("%w: budget %v outside [100ms, 1m]", ErrInvalidConfig, d)
		}
		o.budget = d
		return nil
	}
}

// WithCooldown sets how long a failed provider is skipped (default 30s).
func WithCooldown(d time.Duration) FallbackOption {
	return func(o *fallbackOptions) error {
		if d < 0 {
			return fmt.Errorf("%w: cool-down %v is negative", ErrInvalidConfig, d)
		}
		o.cooldown = d
		return nil
	}
}

// WithFallbackNow sets the wall clock used for cool-downs (default
// time.Now).
func WithFallbackNow(now func() time.Time) FallbackOption {
	return func(o *fallbackOptions) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalidConfig)
		}
		o.now = now
		return nil
	}
}

// WithFallbackLogger sets the logger (default slog.Default()).
func WithFallbackLogger(l *slog.Logger) FallbackOption {
	return func(o *fallbackOptions) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidConfig)
		}
		o.log = l
		return nil
	}
}

// NewFallback returns a chain of providers, tried in order.
func NewFallback(providers []Provider, opts ...FallbackOption) (*Fallback, error) {
	if len(providers) == 0 {
		return nil, ErrNoProviders
	}
	for i, p := range providers {
		if p.Recognizer == nil {
			return nil, fmt.Errorf("%w: provider %d (%q) has no recognizer", ErrInvalidConfig, i, p.Name)
		}
	}
	o := fallbackOptions{budget: 1500 * time.Millisecond, cooldown: 30 * time.Second,
		preRoll: 500 * time.Millisecond, maxUtt: 60 * time.Second, now: time.Now, log: slog.Default()}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	return &Fallback{providers: providers, opts: o, down: make([]atomic.Int64, len(providers))}, nil
}

// Failovers returns how many times a stream of the chain moved to another
// provider.
func (f *Fallback) Failovers() int64 { return f.failovers.Load() }

// healthy reports whether provider i is outside its cool-down.
func (f *Fallback) healthy(i int) bool { return f.opts.now().UnixNano() >= f.down[i].Load() }

func (f *Fallback) markDown(i int) {
	f.down[i].Store(f.opts.now().Add(f.opts.cooldown).UnixNano())
}

// Open starts a stream on the first healthy provider that opens.
func (f *Fallback) Open(ctx context.Context, cfg Config, sink Sink) (Stream, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &fallbackStream{f: f, cfg: cfg, sink: sink, ctx: ctx, cancel: cancel, active: -1,
		seg:   newSegmenter(cfg.Rate, f.opts.preRoll, f.opts.maxUtt),
		jobs:  make(chan fallbackJob, 2),
		hints: cfg.Hints, log: f.opts.log.With("call_id", cfg.CallID)}
	var errs []error
	for i := range f.providers {
		if !f.healthy(i) && i < len(f.providers)-1 {
			continue
		}
		if err := s.switchTo(i); err != nil {
			errs = append(errs, err)
			continue
		}
		s.wg.Add(1)
		go s.work()
		return s, nil
	}
	cancel()
	return nil, fmt.Errorf("stt: no recognizer could open a stream: %w", errors.Join(errs...))
}

// fallbackJob is an utterance handed to a Transcriber after a failover.
type fallbackJob struct {
	provider int
	t        Transcriber
	samples  []int16
	start    time.Duration
	hints    Hints
}

// fallbackStream is one call's stream of a Fallback chain. Its fields are
// owned by the writing goroutine except those under mu.
type fallbackStream struct {
	f      *Fallback
	cfg    Config
	sink   Sink
	ctx    context.Context
	cancel context.CancelFunc
	seg    *segmenter
	energy energyGate
	stream Stream
	voice  VoiceWriter
	hints  Hints
	jobs   chan fallbackJob
	wg     sync.WaitGroup
	log    *slog.Logger
	once   sync.Once
	closed atomic.Bool

	// The utterance awaiting its final.
	pending   []int16
	pendStart time.Duration
	deadline  time.Duration
	tried     int // providers tried for the pending utterance

	mu      sync.Mutex
	active  int  // provider whose results are delivered
	waiting bool // a final is due for the pending utterance
}

// providerSink forwards the results of provider i while it is active.
type providerSink struct {
	s *fallbackStream
	i int
}

func (p providerSink) WriteTranscript(t Transcript) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active != p.i || s.ctx.Err() != nil {
		return
	}
	if t.Final {
		s.waiting = false
	}
	s.sink.WriteTranscript(t)
}

// switchTo opens provider i's stream and makes it the active one, closing
// the previous stream in the background.
func (s *fallbackStream) switchTo(i int) error {
	cfg := s.cfg
	cfg.Hints = s.hints
	st, err := s.f.providers[i].Recognizer.Open(s.ctx, cfg, providerSink{s, i})
	if err != nil {
		s.f.markDown(i)
		return fmt.Errorf("%s: %w", s.f.providers[i].Name, err)
	}
	old := s.stream
	s.stream = st
	s.voice, _ = st.(VoiceWriter)
	s.mu.Lock()
	s.active = i
	s.mu.Unlock()
	if old != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := old.Close(); err != nil {
				s.log.Debug("closing a failed recognition stream", "err", err)
			}
		}()
	}
	return nil
}

// Write follows the frame's energy; sessions call WriteVoice.
func (s *fallbackStream) Write(f audio.Frame) error {
	return s.WriteVoice(f, Voice{Speaking: s.energy.speaking(f)})
}

// WriteVoice forwards the frame to the active provider and watches for a
// missing final.
func (s *fallbackStream) WriteVoice(f audio.Frame, v Voice) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if !s.seg.active() && v.Speaking {
		s.preferHealthier()
	}
	utt, start, done := s.seg.push(f.Samples, v.Speaking)
	if done && !v.Speaking {
		// Armed before forwarding: the provider may deliver its final
		// from within the write.
		s.pending, s.pendStart, s.tried = utt, start, 1
		s.deadline = s.seg.now() + s.f.opts.budget
		s.setWaiting(true)
	}
	if err := s.forward(f, v); err != nil {
		if !s.failover(fmt.Errorf("%s: %w", s.f.providers[s.activeIdx()].Name, err)) {
			return err // the session reopens the chain after its back-off
		}
	}
	if s.isWaiting() && s.seg.now() >= s.deadline {
		s.failover(fmt.Errorf("%s: %w", s.f.providers[s.activeIdx()].Name, ErrBudget))
	}
	return nil
}

func (s *fallbackStream) forward(f audio.Frame, v Voice) error {
	if s.voice != nil {
		return s.voice.WriteVoice(f, v)
	}
	return s.stream.Write(f)
}

func (s *fallbackStream) activeIdx() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

func (s *fallbackStream) setWaiting(w bool) {
	s.mu.Lock()
	s.waiting = w
	s.mu.Unlock()
}

func (s *fallbackStream) isWaiting() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}

// preferHealthier moves back to a higher-priority provider whose cool-down
// ended, at the start of an utterance.
func (s *fallbackStream) preferHealthier() {
	cur := s.activeIdx()
	for i := range cur {
		if s.f.healthy(i) && s.switchTo(i) == nil {
			s.log.Info("speech recognition is back on its preferred provider", "provider", s.f.providers[i].Name)
			return
		}
	}
}

// failover marks the active provider down and moves to the next one,
// handing it the pending utterance when a final is still due. It reports
// whether another provider took over.
func (s *fallbackStream) failover(cause error) bool {
	cur := s.activeIdx()
	s.f.markDown(cur)
	s.f.failovers.Add(1)
	n := len(s.f.providers)
	due := s.isWaiting()
	if due && s.tried >= n {
		s.log.Warn("every speech recognizer failed for an utterance", "err", cause)
		s.setWaiting(false)
		s.deliverEmpty()
		return false
	}
	for k := 1; k < n; k++ {
		next := (cur + k) % n
		if err := s.switchTo(next); err != nil {
			s.log.Warn("speech recognizer could not open a stream", "err", err)
			continue
		}
		s.log.Warn("speech recognition failed over", "from", s.f.providers[cur].Name,
			"to", s.f.providers[next].Name, "err", cause)
		if due {
			s.tried++
			s.deadline = s.seg.now() + s.f.opts.budget
			s.handOver(next)
		}
		return true
	}
	s.log.Warn("no other speech recognizer is available", "err", cause)
	if due {
		s.setWaiting(false)
		s.deliverEmpty()
	}
	return false
}

// handOver gives the pending utterance to provider i: as a whole when it is
// a Transcriber, or replayed frame by frame.
func (s *fallbackStream) handOver(i int) {
	if t, ok := s.f.providers[i].Recognizer.(Transcriber); ok {
		job := fallbackJob{provider: i, t: t, samples: s.pending, start: s.pendStart, hints: s.hints}
		select {
		case s.jobs <- job:
		default:
			s.log.Warn("fallback recognition queue full; the utterance is lost")
			s.setWaiting(false)
			s.deliverEmpty()
		}
		return
	}
	step := audio.SamplesFor(s.cfg.Rate, audio.FrameDuration)
	for off := 0; off < len(s.pending); off += step {
		end := min(off+step, len(s.pending))
		speaking := end < len(s.pending)
		if err := s.forward(audio.Frame{Rate: s.cfg.Rate, Samples: s.pending[off:end]}, Voice{Speaking: speaking}); err != nil {
			return // the next frame's write fails over again
		}
	}
}

// work runs Transcriber jobs after failovers.
func (s *fallbackStream) work() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case job := <-s.jobs:
			s.transcribe(job)
		}
	}
}

func (s *fallbackStream) transcribe(job fallbackJob) {
	ctx, cancel := context.WithTimeout(s.ctx, s.f.opts.budget)
	defer cancel()
	tr, err := job.t.Transcribe(ctx, Utterance{CallID: s.cfg.CallID,
		Audio: audio.Frame{Rate: s.cfg.Rate, Samples: job.samples}, Language: s.cfg.Language, Hints: job.hints})
	end := job.start + s.seg.at(int64(len(job.samples)))
	if err != nil {
		s.log.Warn("fallback speech recognition failed", "provider", s.f.providers[job.provider].Name, "err", err)
		tr = Transcript{}
	}
	tr.Final, tr.Start, tr.End = true, job.start+tr.Start, end
	for i := range tr.Words {
		tr.Words[i].Start += job.start
		tr.Words[i].End += job.start
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == job.provider && s.waiting && s.ctx.Err() == nil {
		s.waiting = false
		s.sink.WriteTranscript(tr)
	}
}

func (s *fallbackStream) deliverEmpty() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() == nil {
		s.sink.WriteTranscript(Transcript{Final: true, Start: s.pendStart, End: s.seg.now()})
	}
}

// SetHints replaces the hints for the next utterance, on the active
// provider and on those opened later.
func (s *fallbackStream) SetHints(h Hints) error {
	if h.Grammar != "" {
		if _, err := ParseGrammar(h.Grammar); err != nil {
			return err
		}
	}
	s.hints = h
	if err := s.stream.SetHints(h); err != nil {
		s.log.Warn("speech recognizer rejected the hints", "err", err)
	}
	return nil
}

// Close closes the active stream and waits for the chain's goroutines.
func (s *fallbackStream) Close() error {
	var err error
	s.once.Do(func() {
		s.closed.Store(true)
		err = s.stream.Close()
		s.cancel()
		s.wg.Wait()
	})
	return err
}
