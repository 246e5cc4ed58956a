package espeak

import (
	"fmt"
	"strings"
	"time"
)

// Config is the YAML-facing configuration of the espeak-ng synthesizer
// (the `tts.espeak:` section of the server configuration). Start from
// DefaultConfig and overlay the user's values: a zero WordsPerMinute is
// invalid, not a default.
type Config struct {
	// Voice is the voice used when a request names none and its language
	// is one the voice speaks: an espeak-ng voice name as Voices lists them
	// ("en-us", "cmn", "de", "fr"), espeak-ng's identifier ("gmw/en-US") or
	// display name ("English (America)"), or a language tag ("zh"), which
	// picks espeak-ng's preferred voice for it. Default "en-us".
	Voice string `yaml:"voice"`
	// WordsPerMinute is the speaking rate, in [80, 450]. Default 175,
	// espeak-ng's own.
	WordsPerMinute int `yaml:"words_per_minute"`
	// Pitch is the voice's base pitch on espeak-ng's scale, in [0, 100].
	// Default 50.
	Pitch int `yaml:"pitch"`
	// DataPath is the directory holding espeak-ng-data (or espeak-ng-data
	// itself). Empty uses the system's (Debian: /usr/lib/x86_64-linux-gnu/
	// espeak-ng-data, from the espeak-ng-data package). espeak-ng has one
	// data path per process: every Synthesizer must use the same. Default
	// empty.
	DataPath string `yaml:"data_path"`
	// LeadingSilence caps the silence before the first word of a request.
	// In [0, 1s]. Default 50ms.
	LeadingSilence time.Duration `yaml:"leading_silence"`
	// TrailingSilence caps the silence after the last word of a request
	// (espeak-ng ends a sentence with a pause of about 300 ms at the
	// default rate). The pause between two sentences is this plus
	// LeadingSilence. In [0, 2s]. Default 200ms.
	TrailingSilence time.Duration `yaml:"trailing_silence"`
}

// Bounds of the configuration values.
const (
	minWordsPerMinute, maxWordsPerMinute = 80, 450
	minPitch, maxPitch                   = 0, 100
	maxLeadingSilence                    = time.Second
	maxTrailingSilence                   = 2 * time.Second
)

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Voice:           "en-us",
		WordsPerMinute:  175,
		Pitch:           50,
		LeadingSilence:  50 * time.Millisecond,
		TrailingSilence: 200 * time.Millisecond,
	}
}

// Validate reports the first invalid value, wrapped in ErrInvalidConfig,
// naming the YAML field. Whether the voice and the data path exist is
// checked by New, which needs espeak-ng for it.
func (c Config) Validate() error {
	checks := []struct {
		bad  bool
		what string
	}{
		{strings.TrimSpace(c.Voice) == "", "tts.espeak.voice is empty: set it to a voice such as en-us or cmn"},
		{c.WordsPerMinute < minWordsPerMinute || c.WordsPerMinute > maxWordsPerMinute, fmt.Sprintf("tts.espeak.words_per_minute must be in [%d, %d], got %d", minWordsPerMinute, maxWordsPerMinute, c.WordsPerMinute)},
		{c.Pitch < minPitch || c.Pitch > maxPitch, fmt.Sprintf("tts.espeak.pitch must be in [%d, %d], got %d", minPitch, maxPitch, c.Pitch)},
		{c.LeadingSilence < 0 || c.LeadingSilence > maxLeadingSilence, fmt.Sprintf("tts.espeak.leading_silence must be in [0, %v], got %v", maxLeadingSilence, c.LeadingSilence)},
		{c.TrailingSilence < 0 || c.TrailingSilence > maxTrailingSilence, fmt.Sprintf("tts.espeak.trailing_silence must be in [0, %v], got %v", maxTrailingSilence, c.TrailingSilence)},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%w: %s", ErrInvalidConfig, ch.what)
		}
	}
	return nil
}

// Option configures a Synthesizer; New fails with ErrInvalidConfig when an
// option leaves an invalid configuration.
type Option func(*Config) error

// WithConfig replaces the whole configuration (start from DefaultConfig).
func WithConfig(c Config) Option {
	return func(dst *Config) error { *dst = c; return nil }
}

// WithVoice sets Config.Voice.
func WithVoice(name string) Option {
	return func(c *Config) error { c.Voice = name; return nil }
}

// WithWordsPerMinute sets Config.WordsPerMinute.
func WithWordsPerMinute(wpm int) Option {
	return func(c *Config) error { c.WordsPerMinute = wpm; return nil }
}

// WithPitch sets Config.Pitch.
func WithPitch(pitch int) Option {
	return func(c *Config) error { c.Pitch = pitch; return nil }
}

// WithDataPath sets Config.DataPath.
func WithDataPath(dir string) Option {
	return func(c *Config) error { c.DataPath = dir; return nil }
}

// WithLeadingSilence sets Config.LeadingSilence.
func WithLeadingSilence(d time.Duration) Option {
	return func(c *Config) error { c.LeadingSilence = d; return nil }
}

// WithTrailingSilence sets Config.TrailingSilence.
func WithTrailingSilence(d time.Duration) Option {
	return func(c *Config) error { c.TrailingSilence = d; return nil }
}
