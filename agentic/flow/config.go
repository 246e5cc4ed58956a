package flow

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Config is the YAML-facing configuration of the flow agent (the
// `agent.flow:` section of the server configuration). What the dialogue
// says and does lives in the flow file it names; Config only says where
// that is.
type Config struct {
	// File is the flow file (see the package documentation for its
	// format), relative to the configuration file's folder unless
	// absolute. Required; DefaultConfig sets "flows.yaml".
	File string `yaml:"file"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{File: "flows.yaml"}
}

// Validate reports the first invalid value, wrapped in ErrConfig, naming
// the YAML field.
func (c Config) Validate() error {
	f := strings.TrimSpace(c.File)
	if f == "" {
		return fmt.Errorf("%w: file: must name the flow file, such as flows.yaml", ErrConfig)
	}
	switch strings.ToLower(filepath.Ext(f)) {
	case ".yaml", ".yml":
	default:
		return fmt.Errorf("%w: file: %q must be a YAML file (.yaml or .yml)", ErrConfig, f)
	}
	return nil
}

// Path returns File resolved against dir, the configuration file's
// folder, unless it is absolute.
func (c Config) Path(dir string) string {
	if filepath.IsAbs(c.File) || dir == "" {
		return c.File
	}
	return filepath.Join(dir, c.File)
}
