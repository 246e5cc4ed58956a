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

// Encoding formats of the embeddings endpoint.
const (
	// EncodingFloat asks for vectors as JSON numbers, which every
	// OpenAI-compatible server supports.
	EncodingFloat = "float"
	// EncodingBase64 asks for vectors as base64 of little-endian
	// float32s: a quarter of the bytes, supported by OpenAI and most
	// servers (vLLM, llama.cpp, Ollama).
	EncodingBase64 = "base64"
)

// Config is the YAML-facing configuration of the OpenAI-compatible
// embedder (the `knowledge.openai:` section of the server
// configuration). Start from DefaultConfig and overlay the user's values:
// zero durations are invalid, not defaults.
type Config struct {
	// BaseURL is the API root, for example https://api.openai.com/v1 or
	// http://localhost:11434/v1 for Ollama; requests go to BaseURL +
	// "/embeddings". Empty means OPENAI_BASE_URL, then OpenAIBaseURL.
	BaseURL string `yaml:"base_url"`
	// APIKey is sent as a bearer token. Empty means OPENAI_API_KEY; it may
	// stay empty only for a server other than api.openai.com.
	APIKey string `yaml:"api_key"`
	// Model is the embedding model. Default "text-embedding-3-small".
	Model string `yaml:"model"`
	// Dimensions is the length of the vectors. When set, it is sent as
	// the request's "dimensions" field, which text-embedding-3 models use
	// to return shorter vectors; leave it 0 for models that cannot
	// shorten theirs, and the embedder asks the server for one vector
	// when it starts to learn their length. Default 0.
	Dimensions int `yaml:"dimensions"`
	// BatchSize is the most texts sent in one request. Default 64.
	BatchSize int `yaml:"batch_size"`
	// EncodingFormat is how vectors travel: "float" or "base64". Default
	// "float", which every compatible server supports.
	EncodingFormat string `yaml:"encoding_format"`
	// QueryPrefix and DocumentPrefix are prepended to questions and to
	// chunks before embedding, for models trained with instructions
	// ("search_query: " and "search_document: " for nomic-embed-text,
	// "query: " and "passage: " for e5). Defaults empty.
	QueryPrefix string `yaml:"query_prefix"`
	// DocumentPrefix: see QueryPrefix. Changing it changes Name, since
	// stored vectors depend on it.
	DocumentPrefix string `yaml:"document_prefix"`
	// Timeout bounds one attempt (one batch). Default 30s.
	Timeout time.Duration `yaml:"timeout"`
	// Retries is how many times a failed attempt is repeated when the
	// failure may be transient (HTTP 408, 409, 429, 5xx, network errors,
	// timeouts); 0 disables retries. Default 3.
	Retries int `yaml:"retries"`
	// Backoff is the wait before the first retry; each further retry
	// waits twice as long, with random jitter of up to half the wait.
	// Default 500ms.
	Backoff time.Duration `yaml:"backoff"`
	// MaxBackoff caps the wait between attempts; a server asking (with
	// Retry-After) for a longer wait fails the request at once. Default
	// 10s.
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Model:          "text-embedding-3-small",
		BatchSize:      64,
		EncodingFormat: EncodingFloat,
		Timeout:        30 * time.Second,
		Retries:        3,
		Backoff:        500 * time.Millisecond,
		MaxBackoff:     10 * time.Second,
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
	if p, err := url.Parse(c.baseURL()); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("%w: base_url: %q is not an http(s) URL such as %s or http://localhost:11434/v1", ErrConfig, c.baseURL(), OpenAIBaseURL)
	}
	if c.APIKey == "" && isOpenAI(c.baseURL()) {
		return fmt.Errorf("%w: api_key: empty: set OPENAI_API_KEY or knowledge.openai.api_key (a server of your own set in base_url may run without a key)", ErrConfig)
	}
	checks := []struct {
		bad  bool
		what string
	}{
		{strings.TrimSpace(c.Model) == "", "model: empty: set it to an embedding model the server has, such as text-embedding-3-small"},
		{c.Dimensions < 0 || c.Dimensions > 65536, fmt.Sprintf("dimensions: must be in [0, 65536], got %d", c.Dimensions)},
		{c.BatchSize < 1 || c.BatchSize > 2048, fmt.Sprintf("batch_size: must be in [1, 2048], got %d", c.BatchSize)},
		{c.EncodingFormat != EncodingFloat && c.EncodingFormat != EncodingBase64, fmt.Sprintf("encoding_format: must be float or base64, got %q", c.EncodingFormat)},
		{c.Timeout <= 0, fmt.Sprintf("timeout: must be positive, got %v", c.Timeout)},
		{c.Retries < 0 || c.Retries > 10, fmt.Sprintf("retries: must be 0..10, got %d", c.Retries)},
		{c.Backoff <= 0, fmt.Sprintf("backoff: must be positive, got %v", c.Backoff)},
		{c.MaxBackoff < c.Backoff, fmt.Sprintf("max_backoff: must be at least backoff (%v), got %v", c.Backoff, c.MaxBackoff)},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%w: %s", ErrConfig, ch.what)
		}
	}
	return nil
}

// isOpenAI reports whether u is OpenAI's own API, which needs a key.
func isOpenAI(u string) bool {
	p, err := url.Parse(u)
	return err == nil && strings.EqualFold(p.Hostname(), "api.openai.com")
}
