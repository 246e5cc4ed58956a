package llm

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		desc  string
		edit  func(*Config)
		field string // "" when valid
	}{
		{desc: "defaults with a key", edit: func(c *Config) {}},
		{desc: "a local server needs no key", edit: func(c *Config) { c.APIKey, c.BaseURL = "", "http://localhost:11434/v1" }},
		{desc: "OpenAI needs a key", edit: func(c *Config) { c.APIKey = "" }, field: "api_key"},
		{desc: "base_url not http", edit: func(c *Config) { c.BaseURL = "ftp://x" }, field: "base_url"},
		{desc: "empty model", edit: func(c *Config) { c.Model = " " }, field: "model"},
		{desc: "temperature too high", edit: func(c *Config) { c.Temperature = 2.5 }, field: "temperature"},
		{desc: "negative max_tokens", edit: func(c *Config) { c.MaxTokens = -1 }, field: "max_tokens"},
		{desc: "too many tool rounds", edit: func(c *Config) { c.MaxToolRounds = 11 }, field: "max_tool_rounds"},
		{desc: "no sentences", edit: func(c *Config) { c.MaxSentences = 0 }, field: "max_sentences"},
		{desc: "no history", edit: func(c *Config) { c.MaxHistory = 0 }, field: "max_history"},
		{desc: "zero first_token_timeout", edit: func(c *Config) { c.FirstTokenTimeout = 0 }, field: "first_token_timeout"},
		{desc: "turn shorter than first token", edit: func(c *Config) { c.TurnTimeout = time.Second }, field: "turn_timeout"},
		{desc: "zero tool_timeout", edit: func(c *Config) { c.ToolTimeout = 0 }, field: "tool_timeout"},
		{desc: "negative retries", edit: func(c *Config) { c.Retries = -1 }, field: "retries"},
		{desc: "zero backoff", edit: func(c *Config) { c.Backoff = 0 }, field: "backoff"},
		{desc: "max_backoff below backoff", edit: func(c *Config) { c.MaxBackoff = time.Millisecond }, field: "max_backoff"},
		{desc: "bad default queue", edit: func(c *Config) { c.DefaultQueue = "" }, field: "default_queue"},
		{desc: "bad fallback queue", edit: func(c *Config) { c.FallbackQueue = "a b" }, field: "fallback_queue"},
		{desc: "no fallback queue is fine", edit: func(c *Config) { c.FallbackQueue = "" }},
		{desc: "duplicate handoff queue", edit: func(c *Config) { c.HandoffQueues = []string{"general", "general"} }, field: "handoff_queues[1]"},
		{desc: "default queue not among the queues", edit: func(c *Config) { c.HandoffQueues = []string{"billing"} }, field: "default_queue"},
		{desc: "a broken template", edit: func(c *Config) { c.SystemPrompt = "Hi {{.Name" }, field: "system_prompt"},
		{desc: "a template with an unknown field", edit: func(c *Config) { c.SystemPrompt = "Hi {{.Nickname}}" }, field: "system_prompt"},
		{desc: "a custom template", edit: func(c *Config) { c.SystemPrompt = "You are {{.Name}} of {{.Company}}, speaking {{.Language}}." }},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c := DefaultConfig()
			c.APIKey = "sk-0123456789abcdef"
			tc.edit(&c)
			err := c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate = %v, want a ConfigError on %s", err, tc.field)
			}
			if !strings.HasPrefix(err.Error(), tc.field+": ") {
				t.Errorf("message %q does not start with the field", err)
			}
		})
	}
}

func TestConfigFromEnvAndString(t *testing.T) {
	env := map[string]string{EnvAPIKey: " sk-from-the-environment ", EnvBaseURL: "http://localhost:8000/v1"}
	c := DefaultConfig().FromEnv(func(k string) string { return env[k] })
	if c.APIKey != "sk-from-the-environment" || c.BaseURL != "http://localhost:8000/v1" {
		t.Errorf("FromEnv = %q %q", c.APIKey, c.BaseURL)
	}
	set := DefaultConfig()
	set.APIKey, set.BaseURL = "sk-mine", "http://example.com/v1"
	if got := set.FromEnv(func(k string) string { return env[k] }); got.APIKey != "sk-mine" || got.BaseURL != "http://example.com/v1" {
		t.Errorf("FromEnv overwrote set fields: %q %q", got.APIKey, got.BaseURL)
	}
	if s := c.String(); strings.Contains(s, "from-the-environment") || !strings.Contains(s, "sk-...ment") {
		t.Errorf("String does not mask the key: %s", s)
	}
}

func TestConfigYAML(t *testing.T) {
	src := `
base_url: http://localhost:11434/v1
model: llama3.1
temperature: 0.2
max_tokens: 300
persona: {name: Ava, company: Northwind Outfitters, style: warm and concise}
max_tool_rounds: 2
max_sentences: 4
first_token_timeout: 3s
turn_timeout: 12s
tool_timeout: 2500ms
retries: 1
fallback_prompt: Sorry, one moment please.
fallback_queue: ""
handoff_queues: [general, billing, mandarin]
default_queue: general
`
	c := DefaultConfig()
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Persona.Company != "Northwind Outfitters" || c.FirstTokenTimeout != 3*time.Second || c.ToolTimeout != 2500*time.Millisecond ||
		c.FallbackQueue != "" || len(c.HandoffQueues) != 3 || c.MaxHistory != 40 {
		t.Errorf("decoded %+v", c)
	}
}
