package sphinx

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		desc  string
		edit  func(*Config)
		field string // "" means valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"automatic decoder bound", func(c *Config) { c.MaxDecoders = 0 }, ""},
		{"no partial results", func(c *Config) { c.PartialInterval = 0 }, ""},
		{"empty language", func(c *Config) { c.Language = "" }, "language"},
		{"negative decoders", func(c *Config) { c.MaxDecoders = -1 }, "max_decoders"},
		{"too many decoders", func(c *Config) { c.MaxDecoders = 1000 }, "max_decoders"},
		{"preloading more than the bound", func(c *Config) { c.MaxDecoders, c.PreloadDecoders = 2, 3 }, "preload_decoders"},
		{"acquire timeout too short", func(c *Config) { c.AcquireTimeout = time.Millisecond }, "acquire_timeout"},
		{"partial interval too short", func(c *Config) { c.PartialInterval = time.Millisecond }, "partial_interval"},
		{"utterance too short", func(c *Config) { c.MaxUtterance = 100 * time.Millisecond }, "max_utterance"},
		{"negative pre-roll", func(c *Config) { c.PreRoll = -time.Millisecond }, "pre_roll"},
		{"post-roll too long", func(c *Config) { c.PostRoll = 3 * time.Second }, "post_roll"},
		{"backlog too short", func(c *Config) { c.Backlog = 10 * time.Millisecond }, "backlog"},
		{"negative rejection", func(c *Config) { c.GrammarRejection = -1 }, "grammar_rejection"},
		{"negative bonus", func(c *Config) { c.PhraseBonus = -1 }, "phrase_bonus"},
		{"too many alternatives", func(c *Config) { c.Alternatives = 11 }, "alternatives"},
		{"telephone band", func(c *Config) { c.Band = BandTelephone }, ""},
		{"band in capitals", func(c *Config) { c.Band = "Wide" }, ""},
		{"empty band is auto", func(c *Config) { c.Band = "" }, ""},
		{"unknown band", func(c *Config) { c.Band = "narrow" }, "band"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %v, want ErrInvalidConfig naming %s", err, tc.field)
			}
		})
	}
}

func TestConfigYAML(t *testing.T) {
	src := `
model_dir: /opt/model
max_decoders: 3
partial_interval: 300ms
max_utterance: 20s
grammar_rejection: 9.5
band: telephone
`
	c := DefaultConfig()
	if err := yaml.Unmarshal([]byte(src), &c); err != nil {
		t.Fatal(err)
	}
	if c.ModelDir != "/opt/model" || c.MaxDecoders != 3 || c.PartialInterval != 300*time.Millisecond ||
		c.MaxUtterance != 20*time.Second || c.GrammarRejection != 9.5 || c.Backlog != DefaultBacklog || c.Band != BandTelephone {
		t.Errorf("decoded %+v", c)
	}
	o, err := buildOptions(c.Options())
	if err != nil {
		t.Fatal(err)
	}
	if o.Config != c {
		t.Errorf("options carry %+v, want %+v", o.Config, c)
	}
	bad := c
	bad.Backlog = 0
	if _, err := buildOptions(bad.Options()); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("an invalid config's options: %v, want ErrInvalidConfig", err)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		desc string
		opt  Option
		ok   bool
	}{
		{"model directory", WithModelDir("/x"), true},
		{"empty model directory", WithModelDir(""), false},
		{"decoders", WithMaxDecoders(4), true},
		{"negative decoders", WithMaxDecoders(-2), false},
		{"partial interval", WithPartialInterval(100 * time.Millisecond), true},
		{"partial interval out of range", WithPartialInterval(time.Hour), false},
		{"pre-roll", WithPreRoll(time.Second), true},
		{"post-roll out of range", WithPostRoll(-time.Second), false},
		{"backlog out of range", WithBacklog(time.Hour), false},
		{"rejection out of range", WithGrammarRejection(5000), false},
		{"bonus", WithPhraseBonus(0), true},
		{"alternatives out of range", WithAlternatives(-1), false},
		{"utterance out of range", WithMaxUtterance(time.Hour), false},
		{"acquire timeout", WithAcquireTimeout(time.Second), true},
		{"nil logger", WithLogger(nil), false},
		{"logger", WithLogger(slog.Default()), true},
		{"nil clock", WithClock(nil), false},
		{"nil environment", WithLookupEnv(nil), false},
		{"nil option", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := buildOptions([]Option{tc.opt})
			if tc.ok != (err == nil) {
				t.Fatalf("error %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
		})
	}
}

func TestResolveModelDir(t *testing.T) {
	env := func(v string) func(string) (string, bool) {
		return func(k string) (string, bool) { return v, k == EnvModelDir && v != "" }
	}
	if got := resolveModelDir("/cfg", env("/env")); got != "/cfg" {
		t.Errorf("configured directory: %s", got)
	}
	if got := resolveModelDir("", env("/env")); got != "/env" {
		t.Errorf("environment: %s", got)
	}
	if got := resolveModelDir("", env("")); got != DefaultModelDir {
		t.Errorf("default: %s", got)
	}
}

// completeModel writes the files of a model's layout (empty) into dir.
func completeModel(t *testing.T, dir string) {
	t.Helper()
	for _, p := range []string{"en-us/mdef", "en-us.lm.bin", "en-us-phone.lm.bin", "cmudict-en-us.dict"} {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindModel(t *testing.T) {
	tests := []struct {
		desc    string
		remove  string // a file removed from a complete model
		missing bool   // the directory itself is missing
		want    string // in the error; "" means found
	}{
		{"complete model", "", false, ""},
		{"no directory", "", true, "cannot read the model directory"},
		{"no acoustic model", "en-us/mdef", false, "no acoustic model"},
		{"no language model", "en-us.lm.bin", false, "no language model"},
		{"no dictionary", "cmudict-en-us.dict", false, "no dictionary"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			dir := t.TempDir()
			if tc.missing {
				dir = filepath.Join(dir, "absent")
			} else {
				completeModel(t, dir)
			}
			if tc.remove != "" {
				if err := os.Remove(filepath.Join(dir, tc.remove)); err != nil {
					t.Fatal(err)
				}
			}
			m, err := findModel(dir)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if filepath.Base(m.lm) != "en-us.lm.bin" || filepath.Base(m.hmm) != "en-us" {
					t.Errorf("found %+v, want the word model and en-us/", m)
				}
				return
			}
			if !errors.Is(err, ErrModelNotFound) || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "pocketsphinx-en-us") {
				t.Fatalf("error %v, want ErrModelNotFound saying %q and what to install", err, tc.want)
			}
		})
	}
	if _, err := New(WithModelDir(filepath.Join(t.TempDir(), "none"))); !errors.Is(err, ErrModelNotFound) {
		t.Errorf("New with no model: %v, want ErrModelNotFound", err)
	}
}
