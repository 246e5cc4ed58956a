package tts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Provider is one synthesizer of a fallback chain.
type Provider struct {
	// Name identifies the provider in logs ("flite", "openai").
	Name string
	// Synthesizer is the engine.
	Synthesizer Synthesizer
}

// Fallback is a Synthesizer that uses the first healthy provider of a chain
// and moves to the next one when a provider fails or goes quiet: no first
// audio within the budget, no next chunk within the budget of the previous
// one (time spent blocked on the caller's backpressure does not count), or
// an error. The next provider continues from the first word not yet
// spoken, so the caller hears no gap longer than the budget and no word
// twice. A failed provider is skipped for the cool-down. It is safe for
// concurrent use.
type Fallback struct {
	providers []Provider
	budget    time.Duration
	cooldown  time.Duration
	now       func() time.Time
	log       *slog.Logger
	down      []atomic.Int64
	failovers atomic.Int64
}

// FallbackOption configures a Fallback.
type FallbackOption func(*Fallback) error

// WithBudget sets the longest silence a provider may cause (default
// 800ms). Local engines start in tens of milliseconds; remote ones need
// a few hundred.
func WithBudget(d time.Duration) FallbackOption {
	return func(f *Fallback) error {
		if d < 10*time.Millisecond || d > time.Minute {
			return fmt.Errorf("%w: budget %v outside [10ms, 1m]", ErrInvalidConfig, d)
		}
		f.budget = d
		return nil
	}
}

// WithCooldown sets how long a failed provider is skipped (default 30s).
func WithCooldown(d time.Duration) FallbackOption {
	return func(f *Fallback) error {
		if d < 0 {
			return fmt.Errorf("%w: cool-down %v is negative", ErrInvalidConfig, d)
		}
		f.cooldown = d
		return nil
	}
}

// WithFallbackNow sets the wall clock used for cool-downs (default
// time.Now).
func WithFallbackNow(now func() time.Time) FallbackOption {
	return func(f *Fallback) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalidConfig)
		}
		f.now = now
		return nil
	}
}

// WithFallbackLogger sets the logger (default slog.Default()).
func WithFallbackLogger(l *slog.Logger) FallbackOption {
	return func(f *Fallback) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidConfig)
		}
		f.log = l
		return nil
	}
}

// NewFallback returns a chain of providers, tried in order.
func NewFallback(providers []Provider, opts ...FallbackOption) (*Fallback, error) {
	if len(providers) == 0 {
		return nil, ErrNoProviders
	}
	for i, p := range providers {
		if p.Synthesizer == nil {
			return nil, fmt.Errorf("%w: provider %d (%q) has no synthesizer", ErrInvalidConfig, i, p.Name)
		}
	}
	f := &Fallback{providers: providers, budget: 800 * time.Millisecond, cooldown: 30 * time.Second,
		now: time.Now, log: slog.Default(), down: make([]atomic.Int64, len(providers))}
	for _, opt := range opts {
		if err := opt(f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Failovers returns how many times a request moved to another provider.
func (f *Fallback) Failovers() int64 { return f.failovers.Load() }

// Voices lists the voices of the providers that list theirs.
func (f *Fallback) Voices() []Voice {
	var out []Voice
	for _, p := range f.providers {
		if l, ok := p.Synthesizer.(VoiceLister); ok {
			out = append(out, l.Voices()...)
		}
	}
	return out
}

// Synthesize speaks req.Text with the first provider that works.
func (f *Fallback) Synthesize(ctx context.Context, req Request, w Writer) error {
	if strings.TrimSpace(req.Text) == "" {
		return nil
	}
	order := f.order()
	offset := 0
	var errs []error
	for _, i := range order {
		sub := req
		sub.Text = req.Text[offset:]
		spoken, err := f.attempt(ctx, i, sub, offset, w)
		offset += spoken
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f.down[i].Store(f.now().Add(f.cooldown).UnixNano())
		errs = append(errs, fmt.Errorf("%s: %w", f.providers[i].Name, err))
		offset = nextWord(req.Text, offset)
		if offset >= len(req.Text) {
			return nil // everything was spoken before the failure
		}
		f.failovers.Add(1)
		f.log.Warn("speech synthesis failed over", "provider", f.providers[i].Name, "err", err, "spoken_bytes", offset)
	}
	return fmt.Errorf("%w: %w", ErrAllFailed, errors.Join(errs...))
}

// order returns the providers to try: healthy ones first, in chain order,
// then the ones in cool-down as a last resort.
func (f *Fallback) order() []int {
	now := f.now().UnixNano()
	out := make([]int, 0, len(f.providers))
	for i := range f.providers {
		if now >= f.down[i].Load() {
			out = append(out, i)
		}
	}
	for i := range f.providers {
		if now < f.down[i].Load() {
			out = append(out, i)
		}
	}
	return out
}

// nextWord returns the offset of the first word at or after off, where off
// may fall inside a word the provider had started: that word is spoken
// again from its start.
func nextWord(text string, off int) int {
	for off < len(text) {
		r, n := utf8.DecodeRuneInString(text[off:])
		if !unicode.IsSpace(r) {
			break
		}
		off += n
	}
	return off
}

// attempt runs provider i on req with a watchdog and returns how many
// bytes of req.Text its chunks covered.
func (f *Fallback) attempt(ctx context.Context, i int, req Request, base int, w Writer) (int, error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	g := &guard{w: w, base: base}
	done := make(chan error, 1)
	go func() { done <- f.providers[i].Synthesizer.Synthesize(actx, req, g) }()
	timer := time.NewTimer(f.budget)
	defer timer.Stop()
	seen := int64(0)
	for {
		select {
		case err := <-done:
			return g.spoken(), err
		case <-timer.C:
			if p := g.progress(); p != seen || g.writing() {
				seen = p
				timer.Reset(f.budget)
				continue
			}
			g.abandon()
			cancel()
			<-done // the provider returns promptly once cancelled
			return g.spoken(), ErrBudget
		}
	}
}

// guard forwards a provider's chunks, shifting their text offsets, until
// the chain abandons the provider.
type guard struct {
	w    Writer
	base int

	mu        sync.Mutex
	abandoned bool
	inWrite   bool
	end       int   // text covered, relative to the provider's request
	chunks    int64 // chunks forwarded
}

func (g *guard) WriteSpeech(c Chunk) error {
	g.mu.Lock()
	if g.abandoned {
		g.mu.Unlock()
		return ErrBudget
	}
	g.inWrite = true
	g.mu.Unlock()
	c.TextStart += g.base
	c.TextEnd += g.base
	err := g.w.WriteSpeech(c)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inWrite = false
	g.chunks++
	if err == nil {
		g.end = max(g.end, c.TextEnd-g.base)
	}
	return err
}

func (g *guard) progress() int64 { g.mu.Lock(); defer g.mu.Unlock(); return g.chunks }
func (g *guard) writing() bool   { g.mu.Lock(); defer g.mu.Unlock(); return g.inWrite }
func (g *guard) spoken() int     { g.mu.Lock(); defer g.mu.Unlock(); return g.end }
func (g *guard) abandon()        { g.mu.Lock(); defer g.mu.Unlock(); g.abandoned = true }
