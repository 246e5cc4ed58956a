package openai

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-voice/parley/stt"
)

func TestConfigValidate(t *testing.T) {
	valid := DefaultConfig()
	valid.APIKey = "sk-test"
	cases := []struct {
		desc    string
		edit    func(c *Config)
		wantErr string // the YAML field the error names; empty for a valid config
	}{
		{desc: "defaults with a key", edit: func(*Config) {}},
		{desc: "a local server needs no key", edit: func(c *Config) { c.APIKey, c.BaseURL = "", "http://localhost:8000/v1" }},
		{desc: "OpenAI needs a key", edit: func(c *Config) { c.APIKey = "" }, wantErr: "stt.openai.api_key"},
		{desc: "OpenAI named explicitly needs a key", edit: func(c *Config) { c.APIKey, c.BaseURL = "", "https://API.openai.com/v1/" }, wantErr: "stt.openai.api_key"},
		{desc: "a base URL without a scheme", edit: func(c *Config) { c.BaseURL = "localhost:8000" }, wantErr: "stt.openai.base_url"},
		{desc: "an empty model", edit: func(c *Config) { c.Model = " " }, wantErr: "stt.openai.model"},
		{desc: "a zero timeout", edit: func(c *Config) { c.Timeout = 0 }, wantErr: "stt.openai.timeout"},
		{desc: "negative retries", edit: func(c *Config) { c.Retries = -1 }, wantErr: "stt.openai.retries"},
		{desc: "too many retries", edit: func(c *Config) { c.Retries = 11 }, wantErr: "stt.openai.retries"},
		{desc: "a zero backoff", edit: func(c *Config) { c.Backoff = 0 }, wantErr: "stt.openai.backoff"},
		{desc: "max_backoff under backoff", edit: func(c *Config) { c.MaxBackoff = c.Backoff / 2 }, wantErr: "stt.openai.max_backoff"},
		{desc: "no_speech_threshold over 1", edit: func(c *Config) { c.NoSpeechThreshold = 1.5 }, wantErr: "stt.openai.no_speech_threshold"},
		{desc: "a positive logprob_threshold", edit: func(c *Config) { c.LogprobThreshold = 0.5 }, wantErr: "stt.openai.logprob_threshold"},
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
			if !errors.Is(err, ErrConfig) || !errors.Is(err, stt.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want ErrConfig naming %s", err, tc.wantErr)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{EnvAPIKey: " sk-env ", EnvBaseURL: "http://whisper:8000/v1"}
	cases := []struct {
		desc     string
		in       Config
		getenv   func(string) string
		wantKey  string
		wantBase string
	}{
		{desc: "empty fields come from the environment", getenv: func(k string) string { return env[k] }, wantKey: "sk-env", wantBase: "http://whisper:8000/v1"},
		{desc: "configured fields win", in: Config{APIKey: "sk-file", BaseURL: "http://file/v1"}, getenv: func(k string) string { return env[k] }, wantKey: "sk-file", wantBase: "http://file/v1"},
		{desc: "a nil getenv changes nothing", getenv: nil},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			got := tc.in.FromEnv(tc.getenv)
			if got.APIKey != tc.wantKey || got.BaseURL != tc.wantBase {
				t.Errorf("got key %q base %q, want %q %q", got.APIKey, got.BaseURL, tc.wantKey, tc.wantBase)
			}
		})
	}
}

func TestNewTranscriberConfig(t *testing.T) {
	cases := []struct {
		desc    string
		opts    []Option
		wantErr bool
	}{
		{desc: "the key from the injected environment", opts: []Option{WithEnv(func(k string) string {
			return map[string]string{EnvAPIKey: "sk-env"}[k]
		})}},
		{desc: "no key anywhere for OpenAI", opts: []Option{WithEnv(func(string) string { return "" })}, wantErr: true},
		{desc: "a local server from the environment without a key", opts: []Option{WithEnv(func(k string) string {
			return map[string]string{EnvBaseURL: "http://127.0.0.1:9000/v1"}[k]
		})}},
		{desc: "a nil HTTP client", opts: []Option{WithAPIKey("k"), WithHTTPClient(nil)}, wantErr: true},
		{desc: "a nil logger", opts: []Option{WithAPIKey("k"), WithLogger(nil)}, wantErr: true},
		{desc: "a nil sleep", opts: []Option{WithAPIKey("k"), WithSleep(nil)}, wantErr: true},
		{desc: "a nil clock", opts: []Option{WithAPIKey("k"), WithNow(nil)}, wantErr: true},
		{desc: "a nil jitter", opts: []Option{WithAPIKey("k"), WithJitter(nil)}, wantErr: true},
		{desc: "a negative prompt bound", opts: []Option{WithAPIKey("k"), WithMaxPromptBytes(-1)}, wantErr: true},
		{desc: "an invalid model option", opts: []Option{WithAPIKey("k"), WithModel("")}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			tr, err := NewTranscriber(tc.opts...)
			if (err != nil) != tc.wantErr {
				t.Fatalf("NewTranscriber: %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrConfig) {
					t.Errorf("error %v does not wrap ErrConfig", err)
				}
				return
			}
			tr.Close()
		})
	}
}

func TestConfigYAML(t *testing.T) {
	src := `
base_url: http://localhost:8000/v1
model: Systran/faster-whisper-small
language: en
timeout: 4s
retries: 1
backoff: 50ms
`
	c := DefaultConfig()
	if err := yaml.Unmarshal([]byte(src), &c); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if c.Timeout != 4*time.Second || c.Retries != 1 || c.Backoff != 50*time.Millisecond || c.MaxBackoff != 2*time.Second || c.Model != "Systran/faster-whisper-small" {
		t.Errorf("decoded %+v", c)
	}
}

func TestBuildPrompt(t *testing.T) {
	cases := []struct {
		desc    string
		base    string
		limit   int
		phrases [][]string
		want    string
	}{
		{desc: "phrases joined after the base", base: "Acme retail support call.", limit: 100,
			phrases: [][]string{{"jacket", "refund"}}, want: "Acme retail support call. jacket, refund"},
		{desc: "duplicates and blanks dropped, spaces collapsed", limit: 100,
			phrases: [][]string{{"Jacket", " ", "jacket", "order   number"}, {"JACKET", "yes"}}, want: "Jacket, order number, yes"},
		{desc: "phrases that do not fit are left out whole", limit: 20,
			phrases: [][]string{{"tracking number", "a very long product name", "yes"}}, want: "tracking number, yes"},
		{desc: "a long base is cut at a word", base: "one two three four", limit: 12, want: "one two"},
		{desc: "a zero bound sends no prompt", base: "hello", limit: 0, phrases: [][]string{{"x"}}, want: ""},
		{desc: "multi-byte text is cut at a rune", base: "退货退款", limit: 7, want: "退货"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			got := buildPrompt(tc.base, tc.limit, tc.phrases...)
			if got != tc.want || len(got) > tc.limit {
				t.Errorf("buildPrompt = %q, want %q (at most %d bytes)", got, tc.want, tc.limit)
			}
		})
	}
}

func TestLanguages(t *testing.T) {
	cases := []struct {
		desc, in, wantReq, wantResp string
	}{
		{desc: "English tag with a region", in: "en-US", wantReq: "en"},
		{desc: "Mandarin macro tag", in: "cmn", wantReq: "zh"},
		{desc: "script and region subtags", in: "zh-Hans-CN", wantReq: "zh"},
		{desc: "underscore locale", in: "pt_BR", wantReq: "pt"},
		{desc: "garbage is left to the server", in: "english!", wantReq: ""},
		{desc: "Whisper name", in: "english", wantResp: "en"},
		{desc: "Whisper name with a space", in: "Haitian Creole", wantResp: "ht"},
		{desc: "three-letter name", in: "lao", wantResp: "lo"},
		{desc: "already a code", in: "de", wantReq: "de", wantResp: "de"},
		{desc: "Whisper's Javanese code", in: "jw", wantReq: "jw", wantResp: "jv"},
		{desc: "unknown name", in: "klingon", wantResp: ""},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			if tc.wantReq != "" || tc.wantResp == "" {
				if got := requestLanguage(tc.in); got != tc.wantReq {
					t.Errorf("requestLanguage(%q) = %q, want %q", tc.in, got, tc.wantReq)
				}
			}
			if tc.wantResp != "" || tc.wantReq == "" {
				if got := responseLanguage(tc.in); got != tc.wantResp {
					t.Errorf("responseLanguage(%q) = %q, want %q", tc.in, got, tc.wantResp)
				}
			}
		})
	}
}

func TestConfigStringMasksTheKey(t *testing.T) {
	cases := []struct {
		desc, key, want string
	}{
		{desc: "a long key keeps its ends", key: "sk-proj-abcdefghijklmnop1234", want: "sk-...1234"},
		{desc: "a short key is hidden", key: "secret", want: "******"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			c := DefaultConfig()
			c.APIKey = tc.key
			s := c.String()
			if strings.Contains(s, tc.key) || !strings.Contains(s, "APIKey:"+tc.want) || fmt.Sprint(c) != s {
				t.Errorf("String() = %s", s)
			}
		})
	}
}
