package nlu

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		desc  string
		edit  func(*Config)
		field string
	}{
		{"defaults", func(*Config) {}, ""},
		{"no intent files", func(c *Config) { c.Intents = nil }, "nlu.intents"},
		{"empty intent file", func(c *Config) { c.Intents = []string{"a.yaml", " "} }, "nlu.intents[1]"},
		{"intent file twice", func(c *Config) { c.Intents = []string{"a.yaml", "a.yaml"} }, "nlu.intents[1]"},
		{"threshold above one", func(c *Config) { c.Threshold = 1.2 }, "nlu.threshold"},
		{"negative threshold", func(c *Config) { c.Threshold = -0.5 }, "nlu.threshold"},
	}
	for _, tc := range tests {
		c := DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.desc, err)
		case tc.field != "" && (!errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.field)):
			t.Errorf("%s: error %v, want ErrConfig naming %s", tc.desc, err, tc.field)
		}
	}
}

func TestConfigYAML(t *testing.T) {
	c := DefaultConfig()
	if err := yaml.Unmarshal([]byte("intents: [a.yaml, b.yaml]\nthreshold: 0.4\n"), &c); err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Intents, ",") != "a.yaml,b.yaml" || c.Threshold != 0.4 {
		t.Errorf("decoded %+v", c)
	}
	c = DefaultConfig()
	if err := yaml.Unmarshal([]byte("threshold: 0.5\n"), &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Intents) != 2 || c.Threshold != 0.5 {
		t.Errorf("an omitted field must keep its default: %+v", c)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	en, zh := filepath.Join(dir, "en.yaml"), filepath.Join(dir, "zh.yaml")
	if err := os.WriteFile(en, []byte(tinyDomain), 0o644); err != nil {
		t.Fatal(err)
	}
	zhDomain := "language: zh\nintents:\n  return_item:\n    examples: [\"我要退货\", \"怎么退货\"]\n  goodbye:\n    examples: [\"再见\", \"拜拜\"]\n"
	if err := os.WriteFile(zh, []byte(zhDomain), 0o644); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.Intents = []string{en, zh}
	c.Threshold = 0.4
	p, err := Load(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Domains()) != 2 || p.opts.threshold != 0.4 {
		t.Errorf("loaded %d domains, threshold %v", len(p.Domains()), p.opts.threshold)
	}
	res, err := p.Parse(context.Background(), "我要退货", ParseOptions{})
	if err != nil || res.Intent != "return_item" {
		t.Errorf("parse: %+v, %v", res, err)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("language: en\nintents:\n  a:\n    examples: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.yaml")
	if err := os.WriteFile(other, []byte("language: en-GB\nintents:\n  a:\n    examples: [\"hi\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc    string
		intents []string
		want    error
		msg     string
	}{
		{"bad file", []string{bad}, ErrDomain, "bad.yaml:4"},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.yaml")}, os.ErrNotExist, "nope.yaml"},
		{"two files of one language", []string{examplesEN, other}, ErrConfig, "language"},
		{"invalid config", nil, ErrConfig, "nlu.intents"},
	}
	for _, tc := range tests {
		c := DefaultConfig()
		c.Intents = tc.intents
		_, err := Load(c)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want %v mentioning %q", tc.desc, err, tc.want, tc.msg)
		}
	}
}
