package pipeline

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
)

// Config is the YAML-facing configuration of a call (the `call:` section of
// the server configuration). The zero value of a field means its default
// (see DefaultConfig), except ErrorPrompt.
type Config struct {
	// Turn holds the turn-taking thresholds.
	Turn TurnConfig `yaml:"turn"`
	// Language is the call's BCP 47 language tag, passed to the engines.
	// Default "en".
	Language string `yaml:"language"`
	// Voice names the synthesizer voice; empty means the engine's default.
	Voice string `yaml:"voice"`
	// InboundQueue bounds the caller audio waiting for the session's loop.
	// When the loop falls behind the oldest frames are dropped (and
	// counted). Default 1s; at least 100ms.
	InboundQueue time.Duration `yaml:"inbound_queue"`
	// OutputBuffer bounds the bot audio synthesized ahead of playback; the
	// synthesizer blocks when it is full. More absorbs slow synthesis,
	// less wastes less work on barge-in. Default 2s; at least 200ms.
	OutputBuffer time.Duration `yaml:"output_buffer"`
	// EventBuffer is the default per-subscriber event buffer. Default 256.
	EventBuffer int `yaml:"event_buffer"`
	// AgentTimeout bounds the wait for the agent's first response part;
	// when it expires the agent's context is cancelled with
	// ErrAgentTimeout and ErrorPrompt is spoken. Default 10s; negative
	// disables.
	AgentTimeout time.Duration `yaml:"agent_timeout"`
	// ErrorPrompt is spoken when the agent fails or times out before
	// saying anything. Empty says nothing; DefaultConfig sets an English
	// apology.
	ErrorPrompt string `yaml:"error_prompt"`
	// RecognizerRetry is the back-off before reopening a failed
	// recognition stream. Default 1s.
	RecognizerRetry time.Duration `yaml:"recognizer_retry"`
}

// DefaultConfig returns the defaults documented on Config and TurnConfig.
func DefaultConfig() Config {
	return Config{
		Turn:            DefaultTurnConfig(),
		Language:        "en",
		InboundQueue:    time.Second,
		OutputBuffer:    2 * time.Second,
		EventBuffer:     256,
		AgentTimeout:    10 * time.Second,
		ErrorPrompt:     "Sorry, I'm having trouble right now. Could you say that again?",
		RecognizerRetry: time.Second,
	}
}

// WithDefaults returns c with every zero field (but ErrorPrompt) set to its
// default.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	c.Turn = c.Turn.WithDefaults()
	if c.Language == "" {
		c.Language = d.Language
	}
	setDur(&c.InboundQueue, d.InboundQueue)
	setDur(&c.OutputBuffer, d.OutputBuffer)
	if c.EventBuffer == 0 {
		c.EventBuffer = d.EventBuffer
	}
	setDur(&c.AgentTimeout, d.AgentTimeout)
	setDur(&c.RecognizerRetry, d.RecognizerRetry)
	return c
}

// Validate reports the first out-of-range field of c (after defaults) as an
// ErrInvalidConfig error naming the field.
func (c Config) Validate() error {
	c = c.WithDefaults()
	if err := c.Turn.Validate(); err != nil {
		return err
	}
	switch {
	case c.InboundQueue < 100*time.Millisecond || c.InboundQueue > time.Minute:
		return invalid("call.inbound_queue", "in [100ms, 1m]", c.InboundQueue)
	case c.OutputBuffer < 200*time.Millisecond || c.OutputBuffer > 5*time.Minute:
		return invalid("call.output_buffer", "in [200ms, 5m]", c.OutputBuffer)
	case c.EventBuffer < 1 || c.EventBuffer > 1<<20:
		return invalid("call.event_buffer", "in [1, 1048576]", c.EventBuffer)
	case c.RecognizerRetry < 0 || c.RecognizerRetry > time.Minute:
		return invalid("call.recognizer_retry", "in [0, 1m]", c.RecognizerRetry)
	}
	return nil
}

// Option sets a runtime parameter of a Session.
type Option func(*options) error

type options struct {
	callID       string
	logger       *slog.Logger
	clock        Clock
	tick         time.Duration
	detector     vad.Detector
	recognizer   Recognizer
	agent        Agent
	synth        Synthesizer
	interceptors []Interceptor
	flusher      Flusher
	ready        func()
	metrics      func(TurnMetrics)
}

// WithCallID names the call in events, logs and engine requests. Default: a
// random 16-hex-digit id.
func WithCallID(id string) Option {
	return func(o *options) error {
		if id == "" {
			return fmt.Errorf("%w: call id must not be empty", ErrInvalidConfig)
		}
		o.callID = id
		return nil
	}
}

// WithLogger sets the logger; the session logs with a call_id attribute.
// Default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidConfig)
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the clock that stamps frames and events and drives
// timeouts. Default SystemClock().
func WithClock(c Clock) Option {
	return func(o *options) error {
		if c == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalidConfig)
		}
		o.clock = c
		return nil
	}
}

// WithTickInterval sets how often the session wakes without input to let
// time-based decisions happen when the transport sends no frames (silence
// suppression), and to enforce the agent timeout. Default 50ms; between 5ms
// and 1s.
func WithTickInterval(d time.Duration) Option {
	return func(o *options) error {
		if d < 5*time.Millisecond || d > time.Second {
			return fmt.Errorf("%w: tick interval must be in [5ms, 1s], got %v", ErrInvalidConfig, d)
		}
		o.tick = d
		return nil
	}
}

// WithDetector sets the voice activity detector (required). Once NewSession
// succeeds the session owns it: it calls it from its loop and closes it on
// Close. If NewSession fails, the caller still owns it.
func WithDetector(d vad.Detector) Option {
	return func(o *options) error { o.detector = d; return nil }
}

// WithRecognizer sets the recognizer (required).
func WithRecognizer(r Recognizer) Option {
	return func(o *options) error { o.recognizer = r; return nil }
}

// WithAgent sets the agent. Without one the session only listens
// (transcripts, turn events) and Say still speaks.
func WithAgent(a Agent) Option {
	return func(o *options) error { o.agent = a; return nil }
}

// WithSynthesizer sets the speech synthesizer (required with WithAgent, and
// for Say).
func WithSynthesizer(s Synthesizer) Option {
	return func(o *options) error { o.synth = s; return nil }
}

// WithInterceptors adds interceptors, composed in order with a Chain. The
// session closes them on Close.
func WithInterceptors(is ...Interceptor) Option {
	return func(o *options) error { o.interceptors = append(o.interceptors, is...); return nil }
}

// WithFlusher sets the transport's flusher, called on barge-in.
func WithFlusher(f Flusher) Option {
	return func(o *options) error { o.flusher = f; return nil }
}

// WithAudioReady sets a function called when bot audio becomes playable
// after there was none: when the first chunk of a bot answer is buffered, and
// when the bot resumes after a false interruption. A transport that paces
// frames on a shared grid uses it to start the talkspurt at once instead of
// at the call's next slot (audio.PacerSession.Kick), which takes up to one
// frame interval off every answer's latency. It runs on the goroutine that
// produced the audio, must not block, and must not call into the session.
func WithAudioReady(fn func()) Option {
	return func(o *options) error { o.ready = fn; return nil }
}

// WithMetrics sets a function called with each finished bot turn's timings,
// on the session's loop goroutine; it must return quickly. The same timings
// are published as TurnMetricsEvents; this hook never drops them.
func WithMetrics(fn func(TurnMetrics)) Option {
	return func(o *options) error { o.metrics = fn; return nil }
}

func buildOptions(opts []Option) (*options, error) {
	o := &options{clock: SystemClock(), tick: 50 * time.Millisecond}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	if o.detector == nil || o.recognizer == nil {
		return nil, fmt.Errorf("%w: a voice activity detector (WithDetector) and a recognizer (WithRecognizer) are required", ErrMissingEngine)
	}
	if o.agent != nil && o.synth == nil {
		return nil, fmt.Errorf("%w: an agent needs a synthesizer (WithSynthesizer)", ErrMissingEngine)
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	if o.callID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		o.callID = hex.EncodeToString(b[:])
	}
	return o, nil
}

// frames returns how many 20 ms frames d holds, at least 1.
func frames(d time.Duration) int { return max(int(d/audio.FrameDuration), 1) }
