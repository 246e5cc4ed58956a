package openai

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/tts"
)

// maxInput is the longest text the endpoint takes, in characters.
const maxInput = 4096

// Synthesizer speaks text with an OpenAI-compatible /audio/speech endpoint
// (OpenAI's tts-1, tts-1-hd and gpt-4o-mini-tts, or a server of your own).
// It implements pipeline.Synthesizer and tts.VoiceLister.
//
// It asks for raw PCM (response_format pcm: 16-bit little-endian mono at
// Config.PCMRate, 24 kHz for OpenAI) and streams the answer: audio is read
// as it arrives, 20 to 40 ms at a time, resampled to the request's rate and
// written at once, so the caller hears the start of a sentence before the
// server has finished it. Servers that answer with a 16-bit mono WAV
// instead are streamed the same way.
//
// A Synthesizer is safe for concurrent use by many calls.
type Synthesizer struct {
	cfg       Config
	client    *goopenai.Client
	transport *http.Transport // nil when the caller supplied the HTTP client
	log       *slog.Logger
	sleep     func(ctx context.Context, d time.Duration) error
	now       func() time.Time
	jitter    func() float64
	pool      resamplers
	closed    atomic.Bool
}

var (
	_ pipeline.Synthesizer = (*Synthesizer)(nil)
	_ tts.VoiceLister      = (*Synthesizer)(nil)
)

// New returns a Synthesizer configured by DefaultConfig and opts, with an
// empty API key and base URL filled from the environment (see WithEnv). It
// fails with ErrConfig when the configuration is invalid, including a
// missing API key for api.openai.com. It makes no request.
func New(opts ...Option) (*Synthesizer, error) {
	st := defaultSettings()
	for _, o := range opts {
		if err := o(&st); err != nil {
			return nil, err
		}
	}
	cfg := st.cfg.FromEnv(st.getenv)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Synthesizer{cfg: cfg, log: st.log, sleep: st.sleep, now: st.now, jitter: st.jitter}
	doer := st.http
	if doer == nil {
		s.transport = http.DefaultTransport.(*http.Transport).Clone()
		s.transport.MaxIdleConnsPerHost = 32
		doer = &http.Client{Transport: s.transport}
	}
	cc := goopenai.DefaultConfig(cfg.APIKey)
	cc.BaseURL = cfg.baseURL()
	cc.HTTPClient = headerDoer{next: doer}
	s.client = goopenai.NewClientWithConfig(cc)
	return s, nil
}

// Config returns the configuration in use, with the environment applied.
func (s *Synthesizer) Config() Config { return s.cfg }

// Close releases the idle connections of the Synthesizer's own HTTP client.
// Synthesize fails with ErrClosed afterwards. Close does not wait for
// syntheses in flight (cancel their contexts to stop them) and is
// idempotent.
func (s *Synthesizer) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
	return nil
}

// Voices lists the voices: OpenAI's built-in ones when the server is
// OpenAI's, else only the configured voice (other servers name their own).
// Their language is "mul": the voices speak the language of the text.
func (s *Synthesizer) Voices() []tts.Voice {
	names := []string{s.cfg.Voice}
	if s.cfg.isOpenAI() {
		names = []string{"alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"}
	}
	out := make([]tts.Voice, len(names))
	for i, n := range names {
		out[i] = tts.Voice{Name: n, Language: "mul", Rate: s.cfg.PCMRate}
	}
	return out
}

// Synthesize speaks req.Text in req.Voice (else Config.Voice), writing
// chunks at req.Rate (0 means audio.PipelineRate) to w as the audio
// arrives. req.Language is not sent: the voices speak the text's language.
//
// The endpoint reports no timings, so each chunk's text range is an
// estimate from the audio written so far and Config.SpeakingRate (see the
// package documentation); the last chunk closes the range to
// len(req.Text). Text of only white space writes nothing.
//
// Failures before the first chunk reached w (HTTP 408, 409, 429, 5xx,
// network errors, no audio within Config.Timeout) are retried with backoff;
// after it, Synthesize returns an error wrapping ErrStream and the cause
// (ErrTimeout for a stall), leaving a fallback to the caller. When ctx is
// done the answer's body is closed at once and ctx.Err() is returned; an
// error from w is returned as is.
func (s *Synthesizer) Synthesize(ctx context.Context, req pipeline.SpeechRequest, w pipeline.SpeechWriter) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if strings.TrimSpace(req.Text) == "" {
		return nil
	}
	if n := utf8.RuneCountInString(req.Text); n > maxInput {
		return fmt.Errorf("%w: %d characters (at most %d)", ErrText, n, maxInput)
	}
	rate := req.Rate
	if rate == 0 {
		rate = audio.PipelineRate
	}
	if rate < 1000 || rate > 384000 {
		return fmt.Errorf("tts/openai: %w: %d Hz requested (want 1000..384000)", audio.ErrUnsupportedRate, rate)
	}
	voice := req.Voice
	if voice == "" {
		voice = s.cfg.Voice
	}
	sreq := goopenai.CreateSpeechRequest{
		Model: goopenai.SpeechModel(s.cfg.Model), Input: req.Text, Voice: goopenai.SpeechVoice(voice),
		Instructions: s.cfg.Instructions, ResponseFormat: goopenai.SpeechResponseFormatPcm, Speed: s.cfg.Speed,
	}
	return s.send(ctx, sreq, newEstimator(req.Text, s.cfg.SpeakingRate*s.cfg.Speed, rate), rate, w)
}

// send runs the attempts of one synthesis.
func (s *Synthesizer) send(ctx context.Context, sreq goopenai.CreateSpeechRequest, est *estimator, rate int, w pipeline.SpeechWriter) error {
	for attempt := 1; ; attempt++ {
		est.reset()
		res := s.attempt(ctx, sreq, est, rate, w)
		if res.fail == nil {
			return res.final
		}
		f := res.fail
		if res.wrote {
			return fmt.Errorf("%w after the first audio: %w", ErrStream, f.err)
		}
		if !f.retry || attempt > s.cfg.Retries {
			return giveUp(f.err, attempt)
		}
		wait, ok := backoff(ctx, s.cfg, attempt, f.hint, s.jitter, s.now())
		if !ok {
			return fmt.Errorf("%w (not retried: a wait of %v does not fit tts.openai.max_backoff or the deadline)", f.err, wait)
		}
		s.log.Warn("tts/openai: speech attempt failed; retrying", "attempt", attempt, "wait", wait, "err", f.err)
		if err := s.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// result is the outcome of one attempt: final is returned as is (nil on
// success, ctx.Err(), or the writer's error) unless fail is set.
type result struct {
	wrote bool
	final error
	fail  *failure
}

// attempt sends one request and streams its answer to w. A watchdog
// cancels it when no audio arrives within Config.Timeout, first after
// sending and then between reads.
func (s *Synthesizer) attempt(ctx context.Context, sreq goopenai.CreateSpeechRequest, est *estimator, rate int, w pipeline.SpeechWriter) result {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchdog := time.AfterFunc(s.cfg.Timeout, func() { cancel(errStalled) })
	defer watchdog.Stop()
	info := &attemptInfo{}
	resp, err := s.client.CreateSpeech(context.WithValue(actx, attemptKey{}, info), sreq)
	var res result
	if err == nil {
		res, err = s.stream(resp, est, rate, w, watchdog)
		resp.Close()
	}
	switch {
	case err == nil:
		return res
	case ctx.Err() != nil:
		return result{wrote: res.wrote, final: ctx.Err()}
	}
	f := classify(actx, err, info, s.now(), s.cfg.Timeout)
	return result{wrote: res.wrote, fail: &f}
}

// stream reads the audio of an answer and writes it to w; err is a read
// failure to classify.
func (s *Synthesizer) stream(resp goopenai.RawResponse, est *estimator, rate int, w pipeline.SpeechWriter, watchdog *time.Timer) (result, error) {
	src, srcRate, err := openAudio(resp.Header(), bufio.NewReaderSize(resp, 4096), s.cfg.PCMRate)
	if err != nil {
		return result{}, err
	}
	rs, err := s.pool.get(srcRate, rate)
	if err != nil {
		return result{}, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	defer s.pool.put(rs)
	st := newStreamer(src, srcRate, rs, est, w, rate)
	st.watchdog, st.timeout = watchdog, s.cfg.Timeout
	werr, err := st.run()
	if werr != nil {
		return result{wrote: st.wrote, final: werr}, nil
	}
	return result{wrote: st.wrote}, err
}
