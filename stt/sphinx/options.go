package sphinx

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/parley-voice/parley/pipeline"
)

// Option adjusts a Recognizer. Options that carry a Config field check its
// range like Config.Validate; New reports a failing option wrapped in
// ErrInvalidConfig.
type Option func(*options) error

type options struct {
	Config
	logger    *slog.Logger
	clock     pipeline.Clock
	lookupEnv func(string) (string, bool)
}

func buildOptions(opts []Option) (*options, error) {
	o := &options{
		Config:    DefaultConfig(),
		logger:    slog.New(slog.DiscardHandler),
		clock:     pipeline.SystemClock(),
		lookupEnv: os.LookupEnv,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			if errors.Is(err, ErrInvalidConfig) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
		}
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return o, nil
}

// set returns an option that assigns a Config field and validates the
// result.
func set(apply func(*Config)) Option {
	return func(o *options) error {
		c := o.Config
		apply(&c)
		for _, chk := range c.checks() {
			if !chk.ok && chk.field != "preload_decoders" { // cross-field: checked at the end
				return fmt.Errorf("%w: %s is %v, want %s", ErrInvalidConfig, chk.field, chk.value, chk.want)
			}
		}
		o.Config = c
		return nil
	}
}

// WithModelDir sets the model directory (Config.ModelDir).
func WithModelDir(dir string) Option {
	return func(o *options) error {
		if dir == "" {
			return errors.New("empty model directory")
		}
		o.ModelDir = dir
		return nil
	}
}

// WithMaxDecoders bounds the decoders loaded at once (Config.MaxDecoders);
// 0 means twice the CPUs.
func WithMaxDecoders(n int) Option { return set(func(c *Config) { c.MaxDecoders = n }) }

// WithPreloadDecoders sets how many decoders New loads
// (Config.PreloadDecoders).
func WithPreloadDecoders(n int) Option { return set(func(c *Config) { c.PreloadDecoders = n }) }

// WithAcquireTimeout sets how long an utterance waits for a decoder
// (Config.AcquireTimeout).
func WithAcquireTimeout(d time.Duration) Option { return set(func(c *Config) { c.AcquireTimeout = d }) }

// WithPartialInterval sets the audio between partial results
// (Config.PartialInterval); 0 disables them.
func WithPartialInterval(d time.Duration) Option {
	return set(func(c *Config) { c.PartialInterval = d })
}

// WithMaxUtterance sets the longest utterance (Config.MaxUtterance).
func WithMaxUtterance(d time.Duration) Option { return set(func(c *Config) { c.MaxUtterance = d }) }

// WithPreRoll sets the audio kept before speech onset (Config.PreRoll).
func WithPreRoll(d time.Duration) Option { return set(func(c *Config) { c.PreRoll = d }) }

// WithPostRoll sets the least audio decoded after speech ends
// (Config.PostRoll).
func WithPostRoll(d time.Duration) Option { return set(func(c *Config) { c.PostRoll = d }) }

// WithBacklog sets the audio a stream queues for its decoder
// (Config.Backlog).
func WithBacklog(d time.Duration) Option { return set(func(c *Config) { c.Backlog = d }) }

// WithGrammarRejection sets the grammar rejection margin
// (Config.GrammarRejection).
func WithGrammarRejection(perFrame float64) Option {
	return set(func(c *Config) { c.GrammarRejection = perFrame })
}

// WithPhraseBonus sets the n-best bonus per hint word (Config.PhraseBonus).
func WithPhraseBonus(bonus float64) Option { return set(func(c *Config) { c.PhraseBonus = bonus }) }

// WithAlternatives sets the most n-best alternatives of a final result
// (Config.Alternatives).
func WithAlternatives(n int) Option { return set(func(c *Config) { c.Alternatives = n }) }

// WithFlatPass turns the engine's second pass on or off (Config.FlatPass).
func WithFlatPass(on bool) Option { return set(func(c *Config) { c.FlatPass = on }) }

// WithBand sets which streams carry telephone-band audio (Config.Band):
// BandAuto, BandTelephone or BandWide.
func WithBand(mode string) Option { return set(func(c *Config) { c.Band = mode }) }

// WithLogger sets the logger for decoder loading (info), dropped audio and
// busy decoders (warning) and per-utterance details (debug); streams log
// with the call's call_id. The default discards logs. A nil logger is an
// error.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the clock that times the wait for a free decoder
// (Config.AcquireTimeout), so tests can drive it; the default is the system
// clock. A nil clock is an error.
func WithClock(c pipeline.Clock) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("nil clock")
		}
		o.clock = c
		return nil
	}
}

// WithLookupEnv replaces os.LookupEnv for reading $PARLEY_SPHINX_MODEL. A
// nil function is an error.
func WithLookupEnv(lookup func(key string) (string, bool)) Option {
	return func(o *options) error {
		if lookup == nil {
			return errors.New("nil environment lookup")
		}
		o.lookupEnv = lookup
		return nil
	}
}
