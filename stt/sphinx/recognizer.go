package sphinx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Recognizer is the pocketsphinx speech recognizer: a pipeline.Recognizer
// whose streams decode only around the caller's speech, with a bounded pool
// of decoders shared by all calls. It is safe for concurrent use.
type Recognizer struct {
	cfg   Config // resolved: MaxDecoders and ModelDir set
	files modelFiles
	dict  *dictionary
	pool  *pool
	log   *slog.Logger
	clock pipeline.Clock
	// band is the band meter's filter (read only).
	band *bandFilter

	// Sizes in 16 kHz samples.
	partialSamples, maxUttSamples, preRollSamples, postRollSamples, backlogSamples int

	gmu      sync.Mutex // guards lmath (freed by Close) and grammars
	lmath    *logTable
	grammars map[string]*grammar

	mu      sync.Mutex
	streams map[*stream]struct{}
	closed  bool

	utterances, partials, finals, empty, busy, rejected, dropped, failures, narrowband atomic.Uint64
}

// New loads the model and returns a Recognizer with PreloadDecoders
// decoders ready. A missing model gives an error wrapping ErrModelNotFound
// that says what to install; a model the library cannot load wraps
// ErrEngine.
func New(opts ...Option) (*Recognizer, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	cfg := o.Config
	cfg.ModelDir = resolveModelDir(cfg.ModelDir, o.lookupEnv)
	if cfg.MaxDecoders == 0 {
		cfg.MaxDecoders = min(2*runtime.NumCPU(), maxDecoders)
	}
	cfg.PreloadDecoders = min(cfg.PreloadDecoders, cfg.MaxDecoders)
	files, err := findModel(cfg.ModelDir)
	if err != nil {
		return nil, err
	}
	dict, err := loadDictionary(files.dict)
	if err != nil {
		return nil, err
	}
	lt, err := newLogTable()
	if err != nil {
		return nil, err
	}
	r := &Recognizer{
		cfg: cfg, files: files, dict: dict, log: o.logger, clock: o.clock, band: newBandFilter(),
		partialSamples:  audio.SamplesFor(16000, cfg.PartialInterval),
		maxUttSamples:   audio.SamplesFor(16000, cfg.MaxUtterance),
		preRollSamples:  audio.SamplesFor(16000, cfg.PreRoll),
		postRollSamples: audio.SamplesFor(16000, cfg.PostRoll),
		backlogSamples:  audio.SamplesFor(16000, cfg.Backlog),
		lmath:           lt, grammars: make(map[string]*grammar), streams: make(map[*stream]struct{}),
	}
	r.pool = newPool(cfg.MaxDecoders, o.clock, r.loadDecoder)
	if err := r.pool.preload(cfg.PreloadDecoders); err != nil {
		r.pool.close()
		lt.free()
		return nil, err
	}
	r.log.Info("speech recognizer ready", "model", cfg.ModelDir, "max_decoders", cfg.MaxDecoders,
		"preloaded", cfg.PreloadDecoders)
	return r, nil
}

// loadDecoder loads one decoder for the pool.
func (r *Recognizer) loadDecoder(id int) (*decoder, error) {
	start := time.Now()
	flat := "no"
	if r.cfg.FlatPass {
		flat = "yes"
	}
	d, err := newDecoder(r.files, id, "-fwdflat", flat)
	if err != nil {
		r.log.Error("loading a decoder failed", "err", err)
		return nil, err
	}
	r.log.Info("decoder loaded", "decoder", id, "took", time.Since(start).Round(time.Millisecond))
	return d, nil
}

// Config returns the configuration in effect, with the model directory and
// the decoder bound resolved.
func (r *Recognizer) Config() Config { return r.cfg }

// Open starts a recognition stream for one call. cfg.Rate may be 8, 16, 24
// or 48 kHz (audio is converted to 16 kHz); cfg.Language must be empty or
// the model's language; cfg.Hints bias the first turn (an invalid grammar
// is logged, and the first turn decoded with open vocabulary). The stream
// lives until Close or until ctx is done; it holds no decoder and no
// goroutine while the caller is silent. The stream also implements
// pipeline.VoiceWriter; it is used from one goroutine (the session's
// loop), and delivers results to sink from its decoding goroutine.
func (r *Recognizer) Open(ctx context.Context, cfg pipeline.RecognitionConfig, sink pipeline.TranscriptSink) (pipeline.RecognitionStream, error) {
	if sink == nil {
		return nil, fmt.Errorf("%w: nil transcript sink", ErrInvalidConfig)
	}
	if !r.speaks(cfg.Language) {
		return nil, fmt.Errorf("%w: %q (the model at %s speaks %s)", ErrUnsupportedLanguage, cfg.Language,
			r.cfg.ModelDir, r.cfg.Language)
	}
	hints, herr := r.compileHints(cfg.Hints)
	s, err := newStream(ctx, r, cfg, sink, hints)
	if err != nil {
		return nil, err
	}
	if herr != nil {
		// Failing Open would leave the call without recognition (the
		// session would retry with the same hints): decode the first turn
		// with what is valid instead.
		s.log.Warn("the first turn's hints are invalid; decoding it with open vocabulary", "err", herr)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		s.release()
		return nil, fmt.Errorf("%w: recognizer closed", ErrClosed)
	}
	r.streams[s] = struct{}{}
	r.mu.Unlock()
	return s, nil
}

// speaks reports whether a stream's language tag matches the model's: an
// empty tag, or the same primary language ("en-GB" for an "en" model).
func (r *Recognizer) speaks(tag string) bool {
	if tag == "" {
		return true
	}
	primary := func(t string) string {
		t, _, _ = strings.Cut(strings.ReplaceAll(t, "_", "-"), "-")
		return strings.ToLower(t)
	}
	return primary(tag) == primary(r.cfg.Language)
}

// isClosed reports whether Close was called.
func (r *Recognizer) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

func (r *Recognizer) forget(s *stream) {
	r.mu.Lock()
	delete(r.streams, s)
	r.mu.Unlock()
}

// Close ends the open streams at once (they deliver no more results and
// their writes fail with ErrClosed; their owners still call their Close),
// waits for the streams' goroutines, and frees every decoder and the
// model. A Transcribe under way finishes its current utterance first. It
// is idempotent; Open and Transcribe fail with ErrClosed afterwards.
func (r *Recognizer) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	streams := make([]*stream, 0, len(r.streams))
	for s := range r.streams {
		streams = append(streams, s)
	}
	clear(r.streams)
	r.mu.Unlock()
	cause := errors.New("recognizer closed")
	for _, s := range streams {
		s.abort(cause)
	}
	for _, s := range streams {
		s.wg.Wait()
	}
	r.pool.close()
	r.gmu.Lock()
	r.lmath.free()
	r.lmath = nil
	r.gmu.Unlock()
	return nil
}

// Stats describes a Recognizer's work since New.
type Stats struct {
	// Pool describes the decoders.
	Pool PoolStats
	// Streams is the number of streams open now.
	Streams int
	// Utterances counts the utterances decoded; Partials and Finals the
	// results delivered. EmptyFinals counts finals with no words.
	Utterances, Partials, Finals, EmptyFinals uint64
	// Busy counts utterances that got no decoder in time (they yield an
	// empty final).
	Busy uint64
	// GrammarRejected counts utterances of a grammar turn answered with the
	// open-vocabulary text because the speech did not fit the grammar.
	GrammarRejected uint64
	// DroppedAudio is the audio dropped from full stream backlogs.
	DroppedAudio time.Duration
	// Failures counts utterances the engine failed to decode.
	Failures uint64
	// TelephoneBand counts the streams (and transcriptions) measured as
	// telephone band (see Config.Band); streams opened below 16 kHz are
	// not measured and not counted.
	TelephoneBand uint64
}

// Stats returns the recognizer's counters.
func (r *Recognizer) Stats() Stats {
	r.mu.Lock()
	n := len(r.streams)
	r.mu.Unlock()
	return Stats{
		Pool: r.pool.stats(), Streams: n,
		Utterances: r.utterances.Load(), Partials: r.partials.Load(), Finals: r.finals.Load(),
		EmptyFinals: r.empty.Load(), Busy: r.busy.Load(), GrammarRejected: r.rejected.Load(),
		DroppedAudio: sampleTime(int64(r.dropped.Load())), Failures: r.failures.Load(),
		TelephoneBand: r.narrowband.Load(),
	}
}
