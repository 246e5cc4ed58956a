package espeak

import (
	"context"
	"errors"
	"fmt"
	"runtime/cgo"
	"sync"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/tts"
)

// Synthesizer speaks text in any of espeak-ng's languages. It implements
// pipeline.Synthesizer and tts.VoiceLister and is safe for concurrent use;
// clauses of all requests, from all Synthesizers of the process, are
// synthesized one at a time (see the package documentation).
type Synthesizer struct {
	cfg     Config
	cat     *catalogue
	voice   int      // Config.Voice in cat
	ids     [][]byte // NUL-terminated espeak-ng identifiers, by voice
	closing chan struct{}
	once    sync.Once
	jobs    sync.Pool
	// resamplers pools a resampler from nativeRate per output rate.
	resamplers map[int]*sync.Pool
}

var (
	_ pipeline.Synthesizer = (*Synthesizer)(nil)
	_ tts.VoiceLister      = (*Synthesizer)(nil)
)

// New returns a Synthesizer configured by DefaultConfig and opts. The first
// call in a process initializes espeak-ng with Config.DataPath; it fails
// with ErrDataNotFound when espeak-ng's data is missing and with
// ErrUnknownVoice when Config.Voice is not an espeak-ng voice or language.
func New(opts ...Option) (*Synthesizer, error) {
	cfg := DefaultConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := initEngine(cfg.DataPath); err != nil {
		return nil, err
	}
	if err := lockEngine(context.Background(), nil); err != nil {
		return nil, err
	}
	list := listVoices()
	unlockEngine()
	cat, err := newCatalogue(list)
	if err != nil {
		return nil, err
	}
	voice, err := cat.voice(cfg.Voice)
	if err != nil {
		return nil, fmt.Errorf("tts.espeak.voice: %w", err)
	}
	s := &Synthesizer{
		cfg:        cfg,
		cat:        cat,
		voice:      voice,
		closing:    make(chan struct{}),
		resamplers: make(map[int]*sync.Pool),
	}
	for _, v := range cat.voices {
		s.ids = append(s.ids, append([]byte(v.identifier), 0))
	}
	s.jobs.New = func() any { return new(job) }
	for _, rate := range []int{audio.Rate8k, audio.Rate16k, audio.Rate24k, audio.Rate48k} {
		s.resamplers[rate] = &sync.Pool{New: func() any {
			r, err := audio.NewResampler(nativeRate, rate)
			if err != nil {
				return nil
			}
			return r
		}}
	}
	return s, nil
}

// Config returns the configuration s was built with.
func (s *Synthesizer) Config() Config { return s.cfg }

// Voices returns espeak-ng's voices (without the MBROLA ones), sorted by
// name, with their first language. The list is the caller's to keep.
func (s *Synthesizer) Voices() []tts.Voice { return s.cat.list() }

// Close stops this Synthesizer's clause in progress, if any, and waits for
// the engine to be free; calls in progress then return ErrClosed, and later
// calls fail with ErrClosed at once. Close is idempotent and returns nil.
// espeak-ng itself stays initialized for the life of the process, for the
// other Synthesizers.
func (s *Synthesizer) Close() error {
	s.once.Do(func() {
		close(s.closing)
		if lockEngine(context.Background(), nil) == nil {
			unlockEngine()
		}
	})
	return nil
}

// Synthesize speaks req.Text into w. The voice is req.Voice if set; else
// Config.Voice if it speaks req.Language (or req.Language is empty); else
// espeak-ng's preferred voice for req.Language ("zh" and "cmn" pick
// Mandarin). The text is synthesized clause by clause (a sentence, a line,
// or at most 400 bytes cut at a comma or space), each holding the
// process's espeak-ng for a few milliseconds, and each clause's chunks are
// written after it: one per token of the text (a word, a number read as
// several words, a Han character with the punctuation after it) and one
// per pause. Chunks are at req.Rate (0 means audio.PipelineRate); their
// text ranges are contiguous byte ranges on character boundaries, never go
// backwards, and the last word's range extends to the end of the text.
//
// Emoji, other symbols and Markdown emphasis are not read. Text with no
// letter or digit writes nothing and returns nil. Synthesize returns
// ctx.Err() soon after ctx is done (espeak-ng is stopped within 20 ms of
// audio), the writer's error if it fails, or ErrClosed.
func (s *Synthesizer) Synthesize(ctx context.Context, req pipeline.SpeechRequest, w pipeline.SpeechWriter) error {
	voice, rate, err := s.resolve(req)
	if err != nil {
		return err
	}
	select {
	case <-s.closing:
		return ErrClosed
	default:
	}
	if !speakable(req.Text) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rs, ok := s.resamplers[rate].Get().(*audio.Resampler)
	if !ok {
		return fmt.Errorf("%w: cannot resample %d Hz to %d Hz", ErrUnsupportedRate, nativeRate, rate)
	}
	j := s.jobs.Get().(*job)
	j.ctx, j.closing = ctx, s.closing
	h := cgo.NewHandle(j)
	e := emitter{w: w, text: req.Text, rate: rate, rs: rs, out: j.out[:0],
		lead: s.cfg.LeadingSilence, trail: s.cfg.TrailingSilence}
	defer func() { // also when the writer panics
		h.Delete()
		j.out, j.ctx, j.closing = e.out, nil, nil
		s.jobs.Put(j)
		rs.Reset()
		s.resamplers[rate].Put(rs)
	}()
	for start := 0; start < len(req.Text); {
		end := nextClause(req.Text, start)
		if j.clean.clean(req.Text, start, end) {
			if err := s.clause(j, h, voice, &e, end, !speakable(req.Text[end:])); err != nil {
				return err
			}
		}
		start = end
	}
	return e.flush()
}

// clause synthesizes the clause in j.clean while holding the engine, then
// writes its chunks.
func (s *Synthesizer) clause(j *job, h cgo.Handle, voice int, e *emitter, end int, last bool) error {
	j.reset()
	if err := lockEngine(j.ctx, j.closing); err != nil {
		return err
	}
	err := synthesize(s.ids[voice], s.cfg.WordsPerMinute, s.cfg.Pitch, j.clean.out, true, h)
	unlockEngine()
	if err == nil {
		err = e.clause(j, end, last)
	}
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, errStopped):
		return err
	case j.ctx.Err() != nil:
		return j.ctx.Err()
	}
	return ErrClosed
}

// resolve picks a request's voice and checks its rate.
func (s *Synthesizer) resolve(req pipeline.SpeechRequest) (int, int, error) {
	rate := req.Rate
	if rate == 0 {
		rate = audio.PipelineRate
	}
	if !audio.SupportedRate(rate) {
		return 0, 0, fmt.Errorf("%w: %d Hz (want 8000, 16000, 24000 or 48000)", ErrUnsupportedRate, rate)
	}
	if req.Voice != "" {
		v, err := s.cat.voice(req.Voice)
		return v, rate, err
	}
	tag := normTag(req.Language)
	if tag == "" {
		return s.voice, rate, nil
	}
	if _, ok := s.cat.voices[s.voice].speaks(tag); ok {
		return s.voice, rate, nil
	}
	if v, ok := s.cat.forLanguage(tag); ok {
		return v, rate, nil
	}
	if _, ok := s.cat.voices[s.voice].speaks(primary(tag)); ok {
		return s.voice, rate, nil
	}
	return 0, 0, fmt.Errorf("%w %q: see Voices, or run espeak-ng --voices", ErrUnsupportedLanguage, req.Language)
}
