package openai

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/stt"
)

// Transcriber recognises utterances with an OpenAI-compatible
// /audio/transcriptions endpoint (OpenAI, or a Whisper server of your own).
// It implements stt.Transcriber; stt.NewUtteranceRecognizer turns it into a
// streaming recognizer fed utterance by utterance.
//
// Each utterance is sent as a 16-bit PCM WAV file at its own sample rate,
// asking for verbose_json with word timestamps. A server that rejects that
// (many local Whisper servers, and OpenAI's gpt-4o-transcribe models) is
// asked again at once for plain json, and the Transcriber remembers the
// downgrade for its lifetime; results then have no word timings and no
// confidence.
//
// A Transcriber is safe for concurrent use by many calls.
type Transcriber struct {
	cfg       Config
	client    *goopenai.Client
	transport *http.Transport // nil when the caller supplied the HTTP client
	log       *slog.Logger
	sleep     func(ctx context.Context, d time.Duration) error
	now       func() time.Time
	jitter    func() float64
	maxPrompt int
	level     atomic.Int32 // response format level, see formatWords
	closed    atomic.Bool
}

var _ stt.Transcriber = (*Transcriber)(nil)

// NewTranscriber returns a Transcriber configured by DefaultConfig and
// opts, with an empty API key and base URL filled from the environment (see
// WithEnv). It fails with ErrConfig when the configuration is invalid,
// including a missing API key for api.openai.com. It makes no request.
func NewTranscriber(opts ...Option) (*Transcriber, error) {
	s := defaultSettings()
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	cfg := s.cfg.FromEnv(s.getenv)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := &Transcriber{
		cfg: cfg, log: s.log, sleep: s.sleep, now: s.now, jitter: s.jitter, maxPrompt: s.maxPrompt,
	}
	doer := s.http
	if doer == nil {
		t.transport = http.DefaultTransport.(*http.Transport).Clone()
		t.transport.MaxIdleConnsPerHost = 32
		doer = &http.Client{Transport: t.transport}
	}
	cc := goopenai.DefaultConfig(cfg.APIKey)
	cc.BaseURL = cfg.baseURL()
	cc.HTTPClient = headerDoer{next: doer}
	t.client = goopenai.NewClientWithConfig(cc)
	return t, nil
}

// Config returns the configuration in use, with the environment applied.
func (t *Transcriber) Config() Config { return t.cfg }

// Close releases the idle connections of the Transcriber's own HTTP client.
// Transcribe fails with ErrClosed afterwards. Close does not wait for
// transcriptions in flight (cancel their contexts to stop them) and is
// idempotent.
func (t *Transcriber) Close() error {
	if t.closed.Swap(true) {
		return nil
	}
	if t.transport != nil {
		t.transport.CloseIdleConnections()
	}
	return nil
}

// Transcribe recognises one utterance and returns a final Transcript.
//
// Word times and the Transcript's Start (0) and End (the utterance's
// duration) are relative to the start of the utterance: the caller shifts
// them to the stream's time line. Confidence is exp(mean avg_logprob) *
// (1 - mean no_speech_prob) over the segments, weighted by duration, or 0
// when the server does not report them. Segments Whisper decoded from
// silence (see Config.NoSpeechThreshold) are dropped, so an utterance of
// noise gives a final with empty Text rather than a hallucinated "Thank
// you." Utterances shorter than 100 ms give an empty final without a
// request.
//
// The prompt is Config.Prompt followed by u.Hints.Phrases and, when
// u.Hints.Grammar is set, some of the grammar's sentences, bounded by
// WithMaxPromptBytes; the result's Grammar field reports whether the text
// matches the grammar. The language is u.Language, else Config.Language.
//
// Each attempt is bounded by Config.Timeout; transient failures are
// retried (see Config.Retries). When ctx is done Transcribe returns at once
// with an error wrapping ctx.Err(). Other errors wrap this package's
// sentinels; answers from the server are *APIError. u.Audio.Samples is not
// retained.
func (t *Transcriber) Transcribe(ctx context.Context, u stt.Utterance) (stt.Transcript, error) {
	if t.closed.Load() {
		return stt.Transcript{}, ErrClosed
	}
	if u.Audio.Rate < 1000 || u.Audio.Rate > 384000 {
		return stt.Transcript{}, fmt.Errorf("%w: sample rate %d Hz (want 1000..384000)", ErrAudio, u.Audio.Rate)
	}
	dur := u.Audio.Duration()
	if dur < minAudio {
		return stt.Transcript{Final: true, End: dur}, nil
	}
	wav, err := encodeWAV(u.Audio)
	if err != nil {
		return stt.Transcript{}, err
	}
	grammar := t.grammar(u)
	var grammarHints []string
	if grammar != nil {
		grammarHints = grammar.Phrases(grammarPhrases)
	}
	lang := requestLanguage(u.Language)
	if lang == "" {
		lang = requestLanguage(t.cfg.Language)
	}
	req := goopenai.AudioRequest{
		Model:    t.cfg.Model,
		FilePath: fileName,
		Prompt:   buildPrompt(t.cfg.Prompt, t.maxPrompt, u.Hints.Phrases, grammarHints),
		Language: lang,
	}
	resp, err := t.send(ctx, u.CallID, wav, req)
	if err != nil {
		return stt.Transcript{}, err
	}
	tr := toTranscript(&resp, dur, silence{t.cfg.NoSpeechThreshold, t.cfg.LogprobThreshold})
	tr.Grammar = grammar != nil && tr.Text != "" && grammar.Match(tr.Text)
	return tr, nil
}

// grammar parses the utterance's grammar; nil when there is none or it is
// invalid (logged: the utterance is still transcribed, without it).
func (t *Transcriber) grammar(u stt.Utterance) *stt.Grammar {
	if strings.TrimSpace(u.Hints.Grammar) == "" {
		return nil
	}
	g, err := stt.ParseGrammar(u.Hints.Grammar)
	if err != nil {
		t.log.Warn("stt/openai: ignoring an invalid grammar hint", "call_id", u.CallID, "err", err)
		return nil
	}
	return g
}

// send runs the attempts of one transcription: format fallbacks at once,
// transient failures after a backoff, until success, a permanent failure,
// the last retry or ctx's end.
func (t *Transcriber) send(ctx context.Context, callID string, wav []byte, req goopenai.AudioRequest) (goopenai.AudioResponse, error) {
	for attempt := 1; ; {
		level := t.level.Load()
		resp, f := t.attempt(ctx, wav, req, level)
		if f == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, stopped(ctx.Err())
		}
		if f.api != nil {
			if next := fallbackLevel(f.api); next > level {
				if t.level.CompareAndSwap(level, next) {
					t.log.Info("stt/openai: the server rejected a response format; using a simpler one from now on",
						"call_id", callID, "from", formatName(level), "to", formatName(next), "err", f.err)
				}
				continue
			}
		}
		if !f.retry || attempt > t.cfg.Retries {
			return resp, giveUp(f.err, attempt)
		}
		wait, ok := backoff(ctx, t.cfg, attempt, f.hint, t.jitter, t.now())
		if !ok {
			return resp, fmt.Errorf("%w (not retried: a wait of %v does not fit stt.openai.max_backoff or the deadline)", f.err, wait)
		}
		t.log.Warn("stt/openai: transcription attempt failed; retrying",
			"call_id", callID, "attempt", attempt, "wait", wait, "err", f.err)
		if err := t.sleep(ctx, wait); err != nil {
			return resp, stopped(err)
		}
		attempt++
	}
}

// attempt sends one request with the response format of level. It returns
// nil on success, else the classified failure.
func (t *Transcriber) attempt(ctx context.Context, wav []byte, req goopenai.AudioRequest, level int32) (goopenai.AudioResponse, *failure) {
	actx, cancel := context.WithTimeoutCause(ctx, t.cfg.Timeout, errAttemptTimeout)
	defer cancel()
	info := &attemptInfo{}
	actx = context.WithValue(actx, attemptKey{}, info)
	req.Reader = wavReader{bytes.NewReader(wav)}
	applyFormat(&req, level)
	resp, err := t.client.CreateTranscription(actx, req)
	if err == nil {
		return resp, nil
	}
	f := classify(actx, err, info, t.now(), t.cfg.Timeout)
	return resp, &f
}

// wavReader is the upload's body; go-openai takes the part's Content-Type
// from its ContentType method.
type wavReader struct{ *bytes.Reader }

// ContentType returns the media type of a WAV file.
func (wavReader) ContentType() string { return "audio/wav" }

// stopped returns the error for a transcription whose context ended with
// err.
func stopped(err error) error {
	return fmt.Errorf("stt/openai: transcription stopped: %w", err)
}

// giveUp adds the attempt count to the last error when there was more than
// one attempt.
func giveUp(err error, attempts int) error {
	if attempts == 1 {
		return err
	}
	return fmt.Errorf("%w (gave up after %d attempts)", err, attempts)
}
