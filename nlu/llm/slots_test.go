package llmnlu

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-voice/parley/nlu"
)

func TestNormalize(t *testing.T) {
	d := domainEN()
	tests := []struct {
		desc, slot, in, want string // want "" means rejected
	}{
		{desc: "digits with separators", slot: "order_number", in: "482-7163", want: "4827163"},
		{desc: "digits too short", slot: "order_number", in: "48271", want: ""},
		{desc: "digits as words", slot: "order_number", in: "four eight two", want: ""},
		{desc: "email lowercased, spaces removed", slot: "email", in: "Jane.Doe @Example.com", want: "jane.doe@example.com"},
		{desc: "email without a domain", slot: "email", in: "jane at example", want: ""},
		{desc: "money with a sign and a comma", slot: "amount", in: "$1,299", want: "1299.00"},
		{desc: "money with cents", slot: "amount", in: "42.5", want: "42.50"},
		{desc: "money in words", slot: "amount", in: "forty two", want: ""},
		{desc: "enum value", slot: "store", in: "Denver", want: "denver"},
		{desc: "enum synonym", slot: "store", in: "the Vermont store", want: "burlington"},
		{desc: "enum with spaces for underscores", slot: "day", in: "New Years Day", want: "new_years_day"},
		{desc: "enum value unknown", slot: "store", in: "seattle", want: ""},
		{desc: "text lowercased and spaced", slot: "product", in: "  Down   Jacket ", want: "down jacket"},
		{desc: "empty", slot: "product", in: "  ", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := normalize(d.Slots[tc.slot], tc.in)
			if tc.want == "" {
				if err == nil {
					t.Errorf("normalize(%q) = %q, want rejected", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("normalize(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestDecodeClassification(t *testing.T) {
	tests := []struct {
		desc, raw string
		intent    string
		conf      float64
		hasConf   bool
		slots     string
		bad       bool
	}{
		{desc: "plain", raw: `{"intent":"deny","confidence":0.8,"slots":{"a":"x"}}`, intent: "deny", conf: 0.8, hasConf: true, slots: "a=x"},
		{desc: "numbers and nulls in slots", raw: `{"intent":"x","slots":{"n":4827163,"f":42.5,"z":null,"b":true,"e":""}}`, intent: "x", slots: "f=42.5 n=4827163"},
		{desc: "confidence clamped", raw: `{"intent":"x","confidence":7}`, intent: "x", conf: 1, hasConf: true},
		{desc: "confidence as text", raw: `{"intent":"x","confidence":"0.25"}`, intent: "x", conf: 0.25, hasConf: true},
		{desc: "words around", raw: "Sure! {\"intent\":\"x\"} Hope this helps.", intent: "x"},
		{desc: "no intent", raw: `{"confidence":1}`, bad: true},
		{desc: "not JSON", raw: `intent: x`, bad: true},
		{desc: "too long", raw: `{"intent":"` + strings.Repeat("x", maxOutput) + `"}`, bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c, err := decodeClassification(tc.raw)
			if tc.bad {
				if !errors.Is(err, ErrOutput) {
					t.Errorf("decode = %+v, %v; want ErrOutput", c, err)
				}
				return
			}
			var slots []string
			for _, k := range []string{"a", "b", "e", "f", "n", "z"} {
				if v, ok := c.Slots[k]; ok {
					slots = append(slots, k+"="+v)
				}
			}
			if err != nil || c.Intent != tc.intent || c.Confidence != tc.conf || c.HasConf != tc.hasConf || strings.Join(slots, " ") != tc.slots {
				t.Errorf("decode = %+v, %v", c, err)
			}
		})
	}
}

func FuzzDecodeClassification(f *testing.F) {
	for _, seed := range []string{`{"intent":"deny","confidence":0.8,"slots":{"a":"x"}}`, "```json\n{\"intent\":\"x\"}\n```", `{"intent":1}`, `{"slots":[]}`, `}{`} {
		f.Add(seed)
	}
	d := domainEN()
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := decodeClassification(raw)
		if err != nil {
			return
		}
		if c.Confidence < 0 || c.Confidence > 1 {
			t.Fatalf("confidence %v", c.Confidence)
		}
		slots := mergeSlots(d, c.Intent, []string{"order_number", "amount", "store"}, c.Slots, nil)
		for name, v := range slots {
			if again, err := normalize(d.Slots[name], v); err != nil || again != v {
				t.Fatalf("slot %s=%q is not in normal form (%q, %v)", name, v, again, err)
			}
		}
	})
}

func TestConfig(t *testing.T) {
	tests := []struct {
		desc  string
		edit  func(*Config)
		field string
	}{
		{desc: "defaults", edit: func(*Config) {}},
		{desc: "no key for OpenAI", edit: func(c *Config) { c.APIKey = "" }, field: "api_key"},
		{desc: "a local server without a key", edit: func(c *Config) { c.APIKey, c.BaseURL = "", "http://127.0.0.1:8080/v1" }},
		{desc: "bad url", edit: func(c *Config) { c.BaseURL = "localhost:8080" }, field: "base_url"},
		{desc: "no model", edit: func(c *Config) { c.Model = "" }, field: "model"},
		{desc: "bad mode", edit: func(c *Config) { c.Mode = "function" }, field: "mode"},
		{desc: "bad temperature", edit: func(c *Config) { c.Temperature = -1 }, field: "temperature"},
		{desc: "few tokens", edit: func(c *Config) { c.MaxTokens = 4 }, field: "max_tokens"},
		{desc: "zero timeout", edit: func(c *Config) { c.Timeout = 0 }, field: "timeout"},
		{desc: "bad confidence", edit: func(c *Config) { c.MinConfidence = 1.5 }, field: "min_confidence"},
		{desc: "bad examples", edit: func(c *Config) { c.MaxExamples = -1 }, field: "max_examples"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c := DefaultConfig()
			c.APIKey = "sk-test"
			tc.edit(&c)
			err := c.Validate()
			var ce *ConfigError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("Validate = %v", err)
			case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrConfig)):
				t.Fatalf("Validate = %v, want a ConfigError on %s", err, tc.field)
			}
		})
	}
	var c Config = DefaultConfig()
	src := "base_url: http://localhost:11434/v1\nmodel: qwen2.5\nmode: json\ntimeout: 800ms\nmin_confidence: 0.6\nmax_examples: 4\n"
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil || c.Validate() != nil || c.Timeout != 800*time.Millisecond || c.Mode != ModeJSON || c.MaxTokens != 200 {
		t.Errorf("decoded %+v, %v", c, err)
	}
	c.APIKey = "sk-secret-key-123456"
	if s := c.String(); strings.Contains(s, "secret") {
		t.Errorf("String leaks the key: %s", s)
	}
}

func TestNewChecks(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BaseURL = "http://localhost:1/v1"
	local := &fakeParser{}
	tests := []struct {
		desc     string
		domains  []*nlu.Domain
		fallback nlu.Parser
		want     string
	}{
		{desc: "no fallback", domains: []*nlu.Domain{domainEN()}, want: "fallback parser is nil"},
		{desc: "no domains", fallback: local, want: "no domains"},
		{desc: "two domains of one language", domains: []*nlu.Domain{domainEN(), domainEN()}, fallback: local, want: "two domains"},
		{desc: "a domain without intents", domains: []*nlu.Domain{{Language: "en"}}, fallback: local, want: "without intents"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := New(cfg, tc.domains, tc.fallback, WithEnv(nil))
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want %q", err, tc.want)
			}
		})
	}
}
