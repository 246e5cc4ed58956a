package sphinx

import (
	"fmt"
	"time"
)

// Defaults of Config, measured on this package's test audio (see the
// package documentation for the numbers).
const (
	// DefaultModelDir is where Debian's pocketsphinx-en-us installs the US
	// English model.
	DefaultModelDir = "/usr/share/pocketsphinx/model/en-us"
	// DefaultLanguage is the language of the default model.
	DefaultLanguage = "en"
	// DefaultPreload is how many decoders New loads before returning.
	DefaultPreload = 1
	// DefaultAcquireTimeout is how long an utterance waits for a free
	// decoder.
	DefaultAcquireTimeout = 5 * time.Second
	// DefaultPartialInterval is the audio between partial results.
	DefaultPartialInterval = 200 * time.Millisecond
	// DefaultMaxUtterance is the longest stretch of speech decoded as one
	// utterance.
	DefaultMaxUtterance = 30 * time.Second
	// DefaultPreRoll is the audio kept before speech onset.
	DefaultPreRoll = 400 * time.Millisecond
	// DefaultPostRoll is the least audio decoded after speech ends.
	DefaultPostRoll = 200 * time.Millisecond
	// DefaultBacklog is the audio a stream queues for its decoder.
	DefaultBacklog = 3 * time.Second
	// DefaultGrammarRejection is the score margin per frame beyond which
	// a grammar result is rejected for the open-vocabulary one.
	DefaultGrammarRejection = 6.0
	// DefaultPhraseBonus is the n-best score bonus per hint word matched.
	DefaultPhraseBonus = 300.0
	// DefaultAlternatives is the number of n-best alternatives returned.
	DefaultAlternatives = 5
)

// Config is the YAML-facing configuration of the pocketsphinx recognizer
// (the `stt.sphinx:` section of the server configuration). Start from
// DefaultConfig and overlay the user's values; Options converts it to
// constructor options.
type Config struct {
	// ModelDir holds the model: an acoustic model directory named after the
	// language tag (en-us/), the language model (en-us.lm.bin) and the
	// dictionary (cmudict-en-us.dict), as Debian's pocketsphinx-en-us
	// installs them. Empty means $PARLEY_SPHINX_MODEL, else
	// DefaultModelDir.
	ModelDir string `yaml:"model_dir"`
	// Language is the language the model speaks, a BCP 47 tag: streams
	// opened for another language are refused. Default "en".
	Language string `yaml:"language"`
	// MaxDecoders bounds the decoders loaded at once, hence the utterances
	// decoded at once. Each costs about 90 MB of memory and decodes at
	// about a third of real time on one core. 0 means twice the number of
	// CPUs. Range [0, 256].
	MaxDecoders int `yaml:"max_decoders"`
	// PreloadDecoders are loaded by New (about 0.5 s each), so the first
	// utterances do not wait for one; the rest load on demand. Range [0,
	// max_decoders]. Default 1.
	PreloadDecoders int `yaml:"preload_decoders"`
	// AcquireTimeout is how long an utterance waits for a decoder when all
	// are busy; its audio queues meanwhile (up to Backlog). An utterance
	// that gets none yields an empty final result. Range [10ms, 1m].
	// Default 5s.
	AcquireTimeout time.Duration `yaml:"acquire_timeout"`
	// PartialInterval is how much audio is decoded between partial
	// results (sent only when the text changed); shorter gives livelier
	// partials at a small CPU cost. 0 disables partial results. Range 0 or
	// [10ms, 10s]. Default 200ms.
	PartialInterval time.Duration `yaml:"partial_interval"`
	// MaxUtterance is the longest speech decoded as one utterance: longer
	// speech is split into several finals. Range [1s, 10m]. Default 30s.
	MaxUtterance time.Duration `yaml:"max_utterance"`
	// PreRoll is the audio kept before the session confirms speech and
	// decoded with the utterance; it must cover the segmenter's
	// confirmation delay plus its speech padding. Range [0, 2s]. Default
	// 400ms.
	PreRoll time.Duration `yaml:"pre_roll"`
	// PostRoll is the least audio decoded after the caller's last voiced
	// frame (more when Voice.Pad is longer): soft endings such as the "s"
	// of "yes" often fall below the voice activity detector's threshold.
	// The quiet frames the session still reported as speech (its
	// segmenter's hangover, 300 ms by default) count, so with the
	// session's defaults the utterance ends as soon as the end of speech
	// is decided; otherwise the final waits for the rest of the post-roll
	// to arrive. A frame is voiced when Voice.Prob is 0.5 or more; a
	// session that reports no probabilities gets the whole post-roll after
	// the end of speech. Range [0, 2s]. Default 200ms.
	PostRoll time.Duration `yaml:"post_roll"`
	// Backlog is the audio a stream queues while its utterance waits for a
	// decoder or the decoder falls behind. When it is full the oldest
	// audio is dropped (and counted). Range [100ms, 1m]. Default 3s.
	Backlog time.Duration `yaml:"backlog"`
	// GrammarRejection decides when speech does not fit the turn's
	// grammar: the utterance is decoded with the grammar and with the
	// open-vocabulary language model, and when the latter's path score is
	// better by more than this many units (log base 1.0001) per 10 ms
	// frame, the open-vocabulary text is returned instead of a forced
	// grammar phrase. Lower rejects more. Range [0, 1000]. Default 6
	// (see the package documentation for its calibration).
	GrammarRejection float64 `yaml:"grammar_rejection"`
	// PhraseBonus is added to the score of an n-best hypothesis for each
	// hint word it contains (Hints.Phrases), in the same units as the
	// hypotheses' scores; 0 disables the rescoring. Range [0, 100000].
	// Default 300.
	PhraseBonus float64 `yaml:"phrase_bonus"`
	// Alternatives is the most n-best alternatives returned with a final
	// result. Range [0, 10]. Default 5.
	Alternatives int `yaml:"alternatives"`
	// FlatPass runs the engine's flat-lexicon second pass when each
	// utterance ends. It helps on hard audio (telephone-band speech: word
	// error rate 0.36 without, 0.24 with, on the test sentences) and costs
	// about a tenth of the utterance's duration in final-result latency
	// (0.3 s after 3 s of speech) and 10% more CPU. Default false.
	FlatPass bool `yaml:"flat_pass"`
	// Band says which streams carry telephone-band audio (8 kHz codecs
	// such as G.711: nothing above 4 kHz), which the recognizer decodes
	// with band folding and a telephone cepstral mean (see the package
	// documentation): "auto" treats streams opened below 16 kHz as
	// telephone band and measures the others' first utterance (holding
	// back up to 1 s of it, about 0.3 s usually, before decoding);
	// "telephone" treats every stream as telephone band; "wide" none.
	// Default auto.
	Band string `yaml:"band"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Language:         DefaultLanguage,
		PreloadDecoders:  DefaultPreload,
		AcquireTimeout:   DefaultAcquireTimeout,
		PartialInterval:  DefaultPartialInterval,
		MaxUtterance:     DefaultMaxUtterance,
		PreRoll:          DefaultPreRoll,
		PostRoll:         DefaultPostRoll,
		Backlog:          DefaultBacklog,
		GrammarRejection: DefaultGrammarRejection,
		PhraseBonus:      DefaultPhraseBonus,
		Alternatives:     DefaultAlternatives,
		Band:             BandAuto,
	}
}

// Validate reports the first value out of range, wrapped in
// ErrInvalidConfig and naming the YAML field.
func (c Config) Validate() error {
	for _, chk := range c.checks() {
		if !chk.ok {
			return fmt.Errorf("%w: %s is %v, want %s", ErrInvalidConfig, chk.field, chk.value, chk.want)
		}
	}
	return nil
}

type check struct {
	field string
	value any
	ok    bool
	want  string
}

func (c Config) checks() []check {
	return []check{
		{"language", c.Language, c.Language != "", "a language tag such as en"},
		{"max_decoders", c.MaxDecoders, c.MaxDecoders >= 0 && c.MaxDecoders <= maxDecoders, "in [0, 256] (0: twice the CPUs)"},
		{"preload_decoders", c.PreloadDecoders, c.PreloadDecoders >= 0 &&
			(c.MaxDecoders == 0 || c.PreloadDecoders <= c.MaxDecoders), "in [0, max_decoders]"},
		{"acquire_timeout", c.AcquireTimeout, inRange(c.AcquireTimeout, 10*time.Millisecond, time.Minute), "in [10ms, 1m]"},
		{"partial_interval", c.PartialInterval, c.PartialInterval == 0 ||
			inRange(c.PartialInterval, 10*time.Millisecond, 10*time.Second), "0 or in [10ms, 10s]"},
		{"max_utterance", c.MaxUtterance, inRange(c.MaxUtterance, time.Second, 10*time.Minute), "in [1s, 10m]"},
		{"pre_roll", c.PreRoll, inRange(c.PreRoll, 0, 2*time.Second), "in [0, 2s]"},
		{"post_roll", c.PostRoll, inRange(c.PostRoll, 0, 2*time.Second), "in [0, 2s]"},
		{"backlog", c.Backlog, inRange(c.Backlog, 100*time.Millisecond, time.Minute), "in [100ms, 1m]"},
		{"grammar_rejection", c.GrammarRejection, c.GrammarRejection >= 0 && c.GrammarRejection <= 1000, "in [0, 1000]"},
		{"phrase_bonus", c.PhraseBonus, c.PhraseBonus >= 0 && c.PhraseBonus <= 100000, "in [0, 100000]"},
		{"alternatives", c.Alternatives, c.Alternatives >= 0 && c.Alternatives <= maxAlternatives, "in [0, 10]"},
		{"band", c.Band, validBand(c.Band), "auto, telephone or wide"},
	}
}

func inRange(d, lo, hi time.Duration) bool { return d >= lo && d <= hi }

// Limits of the configuration.
const (
	maxDecoders     = 256
	maxAlternatives = 10
)

// Options converts the configuration to constructor options; an invalid
// configuration yields an option that makes New fail with Validate's
// error.
func (c Config) Options() []Option {
	if err := c.Validate(); err != nil {
		return []Option{func(*options) error { return err }}
	}
	return []Option{func(o *options) error {
		o.Config = c
		return nil
	}}
}
