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

// UtteranceRecognizer turns a Transcriber (a batch engine) into a streaming
// Recognizer. Each stream collects the caller's speech by the session's
// voice activity (pipeline.VoiceWriter), with a pre-roll, and hands every
// finished utterance to the Transcriber on the stream's worker goroutine;
// the result is delivered as one final Transcript with times measured from
// the start of the stream. It delivers no partial results.
//
// Hints with a grammar are passed to the Transcriber with the grammar's
// phrases appended to Hints.Phrases, and a result that matches the grammar
// is marked Transcript.Grammar. It is safe for concurrent use.
type UtteranceRecognizer struct {
	t    Transcriber
	opts utteranceOptions
}

type utteranceOptions struct {
	preRoll        time.Duration
	maxUtterance   time.Duration
	timeout        time.Duration
	queue          int
	grammarPhrases int
	log            *slog.Logger
}

// UtteranceOption configures an UtteranceRecognizer.
type UtteranceOption func(*utteranceOptions) error

// WithPreRoll sets the audio kept before speech is confirmed and sent with
// the utterance (default 500ms). The session confirms speech a few frames
// after its onset, so a pre-roll shorter than the VAD's confirmation delay
// plus its speech padding clips the first word.
func WithPreRoll(d time.Duration) UtteranceOption {
	return func(o *utteranceOptions) error {
		if d < 0 || d > 5*time.Second {
			return fmt.Errorf("%w: pre-roll %v outside [0, 5s]", ErrInvalidConfig, d)
		}
		o.preRoll = d
		return nil
	}
}

// WithMaxUtterance sets the longest utterance sent at once (default 30s);
// longer speech is sent in pieces of this length.
func WithMaxUtterance(d time.Duration) UtteranceOption {
	return func(o *utteranceOptions) error {
		if d < time.Second || d > 10*time.Minute {
			return fmt.Errorf("%w: max utterance %v outside [1s, 10m]", ErrInvalidConfig, d)
		}
		o.maxUtterance = d
		return nil
	}
}

// WithUtteranceTimeout bounds each Transcribe call (default 15s). The
// Transcriber's own retries happen within it.
func WithUtteranceTimeout(d time.Duration) UtteranceOption {
	return func(o *utteranceOptions) error {
		if d <= 0 {
			return fmt.Errorf("%w: utterance timeout %v must be positive", ErrInvalidConfig, d)
		}
		o.timeout = d
		return nil
	}
}

// WithUtteranceQueue sets how many finished utterances may wait per stream
// while the Transcriber works on an earlier one (default 4). When the queue
// is full the oldest waiting utterance is dropped, delivered as an empty
// final, and counted in Stats.
func WithUtteranceQueue(n int) UtteranceOption {
	return func(o *utteranceOptions) error {
		if n < 1 || n > 64 {
			return fmt.Errorf("%w: utterance queue %d outside [1, 64]", ErrInvalidConfig, n)
		}
		o.queue = n
		return nil
	}
}

// WithUtteranceLogger sets the logger (default slog.Default()).
func WithUtteranceLogger(l *slog.Logger) UtteranceOption {
	return func(o *utteranceOptions) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidConfig)
		}
		o.log = l
		return nil
	}
}

// NewUtteranceRecognizer returns a Recognizer that feeds t utterance by
// utterance.
func NewUtteranceRecognizer(t Transcriber, opts ...UtteranceOption) (*UtteranceRecognizer, error) {
	if t == nil {
		return nil, fmt.Errorf("%w: nil transcriber", ErrInvalidConfig)
	}
	o := utteranceOptions{preRoll: 500 * time.Millisecond, maxUtterance: 30 * time.Second,
		timeout: 15 * time.Second, queue: 4, grammarPhrases: 40, log: slog.Default()}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	return &UtteranceRecognizer{t: t, opts: o}, nil
}

// Transcribe passes one utterance to the Transcriber, with the grammar's
// phrases added to the hints and the result marked when it matches the
// grammar. It makes an UtteranceRecognizer a Transcriber too.
func (r *UtteranceRecognizer) Transcribe(ctx context.Context, u Utterance) (Transcript, error) {
	var g *Grammar
	if u.Hints.Grammar != "" {
		var err error
		if g, err = ParseGrammar(u.Hints.Grammar); err != nil {
			return Transcript{}, err
		}
		u.Hints.Phrases = append(append([]string(nil), u.Hints.Phrases...), g.Phrases(r.opts.grammarPhrases)...)
	}
	tr, err := r.t.Transcribe(ctx, u)
	if err != nil {
		return Transcript{}, err
	}
	tr.Final = true
	tr.Grammar = g != nil && tr.Text != "" && g.Match(tr.Text)
	return tr, nil
}

// Open starts a stream for one call. Its worker goroutine lives until Close
// or until ctx is done.
func (r *UtteranceRecognizer) Open(ctx context.Context, cfg Config, sink Sink) (Stream, error) {
	if cfg.Rate <= 0 {
		return nil, fmt.Errorf("%w: stream rate %d", ErrInvalidConfig, cfg.Rate)
	}
	if cfg.Hints.Grammar != "" {
		if _, err := ParseGrammar(cfg.Hints.Grammar); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &utteranceStream{
		r: r, cfg: cfg, sink: sink, ctx: ctx, cancel: cancel,
		seg:  newSegmenter(cfg.Rate, r.opts.preRoll, r.opts.maxUtterance),
		jobs: make(chan utteranceJob, r.opts.queue),
		done: make(chan struct{}),
		log:  r.opts.log.With("call_id", cfg.CallID),
	}
	s.hints.Store(&cfg.Hints)
	go s.work()
	return s, nil
}

// utteranceJob is one utterance waiting for the Transcriber.
type utteranceJob struct {
	samples []int16
	start   time.Duration
	hints   *Hints
}

// utteranceStream is one call's stream of an UtteranceRecognizer.
type utteranceStream struct {
	r      *UtteranceRecognizer
	cfg    Config
	sink   Sink
	ctx    context.Context
	cancel context.CancelFunc
	seg    *segmenter // writer-owned
	energy energyGate // writer-owned, for Write without voice activity
	jobs   chan utteranceJob
	done   chan struct{}
	log    *slog.Logger
	hints  atomic.Pointer[Hints]
	err    atomic.Pointer[error]
	closed atomic.Bool
	once   sync.Once

	dropped atomic.Int64
	mu      sync.Mutex // serialises deliveries to the sink
}

// Write collects a frame, deciding speech by its energy; sessions call
// WriteVoice instead.
func (s *utteranceStream) Write(f audio.Frame) error {
	return s.WriteVoice(f, Voice{Speaking: s.energy.speaking(f)})
}

// WriteVoice collects a frame by the session's voice activity. It copies
// only while the caller speaks and never blocks.
func (s *utteranceStream) WriteVoice(f audio.Frame, v Voice) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if p := s.err.Load(); p != nil {
		return *p
	}
	if f.Rate != s.cfg.Rate {
		return fmt.Errorf("%w: frame at %d Hz on a %d Hz stream", ErrInvalidConfig, f.Rate, s.cfg.Rate)
	}
	if utt, start, done := s.seg.push(f.Samples, v.Speaking); done {
		s.submit(utt, start)
	}
	return nil
}

// submit queues an utterance, dropping the oldest waiting one when full.
func (s *utteranceStream) submit(samples []int16, start time.Duration) {
	job := utteranceJob{samples: samples, start: start, hints: s.hints.Load()}
	for {
		select {
		case s.jobs <- job:
			return
		default:
		}
		select {
		case old := <-s.jobs:
			s.dropped.Add(1)
			s.log.Warn("speech recognition is falling behind; dropped an utterance", "start", old.start)
			s.deliver(Transcript{Final: true, Start: old.start, End: old.start + s.seg.at(int64(len(old.samples)))})
		default:
		}
	}
}

// SetHints replaces the hints for the next utterance.
func (s *utteranceStream) SetHints(h Hints) error {
	if h.Grammar != "" {
		if _, err := ParseGrammar(h.Grammar); err != nil {
			return err
		}
	}
	s.hints.Store(&h)
	return nil
}

// Close ends the stream: the utterance being collected is dropped, waiting
// ones are abandoned, and the worker stops.
func (s *utteranceStream) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		s.cancel()
		<-s.done
	})
	return nil
}

// work transcribes queued utterances until the stream ends.
func (s *utteranceStream) work() {
	defer close(s.done)
	for {
		select {
		case <-s.ctx.Done():
			return
		case job := <-s.jobs:
			s.transcribe(job)
		}
	}
}

func (s *utteranceStream) transcribe(job utteranceJob) {
	ctx, cancel := context.WithTimeout(s.ctx, s.r.opts.timeout)
	defer cancel()
	u := Utterance{CallID: s.cfg.CallID, Audio: audio.Frame{Rate: s.cfg.Rate, Samples: job.samples},
		Language: s.cfg.Language, Hints: *job.hints}
	tr, err := s.r.Transcribe(ctx, u)
	end := job.start + s.seg.at(int64(len(job.samples)))
	if err != nil {
		if s.ctx.Err() != nil {
			return
		}
		s.log.Warn("speech recognition failed for an utterance", "err", err)
		if !errors.Is(err, context.DeadlineExceeded) {
			// Not a slow answer but a failure: the next write reports
			// it, so the session (or a fallback chain) reacts.
			s.err.Store(&err)
		}
		// The caller's turn still ends: an empty final says no words
		// were recognised.
		s.deliver(Transcript{Final: true, Start: job.start, End: end})
		return
	}
	tr.Start, tr.End = job.start+tr.Start, end
	for i := range tr.Words {
		tr.Words[i].Start += job.start
		tr.Words[i].End += job.start
	}
	s.deliver(tr)
}

func (s *utteranceStream) deliver(tr Transcript) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() == nil {
		s.sink.WriteTranscript(tr)
	}
}

// Dropped returns how many utterances were dropped because the Transcriber
// fell behind.
func (s *utteranceStream) Dropped() int64 { return s.dropped.Load() }

// energyGate is a minimal speech decision for streams written without the
// session's voice activity: mean absolute amplitude above a floor, held for
// a hangover.
type energyGate struct {
	quiet time.Duration
	on    bool
}

const (
	energyFloor    = 300
	energyHangover = 600 * time.Millisecond
)

func (g *energyGate) speaking(f audio.Frame) bool {
	var sum int64
	for _, v := range f.Samples {
		x := int64(v)
		sum += max(x, -x)
	}
	loud := len(f.Samples) > 0 && sum/int64(len(f.Samples)) >= energyFloor
	switch {
	case loud:
		g.on, g.quiet = true, 0
	case g.on:
		g.quiet += f.Duration()
		if g.quiet >= energyHangover {
			g.on = false
		}
	}
	return g.on
}
