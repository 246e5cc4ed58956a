package vad

import (
	"fmt"
)

// Detector kinds, as named in Config.Detector and on the command line.
const (
	// KindSilero runs Silero VAD v5 on every frame.
	KindSilero = "silero"
	// KindGated runs the energy detector on every frame and Silero only
	// around possible speech (see Gate). It is the default.
	KindGated = "gated"
	// KindEnergy runs only the pure-Go energy detector.
	KindEnergy = "energy"
)

// Config is the YAML-facing voice activity configuration (the `vad:` section
// of the server configuration). Start from DefaultConfig and overlay the
// user's values: zero thresholds are invalid, not defaults.
type Config struct {
	// Detector is silero, gated or energy; empty means gated. With silero
	// or gated, a missing model or ONNX Runtime falls back to energy with a
	// logged warning. Default gated: Silero's accuracy at a fraction of its
	// CPU on calls that are mostly silence.
	Detector string `yaml:"detector"`
	// ModelPath is the Silero VAD v5 model file. Empty searches
	// models/silero_vad_v5.onnx (relative to the working directory), then
	// $PARLEY_MODELS/silero_vad_v5.onnx. Default empty.
	ModelPath string `yaml:"model_path"`
	// Gate tunes the gated detector.
	Gate GateConfig `yaml:"gate"`
	// Segmenter turns probabilities into speech start and end events.
	Segmenter SegmenterConfig `yaml:"segmenter"`
}

// DefaultConfig returns the defaults documented on Config, GateConfig and
// SegmenterConfig.
func DefaultConfig() Config {
	return Config{
		Detector:  KindGated,
		Gate:      DefaultGateConfig(),
		Segmenter: DefaultSegmenterConfig(),
	}
}

// kind returns the configured detector kind, defaulting an empty name.
func (c Config) kind() string {
	if c.Detector == "" {
		return KindGated
	}
	return c.Detector
}

// Validate reports the first invalid value, wrapped in ErrInvalidConfig or
// ErrUnknownDetector, naming the YAML field.
func (c Config) Validate() error {
	switch c.kind() {
	case KindSilero, KindGated, KindEnergy:
	default:
		return fmt.Errorf("%w: detector %q", ErrUnknownDetector, c.Detector)
	}
	if err := c.Gate.Validate(); err != nil {
		return err
	}
	return c.Segmenter.Validate()
}
