package flite

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/tts"
)

// streamBlock is how often, in seconds of audio, the vocoder hands audio
// over while it synthesizes a clause (1/50: every 20 ms of speech).
const streamBlock = 50

// Synthesizer speaks English text with flite's built-in voices. It
// implements pipeline.Synthesizer and tts.VoiceLister and is safe for
// concurrent use; see the package documentation for how requests share the
// CPU.
type Synthesizer struct {
	cfg     Config
	voice   voiceID
	slots   chan struct{} // one token per clause being synthesized
	closing chan struct{}
	once    sync.Once
	jobs    sync.Pool
	// resamplers pools a resampler per (native rate, output rate) pair.
	resamplers map[[2]int]*sync.Pool
}

var (
	_ pipeline.Synthesizer = (*Synthesizer)(nil)
	_ tts.VoiceLister      = (*Synthesizer)(nil)
)

// New returns a Synthesizer configured by DefaultConfig and opts. The first
// call in a process registers flite's voices (a few milliseconds).
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
	voice, _ := lookupVoice(cfg.Voice)
	initEngine()
	n := cfg.MaxConcurrent
	if n == 0 {
		n = runtime.GOMAXPROCS(0)
	}
	s := &Synthesizer{
		cfg:        cfg,
		voice:      voice,
		slots:      make(chan struct{}, n),
		closing:    make(chan struct{}),
		resamplers: make(map[[2]int]*sync.Pool),
	}
	s.jobs.New = func() any { return newJob() }
	for v := range numVoices {
		for _, out := range []int{audio.Rate8k, audio.Rate16k, audio.Rate24k, audio.Rate48k} {
			key := [2]int{nativeRate(v), out}
			if _, ok := s.resamplers[key]; ok || key[0] == 0 {
				continue
			}
			s.resamplers[key] = &sync.Pool{New: func() any {
				r, err := audio.NewResampler(key[0], key[1])
				if err != nil {
					return nil
				}
				return r
			}}
		}
	}
	return s, nil
}

// Config returns the configuration s was built with.
func (s *Synthesizer) Config() Config { return s.cfg }

// Voices returns the built-in voices with their native rates. The list is
// the caller's to keep.
func (s *Synthesizer) Voices() []tts.Voice { return voiceList() }

// Close stops the clauses being synthesized and waits for them; calls in
// progress then return ErrClosed (after the chunk they are writing), and
// later calls fail with ErrClosed at once. Close is idempotent and returns
// nil. flite's voices stay registered for the life of the process.
func (s *Synthesizer) Close() error {
	s.once.Do(func() {
		close(s.closing)
		for range cap(s.slots) {
			s.slots <- struct{}{}
		}
	})
	return nil
}

// Synthesize speaks req.Text into w, chunk by chunk: one chunk per token
// of the text (a word, a number read as several words, a word with its
// punctuation) and one per pause, each written as soon as flite has
// vocoded it. Long texts are synthesized clause by clause (a sentence, a
// line, or at most 400 bytes), so memory does not grow with the text.
// Chunks are at req.Rate (0 means audio.PipelineRate); their text ranges
// are contiguous, never go backwards, and the last word's range extends to
// the end of the text.
//
// Characters the English voices cannot speak are skipped (accented Latin
// letters are read as their base letters, Markdown emphasis is dropped);
// text with nothing to speak writes nothing and returns nil, unless it
// holds letters or digits of other scripts, which returns ErrUnspeakable.
// Synthesize returns ctx.Err() soon after ctx is done (within one 20 ms
// block of vocoding), the writer's error if it fails, or ErrClosed.
func (s *Synthesizer) Synthesize(ctx context.Context, req pipeline.SpeechRequest, w pipeline.SpeechWriter) error {
	voice, rate, err := s.resolve(req)
	if err != nil {
		return err
	}
	if s.closed() {
		return ErrClosed
	}
	if strings.TrimSpace(req.Text) == "" {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rs, err := s.resampler(nativeRate(voice), rate)
	if err != nil {
		return err
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
		s.resamplers[[2]int{rs.InRate(), rs.OutRate()}].Put(rs)
	}()
	if err := s.speak(j, h, voice, &e); err != nil {
		return err
	}
	return e.flush()
}

// speak synthesizes req.Text clause by clause.
func (s *Synthesizer) speak(j *job, h cgo.Handle, voice voiceID, e *emitter) error {
	text, foreign := e.text, false
	for start := 0; start < len(text); {
		end := nextClause(text, start)
		ok, f := j.clean.clean(text, start, end)
		foreign = foreign || f
		if ok {
			j.lastClause = !speakable(text[end:])
			if err := s.clause(j, h, voice, e); err != nil {
				return err
			}
		}
		start = end
	}
	if foreign && !e.started {
		return fmt.Errorf("%w: %q", ErrUnspeakable, shorten(text))
	}
	return nil
}

// clause synthesizes the clause in j.clean on a goroutine of its own
// while e writes its chunks, and waits for both.
func (s *Synthesizer) clause(j *job, h cgo.Handle, voice voiceID, e *emitter) error {
	j.reset()
	j.cstr = append(append(j.cstr[:0], j.clean.out...), 0)
	j.wg.Add(1)
	go s.runClause(j, h, voice)
	werr := func() error {
		defer func() { // also when the writer panics: C must let go of j
			j.stop.Store(true) // a no-op once the clause is done
			j.wg.Wait()
		}()
		return e.clause(j)
	}()
	switch {
	case werr != nil && !errors.Is(werr, errStopped):
		return werr
	case j.ctx.Err() != nil:
		return j.ctx.Err()
	case s.closed():
		return ErrClosed
	case j.failed != nil:
		return j.failed
	case j.result < 0:
		return fmt.Errorf("%w: flite could not synthesize %q", ErrSynthesis, shorten(string(j.clean.out)))
	}
	return nil
}

// runClause synthesizes the clause in j.cstr once a slot is free.
func (s *Synthesizer) runClause(j *job, h cgo.Handle, voice voiceID) {
	defer j.wg.Done()
	if err := s.acquire(j.ctx); err != nil {
		j.finish(0, err)
		return
	}
	stretch := 1 / s.cfg.Speed
	r := synthClause(voice, j.cstr, stretch, s.cfg.Pitch, nativeRate(voice)/streamBlock, h)
	<-s.slots
	j.finish(r, nil)
}

// acquire takes a synthesis slot, waiting while all are busy.
func (s *Synthesizer) acquire(ctx context.Context) error {
	select {
	case <-s.closing:
		return ErrClosed
	default:
	}
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing:
		return ErrClosed
	}
}

func (s *Synthesizer) closed() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// resolve checks a request's language, voice and rate.
func (s *Synthesizer) resolve(req pipeline.SpeechRequest) (voiceID, int, error) {
	if !english(req.Language) {
		return 0, 0, fmt.Errorf("%w: the request is in %q; configure tts/espeak for it", ErrUnsupportedLanguage, req.Language)
	}
	voice := s.voice
	if req.Voice != "" {
		v, err := lookupVoice(req.Voice)
		if err != nil {
			return 0, 0, err
		}
		voice = v
	}
	rate := req.Rate
	if rate == 0 {
		rate = audio.PipelineRate
	}
	if !audio.SupportedRate(rate) {
		return 0, 0, fmt.Errorf("%w: %d Hz (want 8000, 16000, 24000 or 48000)", ErrUnsupportedRate, rate)
	}
	return voice, rate, nil
}

// resampler takes a resampler from native to out Hz from the pool.
func (s *Synthesizer) resampler(native, out int) (*audio.Resampler, error) {
	pool, ok := s.resamplers[[2]int{native, out}]
	if !ok {
		return nil, fmt.Errorf("%w: %d Hz to %d Hz", ErrUnsupportedRate, native, out)
	}
	if r, ok := pool.Get().(*audio.Resampler); ok {
		return r, nil
	}
	return nil, fmt.Errorf("%w: cannot resample %d Hz to %d Hz", ErrUnsupportedRate, native, out)
}

// english reports whether a BCP 47 tag is empty or English.
func english(tag string) bool {
	tag = strings.ToLower(strings.TrimSpace(tag))
	return tag == "" || tag == "en" || strings.HasPrefix(tag, "en-") || strings.HasPrefix(tag, "en_")
}

// shorten cuts s for an error message.
func shorten(s string) string {
	const n = 60
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
