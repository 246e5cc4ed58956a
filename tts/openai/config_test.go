package openai

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestConfigValidate(t *testing.T) {
	valid := DefaultConfig()
	valid.APIKey = "sk-test"
	cases := []struct {
		desc    string
		edit    func(c *Config)
		wantErr string
	}{
		{desc: "defaults with a key", edit: func(*Config) {}},
		{desc: "a local server needs no key", edit: func(c *Config) { c.APIKey, c.BaseURL = "", "http://localhost:8880/v1" }},
		{desc: "OpenAI needs a key", edit: func(c *Config) { c.APIKey = "" }, wantErr: "tts.openai.api_key"},
		{desc: "a base URL without a scheme", edit: func(c *Config) { c.BaseURL = "localhost:8880" }, wantErr: "tts.openai.base_url"},
		{desc: "an empty model", edit: func(c *Config) { c.Model = "" }, wantErr: "tts.openai.model"},
		{desc: "an empty voice", edit: func(c *Config) { c.Voice = "" }, wantErr: "tts.openai.voice"},
		{desc: "speed too slow", edit: func(c *Config) { c.Speed = 0.1 }, wantErr: "tts.openai.speed"},
		{desc: "speed too fast", edit: func(c *Config) { c.Speed = 5 }, wantErr: "tts.openai.speed"},
		{desc: "a zero timeout", edit: func(c *Config) { c.Timeout = 0 }, wantErr: "tts.openai.timeout"},
		{desc: "negative retries", edit: func(c *Config) { c.Retries = -1 }, wantErr: "tts.openai.retries"},
		{desc: "a zero backoff", edit: func(c *Config) { c.Backoff = 0 }, wantErr: "tts.openai.backoff"},
		{desc: "max_backoff under backoff", edit: func(c *Config) { c.MaxBackoff = time.Millisecond }, wantErr: "tts.openai.max_backoff"},
		{desc: "a PCM rate of 0", edit: func(c *Config) { c.PCMRate = 0 }, wantErr: "tts.openai.pcm_rate"},
		{desc: "a speaking rate of 0", edit: func(c *Config) { c.SpeakingRate = 0 }, wantErr: "tts.openai.speaking_rate"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			c := valid
			tc.edit(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want ErrConfig naming %s", err, tc.wantErr)
			}
		})
	}
}

func TestNewConfig(t *testing.T) {
	env := func(m map[string]string) Option { return WithEnv(func(k string) string { return m[k] }) }
	cases := []struct {
		desc     string
		opts     []Option
		wantErr  bool
		wantKey  string
		wantBase string
	}{
		{desc: "key from the injected environment", opts: []Option{env(map[string]string{EnvAPIKey: "sk-env"})}, wantKey: "sk-env"},
		{desc: "configured key wins over the environment", opts: []Option{WithAPIKey("sk-opt"), env(map[string]string{EnvAPIKey: "sk-env"})}, wantKey: "sk-opt"},
		{desc: "a local server from the environment", opts: []Option{env(map[string]string{EnvBaseURL: "http://kokoro:8880/v1"})}, wantBase: "http://kokoro:8880/v1"},
		{desc: "no key for OpenAI", opts: []Option{WithEnv(nil)}, wantErr: true},
		{desc: "a nil HTTP client", opts: []Option{WithAPIKey("k"), WithHTTPClient(nil)}, wantErr: true},
		{desc: "a nil logger", opts: []Option{WithAPIKey("k"), WithLogger(nil)}, wantErr: true},
		{desc: "a nil sleep", opts: []Option{WithAPIKey("k"), WithSleep(nil)}, wantErr: true},
		{desc: "a nil clock", opts: []Option{WithAPIKey("k"), WithNow(nil)}, wantErr: true},
		{desc: "a nil jitter", opts: []Option{WithAPIKey("k"), WithJitter(nil)}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			s, err := New(tc.opts...)
			if (err != nil) != tc.wantErr {
				t.Fatalf("New: %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrConfig) {
					t.Errorf("error %v does not wrap ErrConfig", err)
				}
				return
			}
			defer s.Close()
			if c := s.Config(); c.APIKey != tc.wantKey || c.BaseURL != tc.wantBase {
				t.Errorf("key %q base %q, want %q %q", c.APIKey, c.BaseURL, tc.wantKey, tc.wantBase)
			}
		})
	}
}

func TestConfigYAML(t *testing.T) {
	src := `
base_url: http://localhost:8880/v1
model: kokoro
voice: af_bella
speed: 1.1
timeout: 3s
retries: 1
pcm_rate: 24000
`
	c := DefaultConfig()
	if err := yaml.Unmarshal([]byte(src), &c); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if c.Timeout != 3*time.Second || c.Voice != "af_bella" || c.Speed != 1.1 || c.SpeakingRate != 14 {
		t.Errorf("decoded %+v", c)
	}
}

func TestConfigStringMasksTheKey(t *testing.T) {
	c := DefaultConfig()
	c.APIKey = "sk-proj-abcdefghijklmnop1234"
	if s := c.String(); strings.Contains(s, c.APIKey) || !strings.Contains(s, "APIKey:sk-...1234") {
		t.Errorf("String() = %s", s)
	}
}
