package llm

import (
	"fmt"
	"net/url"
	"regexp"
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

// Config is the YAML-facing configuration of the LLM agent. Start from
// DefaultConfig and overlay the user's values: zero durations and counts
// are invalid, not defaults.
type Config struct {
	// BaseURL is the API root of any OpenAI-compatible chat server, for
	// example https://api.openai.com/v1, http://localhost:11434/v1
	// (Ollama) or http://localhost:8000/v1 (vLLM); requests go to BaseURL +
	// "/chat/completions". Empty means OPENAI_BASE_URL, then OpenAIBaseURL.
	BaseURL string `yaml:"base_url"`
	// APIKey is sent as a bearer token. Empty means OPENAI_API_KEY; it may
	// stay empty only for a server other than api.openai.com.
	APIKey string `yaml:"api_key"`
	// Model is the chat model; it must support tool calls. Default
	// "gpt-4o-mini".
	Model string `yaml:"model"`
	// Temperature is the sampling temperature, in [0, 2]. Default 0.3:
	// answers vary a little in wording, not in facts. Ignored for
	// reasoning models (o1, o3, o4, gpt-5), which fix it.
	Temperature float64 `yaml:"temperature"`
	// MaxTokens bounds the tokens the model generates per request; 0 leaves
	// it to the server. Default 400, several spoken sentences and a tool
	// call.
	MaxTokens int `yaml:"max_tokens"`
	// SystemPrompt is the system message, a Go text/template executed per
	// call with PromptData (persona, language, tools, date). Empty means
	// DefaultSystemPrompt.
	SystemPrompt string `yaml:"system_prompt"`
	// Persona is who the agent is, templated into the system prompt.
	Persona Persona `yaml:"persona"`
	// MaxToolRounds bounds the model requests of one turn that may call
	// tools; the next request is told to answer without tools, and a model
	// that calls one anyway gets the fallback. 0 offers no tools. Default
	// 3; at most 10.
	MaxToolRounds int `yaml:"max_tool_rounds"`
	// MaxSentences cuts an answer that runs longer: the agent stops
	// reading the model after this many sentences in a turn. Default 6;
	// 1 to 50.
	MaxSentences int `yaml:"max_sentences"`
	// MaxHistory is the most messages of the conversation sent with each
	// request, the latest ones; it bounds the request's size on long
	// calls. Default 40; 1 to 1000.
	MaxHistory int `yaml:"max_history"`
	// FirstTokenTimeout bounds the wait for the first token of each model
	// request, and any later silence of the stream as long. When it
	// expires the request is abandoned and the fallback is spoken (the
	// caller is waiting in silence: no retry). It is checked every eighth
	// of itself, so it may run over by that much. Default 4s.
	FirstTokenTimeout time.Duration `yaml:"first_token_timeout"`
	// TurnTimeout bounds the whole turn: every model request, retry and
	// tool call, up to the last sentence handed to the session. When it
	// expires the fallback is spoken after what was already said. Default
	// 15s.
	TurnTimeout time.Duration `yaml:"turn_timeout"`
	// ToolTimeout bounds one tool call; a tool that does not answer in
	// time gives the model an error result. Default 5s.
	ToolTimeout time.Duration `yaml:"tool_timeout"`
	// Retries is how many times a model request that failed before its
	// first token with a transient error (HTTP 408, 409, 429, 5xx, a
	// dropped connection) is repeated; 0 disables retries. Default 2.
	Retries int `yaml:"retries"`
	// Backoff is the wait before the first retry; each further retry waits
	// twice as long, with random jitter of up to half the wait. A
	// Retry-After from the server makes the wait at least that long.
	// Default 250ms.
	Backoff time.Duration `yaml:"backoff"`
	// MaxBackoff caps the wait between attempts. A server asking (with
	// Retry-After) for a longer wait fails the turn at once instead: the
	// caller is waiting. Default 2s.
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// FallbackPrompt is spoken when the model fails (error, timeout, empty
	// or broken answer). Empty means a built-in apology in the call's
	// language (English or Mandarin): with FallbackQueue set, "Sorry, I'm
	// having trouble right now. Let me transfer you to a colleague.",
	// else "Sorry, I'm having trouble right now. Please try again in a
	// moment."
	FallbackPrompt string `yaml:"fallback_prompt"`
	// FallbackQueue is the queue the call is handed to after the fallback
	// prompt; empty says the apology only. Default "general".
	FallbackQueue string `yaml:"fallback_queue"`
	// HandoffQueues are the queues the model may choose between when it
	// calls transfer_to_human; a queue it makes up goes to DefaultQueue.
	// Empty offers no choice: every transfer goes to DefaultQueue.
	HandoffQueues []string `yaml:"handoff_queues"`
	// DefaultQueue receives transfers that name no known queue. Default
	// "general"; it must be one of HandoffQueues when those are set.
	DefaultQueue string `yaml:"default_queue"`
}

// Persona is who the agent is. Its fields are templated into the system
// prompt; empty fields are left out.
type Persona struct {
	// Name is the agent's name ("Ava").
	Name string `yaml:"name"`
	// Company is the company the agent speaks for ("Northwind
	// Outfitters").
	Company string `yaml:"company"`
	// Style describes how it speaks ("warm and concise").
	Style string `yaml:"style"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Model:             "gpt-4o-mini",
		Temperature:       0.3,
		MaxTokens:         400,
		MaxToolRounds:     3,
		MaxSentences:      6,
		MaxHistory:        40,
		FirstTokenTimeout: 4 * time.Second,
		TurnTimeout:       15 * time.Second,
		ToolTimeout:       5 * time.Second,
		Retries:           2,
		Backoff:           250 * time.Millisecond,
		MaxBackoff:        2 * time.Second,
		FallbackQueue:     "general",
		DefaultQueue:      "general",
		Persona:           Persona{Style: "warm, patient and concise"},
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

// queueName is what a queue name may look like.
var queueName = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// Validate reports the first invalid value as a *ConfigError naming the
// YAML field. It requires an API key for api.openai.com, so apply FromEnv
// first.
func (c Config) Validate() error {
	if p, err := url.Parse(c.baseURL()); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return configErr("base_url", "%q is not an http(s) URL such as %s or http://localhost:11434/v1", c.BaseURL, OpenAIBaseURL)
	}
	if c.APIKey == "" && isOpenAI(c.baseURL()) {
		return configErr("api_key", "is empty: set OPENAI_API_KEY or api_key (a server of your own set in base_url may run without a key)")
	}
	if strings.TrimSpace(c.Model) == "" {
		return configErr("model", "is empty: set it to a chat model with tool calls, such as gpt-4o-mini or llama3.1")
	}
	if err := c.validateNumbers(); err != nil {
		return err
	}
	if err := c.validateQueues(); err != nil {
		return err
	}
	if _, err := parsePrompt(c.SystemPrompt); err != nil {
		return configErr("system_prompt", "%v", err)
	}
	return nil
}

// validateNumbers checks the numeric fields.
func (c Config) validateNumbers() error {
	checks := []struct {
		bad          bool
		field, probl string
		got          any
	}{
		{!(c.Temperature >= 0 && c.Temperature <= 2), "temperature", "must be in [0, 2]", c.Temperature},
		{c.MaxTokens < 0 || c.MaxTokens > 1<<20, "max_tokens", "must be 0 (server default) to 1048576", c.MaxTokens},
		{c.MaxToolRounds < 0 || c.MaxToolRounds > 10, "max_tool_rounds", "must be 0 to 10", c.MaxToolRounds},
		{c.MaxSentences < 1 || c.MaxSentences > 50, "max_sentences", "must be 1 to 50", c.MaxSentences},
		{c.MaxHistory < 1 || c.MaxHistory > 1000, "max_history", "must be 1 to 1000", c.MaxHistory},
		{c.FirstTokenTimeout <= 0, "first_token_timeout", "must be positive, such as 4s", c.FirstTokenTimeout},
		{c.TurnTimeout < c.FirstTokenTimeout, "turn_timeout", fmt.Sprintf("must be at least first_token_timeout (%v)", c.FirstTokenTimeout), c.TurnTimeout},
		{c.ToolTimeout <= 0, "tool_timeout", "must be positive, such as 5s", c.ToolTimeout},
		{c.Retries < 0 || c.Retries > 10, "retries", "must be 0 to 10", c.Retries},
		{c.Backoff <= 0, "backoff", "must be positive, such as 250ms", c.Backoff},
		{c.MaxBackoff < c.Backoff, "max_backoff", fmt.Sprintf("must be at least backoff (%v)", c.Backoff), c.MaxBackoff},
	}
	for _, ch := range checks {
		if ch.bad {
			return configErr(ch.field, "%s, got %v", ch.probl, ch.got)
		}
	}
	return nil
}

// validateQueues checks the handoff queues.
func (c Config) validateQueues() error {
	if !queueName.MatchString(c.DefaultQueue) {
		return configErr("default_queue", "%q is not a queue name (1 to 64 letters, digits, _ . : -)", c.DefaultQueue)
	}
	if c.FallbackQueue != "" && !queueName.MatchString(c.FallbackQueue) {
		return configErr("fallback_queue", "%q is not a queue name (1 to 64 letters, digits, _ . : -; empty for no transfer)", c.FallbackQueue)
	}
	seen := map[string]bool{}
	for i, q := range c.HandoffQueues {
		if !queueName.MatchString(q) {
			return configErr(fmt.Sprintf("handoff_queues[%d]", i), "%q is not a queue name (1 to 64 letters, digits, _ . : -)", q)
		}
		if seen[q] {
			return configErr(fmt.Sprintf("handoff_queues[%d]", i), "%q is listed twice", q)
		}
		seen[q] = true
	}
	if len(c.HandoffQueues) > 0 && !seen[c.DefaultQueue] {
		return configErr("default_queue", "%q must be one of handoff_queues %v", c.DefaultQueue, c.HandoffQueues)
	}
	return nil
}

// isOpenAI reports whether u is OpenAI's own API, which needs a key.
func isOpenAI(u string) bool {
	p, err := url.Parse(u)
	return err == nil && strings.EqualFold(p.Hostname(), "api.openai.com")
}
