package openai

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// OpenAIBaseURL is the API root used when neither Config.BaseURL nor
// OPENAI_BASE_URL is set.
const OpenAIBaseURL = "https://api.openai.com/v1"

// Environment variables read by Config.FromEnv.
const (
	// EnvAPIKey holds the API key when Config.APIKey is empty.
	EnvAPIKey = "OPENAI_API_KEY"
	// EnvBaseURL holds the API root when Config.BaseURL is empty.
	EnvBaseURL = "OPENAI_BASE_URL"
)

// Config is the YAML-facing configuration of the synthesizer (the
// `tts.openai:` section of the server configuration). Start from
// DefaultConfig and overlay the user's values: zero values are invalid, not
// defaults, except for Retries and Instructions.
type Config struct {
	// BaseURL is the API root, for example https://api.openai.com/v1 or
	// http://localhost:8880/v1 for a local server; requests go to
	// BaseURL + "/audio/speech". Empty means OPENAI_BASE_URL, then
	// OpenAIBaseURL.
	BaseURL string `yaml:"base_url"`
	// APIKey is sent as a bearer token. Empty means OPENAI_API_KEY; it may
	// stay empty only for a server other than api.openai.com.
	APIKey string `yaml:"api_key"`
	// Model is the speech model. Default "tts-1", the low-latency one.
	Model string `yaml:"model"`
	// Voice is the voice used when a request names none. Default "alloy".
	Voice string `yaml:"voice"`
	// Speed is the speaking speed, 0.25 to 4.0. Default 1.0.
	Speed float64 `yaml:"speed"`
	// Instructions steer the voice of models that take them
	// (gpt-4o-mini-tts: "Speak in a calm, friendly tone."). Default empty.
	Instructions string `yaml:"instructions"`
	// Timeout bounds the wait for the first audio after sending a request,
	// and then any stall in the audio stream. Default 5s: OpenAI's tts-1
	// usually starts within a second, and the caller hears silence while
	// it waits.
	Timeout time.Duration `yaml:"timeout"`
	// Retries is how many times a request is repeated after a transient
	// failure (HTTP 408, 409, 429, 5xx, network errors, timeouts) before
	// any audio was handed on; 0 disables retries. Default 2.
	Retries int `yaml:"retries"`
	// Backoff is the wait before the first retry; each further retry waits
	// twice as long, with random jitter of up to half the wait. Default
	// 200ms.
	Backoff time.Duration `yaml:"backoff"`
	// MaxBackoff caps the wait between attempts; a server asking (with
	// Retry-After) for a longer wait fails the sentence at once. Default 2s.
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// PCMRate is the sample rate of the server's raw PCM, in Hz. Default
	// 24000, OpenAI's; WAV answers carry their own rate.
	PCMRate int `yaml:"pcm_rate"`
	// SpeakingRate is the estimated speaking rate at speed 1.0, in
	// characters per second, used to tell which words each chunk of audio
	// speaks (the endpoint reports no timings). Default 14, about 150
	// English words a minute.
	SpeakingRate float64 `yaml:"speaking_rate"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Model:        "tts-1",
		Voice:        "alloy",
		Speed:        1.0,
		Timeout:      5 * time.Second,
		Retries:      2,
		Backoff:      200 * time.Millisecond,
		MaxBackoff:   2 * time.Second,
		PCMRate:      24000,
		SpeakingRate: 14,
	}
}

// FromEnv returns c with an empty APIKey and BaseURL filled from the
// environment variables EnvAPIKey and EnvBaseURL, read with getenv (pass
// os.Getenv). A nil getenv returns c unchanged.
func (c Config) FromEnv(getenv func(string) string) Config {
	if getenv == nil {
		return c
	}
	if c.APIKey == "" {
		c.APIKey = strings.TrimSpace(getenv(EnvAPIKey))
	}
	if c.BaseURL == "" {
		c.BaseURL = strings.TrimSpace(getenv(EnvBaseURL))
	}
	return c
}

// String returns the configuration with the API key masked, so that it
// can be logged.
func (c Config) String() string {
	c.APIKey = maskKey(c.APIKey)
	type plain Config // without this method
	return fmt.Sprintf("%+v", plain(c))
}

// maskKey keeps the first and last characters of a key that is long enough
// to stay secret without them.
func maskKey(key string) string {
	if len(key) < 12 {
		return strings.Repeat("*", len(key))
	}
	return key[:3] + "..." + key[len(key)-4:]
}

// baseURL returns the API root requests go to, without a trailing slash.
func (c Config) baseURL() string {
	if c.BaseURL == "" {
		return OpenAIBaseURL
	}
	return strings.TrimRight(c.BaseURL, "/")
}

// Validate reports the first invalid value, wrapped in ErrConfig, naming
// the YAML field. It also requires an API key for api.openai.com, so apply
// FromEnv first.
func (c Config) Validate() error {
	p, err := url.Parse(c.baseURL())
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("%w: tts.openai.base_url %q is not an http(s) URL such as %s or http://localhost:8880/v1", ErrConfig, c.BaseURL, OpenAIBaseURL)
	}
	if c.APIKey == "" && strings.EqualFold(p.Hostname(), "api.openai.com") {
		return fmt.Errorf("%w: tts.openai.api_key is empty: set OPENAI_API_KEY or tts.openai.api_key (a server of your own set in tts.openai.base_url may run without a key)", ErrConfig)
	}
	checks := []struct {
		bad  bool
		what string
	}{
		{strings.TrimSpace(c.Model) == "", "tts.openai.model is empty: set it to a speech model the server has, such as tts-1"},
		{strings.TrimSpace(c.Voice) == "", "tts.openai.voice is empty: set it to a voice the server has, such as alloy"},
		{!(c.Speed >= 0.25 && c.Speed <= 4), fmt.Sprintf("tts.openai.speed must be 0.25..4.0, got %v", c.Speed)},
		{c.Timeout <= 0, fmt.Sprintf("tts.openai.timeout must be positive, got %v", c.Timeout)},
		{c.Retries < 0 || c.Retries > 10, fmt.Sprintf("tts.openai.retries must be 0..10, got %d", c.Retries)},
		{c.Backoff <= 0, fmt.Sprintf("tts.openai.backoff must be positive, got %v", c.Backoff)},
		{c.MaxBackoff < c.Backoff, fmt.Sprintf("tts.openai.max_backoff must be at least tts.openai.backoff (%v), got %v", c.Backoff, c.MaxBackoff)},
		{c.PCMRate < 1000 || c.PCMRate > 384000, fmt.Sprintf("tts.openai.pcm_rate must be 1000..384000 Hz, got %d", c.PCMRate)},
		{!(c.SpeakingRate >= 1 && c.SpeakingRate <= 100), fmt.Sprintf("tts.openai.speaking_rate must be 1..100 characters per second, got %v", c.SpeakingRate)},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%w: %s", ErrConfig, ch.what)
		}
	}
	return nil
}

// isOpenAI reports whether the configured server is OpenAI's own API.
func (c Config) isOpenAI() bool {
	p, err := url.Parse(c.baseURL())
	return err == nil && strings.EqualFold(p.Hostname(), "api.openai.com")
}
