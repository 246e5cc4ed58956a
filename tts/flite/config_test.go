package flite

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestConfig(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig: %v", err)
	}
	tests := []struct {
		desc string
		opts []Option
		want error
		msg  string
	}{
		{"unknown voice", []Option{WithVoice("bogus")}, ErrUnknownVoice, "tts.flite.voice"},
		{"zero speed", []Option{WithSpeed(0)}, ErrInvalidConfig, "tts.flite.speed"},
		{"speed too high", []Option{WithSpeed(3)}, ErrInvalidConfig, "tts.flite.speed"},
		{"pitch too low", []Option{WithPitch(0.1)}, ErrInvalidConfig, "tts.flite.pitch"},
		{"negative leading silence", []Option{WithLeadingSilence(-time.Millisecond)}, ErrInvalidConfig, "tts.flite.leading_silence"},
		{"long trailing silence", []Option{WithTrailingSilence(3 * time.Second)}, ErrInvalidConfig, "tts.flite.trailing_silence"},
		{"negative concurrency", []Option{WithMaxConcurrent(-1)}, ErrInvalidConfig, "tts.flite.max_concurrent"},
		{"failing option", []Option{func(*Config) error { return errors.New("bad") }}, ErrInvalidConfig, "bad"},
		{"whole config", []Option{WithConfig(Config{Voice: "slt"})}, ErrInvalidConfig, "tts.flite.speed"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			s, err := New(tc.opts...)
			if err == nil {
				_ = s.Close()
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("New: %v, want %v mentioning %q", err, tc.want, tc.msg)
			}
		})
	}
	t.Run("valid options", func(t *testing.T) {
		s := newSynth(t, WithConfig(DefaultConfig()), WithVoice("cmu_us_rms"), WithSpeed(1.5), WithPitch(0.8),
			WithMaxConcurrent(3), nil)
		if c := s.Config(); c.Voice != "cmu_us_rms" || c.Speed != 1.5 || c.Pitch != 0.8 || cap(s.slots) != 3 {
			t.Errorf("Config() = %+v with %d slots", c, cap(s.slots))
		}
	})
}

func TestConfigYAML(t *testing.T) {
	c := DefaultConfig()
	doc := "voice: awb\nspeed: 1.25\nleading_silence: 80ms\nmax_concurrent: 4\n"
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Voice, want.Speed, want.LeadingSilence, want.MaxConcurrent = "awb", 1.25, 80*time.Millisecond, 4
	if c != want {
		t.Errorf("decoded %+v, want %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}
