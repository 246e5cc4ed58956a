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

// Config is the YAML-facing configuration of the transcriber (the
// `stt.openai:` section of the server configuration). Start from
// DefaultConfig and overlay the user's values: zero durations are invalid,
// not defaults.
type Config struct {
	// BaseURL is the API root, for example https://api.openai.com/v1 or
	// http://localhost:8000/v1 for a local Whisper server; requests go to
	// BaseURL + "/audio/transcriptions". Empty means OPENAI_BASE_URL, then
	// OpenAIBaseURL.
	BaseURL string `yaml:"base_url"`
	// APIKey is sent as a bearer token. Empty means OPENAI_API_KEY; it may
	// stay empty only for a server other than api.openai.com.
	APIKey string `yaml:"api_key"`
	// Model is the transcription model. Default "whisper-1". Models that
	// cannot return verbose_json (gpt-4o-transcribe...) work, without word
	// timings and confidence (see Transcriber).
	Model string `yaml:"model"`
	// Language is the ISO 639-1 code ("en") or BCP 47 tag ("en-US") used
	// when an utterance does not name one; empty lets the server detect
	// the language, which costs accuracy on short utterances. Default
	// empty.
	Language string `yaml:"language"`
	// Prompt is text given to the model before every utterance's hints,
	// for example the company's product names. Default empty.
	Prompt string `yaml:"prompt"`
	// Timeout bounds one attempt, from sending the request to the end of
	// the answer. Default 10s: a few seconds of speech take well under
	// one second on a healthy server, and a caller waits for the answer.
	Timeout time.Duration `yaml:"timeout"`
	// Retries is how many times a failed attempt is repeated when the
	// failure may be transient (HTTP 408, 409, 429, 5xx, network errors,
	// timeouts); 0 disables retries. Default 2 (three attempts).
	Retries int `yaml:"retries"`
	// Backoff is the wait before the first retry; each further retry waits
	// twice as long, with random jitter of up to half the wait. Default
	// 200ms.
	Backoff time.Duration `yaml:"backoff"`
	// MaxBackoff caps the wait between attempts. A server asking (with
	// Retry-After) for a longer wait fails the utterance at once instead:
	// the caller is waiting. Default 2s.
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// NoSpeechThreshold and LogprobThreshold drop segments that Whisper
	// decoded from silence or noise: a segment whose no_speech_prob is
	// above NoSpeechThreshold and whose avg_logprob is below
	// LogprobThreshold is discarded with its words, as Whisper's own
	// transcribe() does. Defaults 0.6 and -1.0 (Whisper's); a
	// LogprobThreshold of 0 drops every segment likely to be silence.
	NoSpeechThreshold float64 `yaml:"no_speech_threshold"`
	// LogprobThreshold: see NoSpeechThreshold.
	LogprobThreshold float64 `yaml:"logprob_threshold"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Model:             "whisper-1",
		Timeout:           10 * time.Second,
		Retries:           2,
		Backoff:           200 * time.Millisecond,
		MaxBackoff:        2 * time.Second,
		NoSpeechThreshold: 0.6,
		LogprobThreshold:  -1.0,
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
	if err := validateBaseURL(c.baseURL()); err != nil {
		return err
	}
	if c.APIKey == "" && isOpenAI(c.baseURL()) {
		return fmt.Errorf("%w: stt.openai.api_key is empty: set OPENAI_API_KEY or stt.openai.api_key (a server of your own set in stt.openai.base_url may run without a key)", ErrConfig)
	}
	if strings.TrimSpace(c.Model) == "" {
		return fmt.Errorf("%w: stt.openai.model is empty: set it to a transcription model the server has, such as whisper-1", ErrConfig)
	}
	checks := []struct {
		bad  bool
		what string
	}{
		{c.Timeout <= 0, fmt.Sprintf("stt.openai.timeout must be positive, got %v", c.Timeout)},
		{c.Retries < 0 || c.Retries > 10, fmt.Sprintf("stt.openai.retries must be 0..10, got %d", c.Retries)},
		{c.Backoff <= 0, fmt.Sprintf("stt.openai.backoff must be positive, got %v", c.Backoff)},
		{c.MaxBackoff < c.Backoff, fmt.Sprintf("stt.openai.max_backoff must be at least stt.openai.backoff (%v), got %v", c.Backoff, c.MaxBackoff)},
		{!(c.NoSpeechThreshold >= 0 && c.NoSpeechThreshold <= 1), fmt.Sprintf("stt.openai.no_speech_threshold must be in [0, 1], got %v", c.NoSpeechThreshold)},
		{!(c.LogprobThreshold <= 0), fmt.Sprintf("stt.openai.logprob_threshold must be at most 0, got %v", c.LogprobThreshold)},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%w: %s", ErrConfig, ch.what)
		}
	}
	return nil
}

// validateBaseURL checks that u is an absolute http or https URL.
func validateBaseURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("%w: stt.openai.base_url %q is not an http(s) URL such as %s or http://localhost:8000/v1", ErrConfig, u, OpenAIBaseURL)
	}
	return nil
}

// isOpenAI reports whether u is OpenAI's own API, which needs a key.
func isOpenAI(u string) bool {
	p, err := url.Parse(u)
	return err == nil && strings.EqualFold(p.Hostname(), "api.openai.com")
}
