package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/stt"
	sttopenai "github.com/parley-voice/parley/stt/openai"
	"github.com/parley-voice/parley/stt/sphinx"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/tts/espeak"
	"github.com/parley-voice/parley/tts/flite"
	ttsopenai "github.com/parley-voice/parley/tts/openai"
)

// Speech provider names, as used in the configuration and on the command
// line.
const (
	ProviderSphinx = "sphinx"
	ProviderOpenAI = "openai"
	ProviderFlite  = "flite"
	ProviderEspeak = "espeak"
)

// STTConfig is the `stt:` section: which recognizer calls use, which ones
// take over when it fails, and each provider's settings.
type STTConfig struct {
	// Provider is the recognizer: sphinx (local pocketsphinx, the default)
	// or openai (any OpenAI-compatible transcription endpoint).
	Provider string `yaml:"provider"`
	// Fallback lists providers tried in order when the provider fails or
	// exceeds Budget. Default none.
	Fallback []string `yaml:"fallback"`
	// Budget is how long after the caller stops speaking a provider has to
	// deliver its result before the next one takes over. Default 1.5s.
	Budget time.Duration `yaml:"budget"`
	// Sphinx configures pocketsphinx.
	Sphinx sphinx.Config `yaml:"sphinx"`
	// OpenAI configures the OpenAI-compatible provider; OPENAI_API_KEY and
	// OPENAI_BASE_URL fill api_key and base_url when they are empty.
	OpenAI sttopenai.Config `yaml:"openai"`
}

// DefaultSTTConfig returns pocketsphinx alone, with a 1.5s budget.
func DefaultSTTConfig() STTConfig {
	return STTConfig{Provider: ProviderSphinx, Budget: 1500 * time.Millisecond,
		Sphinx: sphinx.DefaultConfig(), OpenAI: sttopenai.DefaultConfig()}
}

// chain returns the provider names in order, without repeats.
func chain(primary string, fallback []string) []string {
	out := []string{primary}
	for _, p := range fallback {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// Validate checks the names and the settings of the providers in use.
func (c STTConfig) Validate() error {
	for i, p := range chain(c.Provider, c.Fallback) {
		field := "provider"
		if i > 0 {
			field = "fallback"
		}
		switch p {
		case ProviderSphinx:
			if err := c.Sphinx.Validate(); err != nil {
				return &ConfigError{Field: "sphinx", Err: err}
			}
		case ProviderOpenAI:
			if err := c.OpenAI.FromEnv(os.Getenv).Validate(); err != nil {
				return &ConfigError{Field: "openai", Err: err}
			}
		default:
			return &ConfigError{Field: field, Err: fmt.Errorf("unknown recognizer %q: use sphinx or openai", p)}
		}
	}
	if c.Budget < 100*time.Millisecond || c.Budget > time.Minute {
		return &ConfigError{Field: "budget", Err: fmt.Errorf("must be between 100ms and 1m, got %v", c.Budget)}
	}
	return nil
}

// TTSConfig is the `tts:` section: which synthesizer calls use, which ones
// take over when it fails, and each provider's settings.
type TTSConfig struct {
	// Provider is the synthesizer: flite (local, English, the default),
	// espeak (local, many languages including Mandarin) or openai (any
	// OpenAI-compatible speech endpoint).
	Provider string `yaml:"provider"`
	// Fallback lists providers tried in order when the provider fails or
	// is silent longer than Budget. Default [espeak]. Calls in a language
	// the provider does not speak go to the first provider of the chain
	// that does.
	Fallback []string `yaml:"fallback"`
	// Budget is the longest silence a provider may cause before the next
	// takes over. Default 800ms.
	Budget time.Duration `yaml:"budget"`
	// Voice is the voice calls use; empty means each provider's default.
	Voice string `yaml:"voice"`
	// Flite configures flite.
	Flite flite.Config `yaml:"flite"`
	// Espeak configures espeak-ng.
	Espeak espeak.Config `yaml:"espeak"`
	// OpenAI configures the OpenAI-compatible provider; OPENAI_API_KEY and
	// OPENAI_BASE_URL fill api_key and base_url when they are empty.
	OpenAI ttsopenai.Config `yaml:"openai"`
}

// DefaultTTSConfig returns flite with espeak-ng behind it.
func DefaultTTSConfig() TTSConfig {
	return TTSConfig{Provider: ProviderFlite, Fallback: []string{ProviderEspeak}, Budget: 800 * time.Millisecond,
		Flite: flite.DefaultConfig(), Espeak: espeak.DefaultConfig(), OpenAI: ttsopenai.DefaultConfig()}
}

// Validate checks the names and the settings of the providers in use.
func (c TTSConfig) Validate() error {
	for i, p := range chain(c.Provider, c.Fallback) {
		field := "provider"
		if i > 0 {
			field = "fallback"
		}
		var err error
		switch p {
		case ProviderFlite:
			err = c.Flite.Validate()
		case ProviderEspeak:
			err = c.Espeak.Validate()
		case ProviderOpenAI:
			err = c.OpenAI.FromEnv(os.Getenv).Validate()
		default:
			return &ConfigError{Field: field, Err: fmt.Errorf("unknown synthesizer %q: use flite, espeak or openai", p)}
		}
		if err != nil {
			return &ConfigError{Field: p, Err: err}
		}
	}
	if c.Budget < 10*time.Millisecond || c.Budget > time.Minute {
		return &ConfigError{Field: "budget", Err: fmt.Errorf("must be between 10ms and 1m, got %v", c.Budget)}
	}
	return nil
}

// closers closes what a constructor opened, in reverse order.
type closers []func() error

func (cs closers) close() {
	for i := len(cs) - 1; i >= 0; i-- {
		_ = cs[i]()
	}
}

// sphinxTranscriber adapts the pocketsphinx batch decoder to stt.Transcriber.
type sphinxTranscriber struct{ r *sphinx.Recognizer }

func (s sphinxTranscriber) Transcribe(ctx context.Context, u stt.Utterance) (stt.Transcript, error) {
	return s.r.Transcribe(ctx, u.Audio, u.Hints)
}

// speechProvider is one built recognizer: the streaming form for calls and
// the utterance form for files.
type speechProvider struct {
	name        string
	recognizer  stt.Recognizer
	transcriber stt.Transcriber
}

func (c STTConfig) build(log *slog.Logger) ([]speechProvider, closers, error) {
	var cs closers
	var out []speechProvider
	for _, name := range chain(c.Provider, c.Fallback) {
		switch name {
		case ProviderSphinx:
			r, err := sphinx.New(append(c.Sphinx.Options(), sphinx.WithLogger(log))...)
			if err != nil {
				cs.close()
				return nil, nil, fmt.Errorf("%w: stt.sphinx: %w", ErrProvider, err)
			}
			cs = append(cs, r.Close)
			out = append(out, speechProvider{name, r, sphinxTranscriber{r}})
		case ProviderOpenAI:
			t, err := sttopenai.NewTranscriber(sttopenai.WithConfig(c.OpenAI), sttopenai.WithEnv(os.Getenv),
				sttopenai.WithLogger(log))
			if err != nil {
				cs.close()
				return nil, nil, fmt.Errorf("%w: stt.openai: %w", ErrProvider, err)
			}
			cs = append(cs, t.Close)
			ur, err := stt.NewUtteranceRecognizer(t, stt.WithUtteranceLogger(log))
			if err != nil {
				cs.close()
				return nil, nil, err
			}
			out = append(out, speechProvider{name, ur, ur})
		default:
			cs.close()
			return nil, nil, &ConfigError{Field: "stt.provider", Err: fmt.Errorf("unknown recognizer %q", name)}
		}
	}
	return out, cs, nil
}

// NewRecognizer builds the configured recognizer chain for calls. The
// returned function releases the engines.
func NewRecognizer(c STTConfig, log *slog.Logger) (pipeline.Recognizer, func(), error) {
	ps, cs, err := c.build(log)
	if err != nil {
		return nil, nil, err
	}
	if len(ps) == 1 {
		return ps[0].recognizer, cs.close, nil
	}
	provs := make([]stt.Provider, len(ps))
	for i, p := range ps {
		provs[i] = stt.Provider{Name: p.name, Recognizer: p.recognizer}
	}
	f, err := stt.NewFallback(provs, stt.WithBudget(c.Budget), stt.WithFallbackLogger(log))
	if err != nil {
		cs.close()
		return nil, nil, err
	}
	return f, cs.close, nil
}

// NewTranscriber builds the configured recognizers as one utterance-at-a-time
// Transcriber for files: each utterance goes to the first provider, and to
// the next ones in turn when a provider fails.
func NewTranscriber(c STTConfig, log *slog.Logger) (stt.Transcriber, func(), error) {
	ps, cs, err := c.build(log)
	if err != nil {
		return nil, nil, err
	}
	return transcriberChain{ps: ps, log: log}, cs.close, nil
}

type transcriberChain struct {
	ps  []speechProvider
	log *slog.Logger
}

func (c transcriberChain) Transcribe(ctx context.Context, u stt.Utterance) (stt.Transcript, error) {
	var errs []error
	for _, p := range c.ps {
		t, err := p.transcriber.Transcribe(ctx, u)
		if err == nil {
			return t, nil
		}
		if ctx.Err() != nil {
			return stt.Transcript{}, ctx.Err()
		}
		c.log.Warn("speech recognition failed; trying the next recognizer", "provider", p.name, "err", err)
		errs = append(errs, fmt.Errorf("%s: %w", p.name, err))
	}
	return stt.Transcript{}, errors.Join(errs...)
}

// NewSynthesizer builds the configured synthesizer chain. The returned
// function releases the engines.
func NewSynthesizer(c TTSConfig, log *slog.Logger) (tts.Synthesizer, func(), error) {
	var cs closers
	var provs []tts.Provider
	for _, name := range chain(c.Provider, c.Fallback) {
		s, closeFn, err := c.buildSynth(name, log)
		if err != nil {
			cs.close()
			return nil, nil, err
		}
		cs = append(cs, closeFn)
		provs = append(provs, tts.Provider{Name: name, Synthesizer: s})
	}
	f, err := tts.NewFallback(provs, tts.WithBudget(c.Budget), tts.WithFallbackLogger(log))
	if err != nil {
		cs.close()
		return nil, nil, err
	}
	return &languageRouter{chain: f, provs: provs, budget: c.Budget, log: log}, cs.close, nil
}

func (c TTSConfig) buildSynth(name string, log *slog.Logger) (tts.Synthesizer, func() error, error) {
	switch name {
	case ProviderFlite:
		s, err := flite.New(flite.WithConfig(c.Flite))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: tts.flite: %w", ErrProvider, err)
		}
		return s, s.Close, nil
	case ProviderEspeak:
		s, err := espeak.New(espeak.WithConfig(c.Espeak))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: tts.espeak: %w", ErrProvider, err)
		}
		return s, s.Close, nil
	case ProviderOpenAI:
		s, err := ttsopenai.New(ttsopenai.WithConfig(c.OpenAI), ttsopenai.WithEnv(os.Getenv), ttsopenai.WithLogger(log))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: tts.openai: %w", ErrProvider, err)
		}
		return s, s.Close, nil
	}
	return nil, nil, &ConfigError{Field: "tts.provider", Err: fmt.Errorf("unknown synthesizer %q", name)}
}

// languageRouter sends each request to the chain, or, when the first
// provider has no voice for the request's language, to the chain of the
// providers that have one.
type languageRouter struct {
	chain  *tts.Fallback
	provs  []tts.Provider
	budget time.Duration
	log    *slog.Logger
}

// Synthesize speaks req with the providers that speak its language.
func (r *languageRouter) Synthesize(ctx context.Context, req tts.Request, w tts.Writer) error {
	if req.Language == "" || speaks(r.provs[0].Synthesizer, req.Language) {
		return r.chain.Synthesize(ctx, req, w)
	}
	var able []tts.Provider
	for _, p := range r.provs[1:] {
		if speaks(p.Synthesizer, req.Language) {
			able = append(able, p)
		}
	}
	if len(able) == 0 {
		return r.chain.Synthesize(ctx, req, w)
	}
	f, err := tts.NewFallback(able, tts.WithBudget(r.budget), tts.WithFallbackLogger(r.log))
	if err != nil {
		return err
	}
	return f.Synthesize(ctx, req, w)
}

// Voices lists the voices of every provider.
func (r *languageRouter) Voices() []tts.Voice { return r.chain.Voices() }

// speaks reports whether s has a voice for lang ("en", "en-US", "zh",
// "cmn"). Synthesizers that do not list voices are assumed to speak it.
func speaks(s tts.Synthesizer, lang string) bool {
	l, ok := s.(tts.VoiceLister)
	if !ok {
		return true
	}
	want := baseLanguage(lang)
	for _, v := range l.Voices() {
		if baseLanguage(v.Language) == want {
			return true
		}
	}
	return false
}

// baseLanguage reduces a tag to its primary language, folding the
// Mandarin tags together.
func baseLanguage(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	base, _, _ = strings.Cut(base, "_")
	switch base {
	case "zh", "cmn", "zho", "chi":
		return "zh"
	case "eng":
		return "en"
	}
	return base
}
