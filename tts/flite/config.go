package flite

import (
	"fmt"
	"time"
)

// Config is the YAML-facing configuration of the flite synthesizer (the
// `tts.flite:` section of the server configuration). Start from
// DefaultConfig and overlay the user's values: a zero Speed or Pitch is
// invalid, not a default.
type Config struct {
	// Voice is the voice used when a request names none: slt (US English,
	// female), rms (US English, male), awb (Scottish English, male), kal
	// (US English, male, an 8 kHz diphone voice: robotic, but the
	// cheapest) or kal16 (kal at 16 kHz). Default slt.
	Voice string `yaml:"voice"`
	// Speed scales the speaking rate: 1 is the voice's own pace, 1.2 is a
	// fifth faster. In [0.5, 2]. Default 1.
	Speed float64 `yaml:"speed"`
	// Pitch scales the voice's mean pitch: 1 is the voice's own, 1.1 is a
	// tenth higher. In [0.5, 2]. Default 1.
	Pitch float64 `yaml:"pitch"`
	// LeadingSilence caps the silence before the first word of a request:
	// flite starts every utterance with about 220 ms of silence, which the
	// caller would hear as latency. In [0, 1s]. Default 50ms.
	LeadingSilence time.Duration `yaml:"leading_silence"`
	// TrailingSilence caps the silence after the last word of a request
	// (flite ends every utterance with about 200 ms). The pause between
	// two sentences is this plus LeadingSilence. In [0, 2s]. Default
	// 200ms.
	TrailingSilence time.Duration `yaml:"trailing_silence"`
	// MaxConcurrent bounds how many clauses are synthesized at the same
	// time; each keeps one CPU core busy while it runs (about 15 ms per
	// second of speech with slt), and further requests wait for a turn.
	// 0 means the number of CPUs the Go runtime uses (GOMAXPROCS). In
	// [0, 1024]. Default 0.
	MaxConcurrent int `yaml:"max_concurrent"`
}

// Bounds of the configuration values.
const (
	minSpeed, maxSpeed     = 0.5, 2.0
	minPitch, maxPitch     = 0.5, 2.0
	maxLeadingSilence      = time.Second
	maxTrailingSilence     = 2 * time.Second
	maxConcurrentSyntheses = 1024
)

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Voice:           "slt",
		Speed:           1,
		Pitch:           1,
		LeadingSilence:  50 * time.Millisecond,
		TrailingSilence: 200 * time.Millisecond,
	}
}

// Validate reports the first invalid value, wrapped in ErrInvalidConfig (or
// ErrUnknownVoice), naming the YAML field.
func (c Config) Validate() error {
	if _, err := lookupVoice(c.Voice); err != nil {
		return fmt.Errorf("tts.flite.voice: %w", err)
	}
	checks := []struct {
		bad  bool
		what string
	}{
		{!(c.Speed >= minSpeed && c.Speed <= maxSpeed), fmt.Sprintf("tts.flite.speed must be in [%v, %v], got %v", minSpeed, maxSpeed, c.Speed)},
		{!(c.Pitch >= minPitch && c.Pitch <= maxPitch), fmt.Sprintf("tts.flite.pitch must be in [%v, %v], got %v", minPitch, maxPitch, c.Pitch)},
		{c.LeadingSilence < 0 || c.LeadingSilence > maxLeadingSilence, fmt.Sprintf("tts.flite.leading_silence must be in [0, %v], got %v", maxLeadingSilence, c.LeadingSilence)},
		{c.TrailingSilence < 0 || c.TrailingSilence > maxTrailingSilence, fmt.Sprintf("tts.flite.trailing_silence must be in [0, %v], got %v", maxTrailingSilence, c.TrailingSilence)},
		{c.MaxConcurrent < 0 || c.MaxConcurrent > maxConcurrentSyntheses, fmt.Sprintf("tts.flite.max_concurrent must be in [0, %d], got %d", maxConcurrentSyntheses, c.MaxConcurrent)},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%w: %s", ErrInvalidConfig, ch.what)
		}
	}
	return nil
}

// Option configures a Synthesizer; New fails with ErrInvalidConfig (or
// ErrUnknownVoice) when an option leaves an invalid configuration.
type Option func(*Config) error

// WithConfig replaces the whole configuration (start from DefaultConfig).
func WithConfig(c Config) Option {
	return func(dst *Config) error { *dst = c; return nil }
}

// WithVoice sets Config.Voice.
func WithVoice(name string) Option {
	return func(c *Config) error { c.Voice = name; return nil }
}

// WithSpeed sets Config.Speed.
func WithSpeed(speed float64) Option {
	return func(c *Config) error { c.Speed = speed; return nil }
}

// WithPitch sets Config.Pitch.
func WithPitch(pitch float64) Option {
	return func(c *Config) error { c.Pitch = pitch; return nil }
}

// WithLeadingSilence sets Config.LeadingSilence.
func WithLeadingSilence(d time.Duration) Option {
	return func(c *Config) error { c.LeadingSilence = d; return nil }
}

// WithTrailingSilence sets Config.TrailingSilence.
func WithTrailingSilence(d time.Duration) Option {
	return func(c *Config) error { c.TrailingSilence = d; return nil }
}

// WithMaxConcurrent sets Config.MaxConcurrent.
func WithMaxConcurrent(n int) Option {
	return func(c *Config) error { c.MaxConcurrent = n; return nil }
}
