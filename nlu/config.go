package nlu

import (
	"fmt"
	"strings"
)

// DefaultIntentFiles returns the intent files of the reference domain,
// relative to the working directory (the repository root): English and
// Mandarin.
func DefaultIntentFiles() []string {
	return []string{"examples/retail/intents.yaml", "examples/retail/intents.zh.yaml"}
}

// Config is the YAML-facing configuration of the local parser (the `nlu:`
// section of the server configuration). Start from DefaultConfig and
// overlay the user's values.
type Config struct {
	// Intents lists the intent files, at most one per language (see
	// examples/retail/intents.yaml for the format). Default
	// DefaultIntentFiles().
	Intents []string `yaml:"intents"`
	// Threshold is the confidence in [0, 1] below which an utterance is
	// understood as no intent ("none"), so that the agent asks the caller
	// to rephrase rather than act on a guess. Higher rejects more. Default
	// DefaultThreshold (0.20), measured on the reference domain.
	Threshold float64 `yaml:"threshold"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{Intents: DefaultIntentFiles(), Threshold: DefaultThreshold}
}

// Validate reports the first invalid value, wrapped in ErrConfig, naming
// the YAML field.
func (c Config) Validate() error {
	if len(c.Intents) == 0 {
		return fmt.Errorf("%w: nlu.intents is empty: list the intent files, such as %s", ErrConfig, strings.Join(DefaultIntentFiles(), " and "))
	}
	for i, f := range c.Intents {
		if strings.TrimSpace(f) == "" {
			return fmt.Errorf("%w: nlu.intents[%d] is empty: give the path of an intent file", ErrConfig, i)
		}
		for j := 0; j < i; j++ {
			if c.Intents[j] == f {
				return fmt.Errorf("%w: nlu.intents[%d]: %s is listed twice", ErrConfig, i, f)
			}
		}
	}
	if !(c.Threshold >= 0 && c.Threshold <= 1) {
		return fmt.Errorf("%w: nlu.threshold must be in [0, 1], got %v", ErrConfig, c.Threshold)
	}
	return nil
}

// Options returns the constructor options the configuration sets (all but
// the intent files, which Load reads).
func (c Config) Options() []Option {
	return []Option{WithThreshold(c.Threshold)}
}

// Load validates c, reads its intent files and builds the local parser,
// with opts applied after the configuration's. Errors wrap ErrConfig, or
// ErrDomain (with the file, line and field) for a bad intent file.
func Load(c Config, opts ...Option) (*Local, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	domains := make([]*Domain, 0, len(c.Intents))
	for _, f := range c.Intents {
		d, err := LoadDomain(f)
		if err != nil {
			return nil, err
		}
		domains = append(domains, d)
	}
	all := c.Options()
	for _, d := range domains[1:] {
		all = append(all, WithDomain(d))
	}
	return New(domains[0], append(all, opts...)...)
}
