package llmnlu

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

// Modes of asking the model for its classification.
const (
	// ModeTool forces a call of the function "classify" whose parameters
	// constrain the intent to the domain's (an enum) and the slots to the
	// domain's. Most reliable with OpenAI, vLLM and llama.cpp server.
	ModeTool = "tool"
	// ModeJSON asks for a JSON object (response_format json_object), for
	// servers without tool calls.
	ModeJSON = "json"
)

// Config is the YAML-facing configuration of the LLM intent classifier.
// Start from DefaultConfig and overlay the user's values.
type Config struct {
	// BaseURL is the API root of any OpenAI-compatible chat server. Empty
	// means OPENAI_BASE_URL, then OpenAIBaseURL.
	BaseURL string `yaml:"base_url"`
	// APIKey is sent as a bearer token. Empty means OPENAI_API_KEY; it may
	// stay empty only for a server other than api.openai.com.
	APIKey string `yaml:"api_key"`
	// Model is the chat model. Default "gpt-4o-mini".
	Model string `yaml:"model"`
	// Mode is ModeTool (default) or ModeJSON.
	Mode string `yaml:"mode"`
	// Temperature is the sampling temperature, in [0, 2]. Default 0: the
	// same words get the same intent.
	Temperature float64 `yaml:"temperature"`
	// MaxTokens bounds the model's answer. Default 200, plenty for an
	// intent and a few slots.
	MaxTokens int `yaml:"max_tokens"`
	// Timeout bounds the model's answer; past it the local parser's result
	// is used. Default 1.5s: the caller is waiting for the bot's answer.
	Timeout time.Duration `yaml:"timeout"`
	// MinConfidence is the confidence below which the model's intent is
	// reported as nlu.NoIntent. Default 0.5.
	MinConfidence float64 `yaml:"min_confidence"`
	// MaxExamples is how many example utterances of each intent the prompt
	// shows the model. More help it tell close intents apart and cost
	// prompt tokens. Default 6; 0 shows none.
	MaxExamples int `yaml:"max_examples"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Model:         "gpt-4o-mini",
		Mode:          ModeTool,
		MaxTokens:     200,
		Timeout:       1500 * time.Millisecond,
		MinConfidence: 0.5,
		MaxExamples:   6,
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

// String returns the configuration with the API key masked, so that it can
// be logged.
func (c Config) String() string {
	if len(c.APIKey) < 12 {
		c.APIKey = strings.Repeat("*", len(c.APIKey))
	} else {
		c.APIKey = c.APIKey[:3] + "..." + c.APIKey[len(c.APIKey)-4:]
	}
	type plain Config // without this method
	return fmt.Sprintf("%+v", plain(c))
}

// baseURL returns the API root requests go to, without a trailing slash.
func (c Config) baseURL() string {
	if c.BaseURL == "" {
		return OpenAIBaseURL
	}
	return strings.TrimRight(c.BaseURL, "/")
}

// Validate reports the first invalid value as a *ConfigError naming the
// YAML field. It requires an API key for api.openai.com, so apply FromEnv
// first.
func (c Config) Validate() error {
	p, err := url.Parse(c.baseURL())
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return configErr("base_url", "%q is not an http(s) URL such as %s or http://localhost:11434/v1", c.BaseURL, OpenAIBaseURL)
	}
	if c.APIKey == "" && strings.EqualFold(p.Hostname(), "api.openai.com") {
		return configErr("api_key", "is empty: set OPENAI_API_KEY or api_key (a server of your own set in base_url may run without a key)")
	}
	checks := []struct {
		bad          bool
		field, probl string
		got          any
	}{
		{strings.TrimSpace(c.Model) == "", "model", "is empty: set a chat model such as gpt-4o-mini", c.Model},
		{c.Mode != ModeTool && c.Mode != ModeJSON, "mode", "must be tool or json", c.Mode},
		{!(c.Temperature >= 0 && c.Temperature <= 2), "temperature", "must be in [0, 2]", c.Temperature},
		{c.MaxTokens < 16 || c.MaxTokens > 4096, "max_tokens", "must be 16 to 4096", c.MaxTokens},
		{c.Timeout <= 0, "timeout", "must be positive, such as 1.5s", c.Timeout},
		{!(c.MinConfidence >= 0 && c.MinConfidence <= 1), "min_confidence", "must be in [0, 1]", c.MinConfidence},
		{c.MaxExamples < 0 || c.MaxExamples > 100, "max_examples", "must be 0 to 100", c.MaxExamples},
	}
	for _, ch := range checks {
		if ch.bad {
			return configErr(ch.field, "%s, got %v", ch.probl, ch.got)
		}
	}
	return nil
}
