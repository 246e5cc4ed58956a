package disk

import (
	"fmt"
	"strings"
	"time"
)

// DefaultPath is where the store lives when Config.Path is empty.
const DefaultPath = "data/knowledge.db"

// Config is the YAML-facing configuration of the on-disk store (the
// `knowledge.disk:` section of the server configuration).
type Config struct {
	// Path is the SQLite database file; its folder is created when
	// missing. Default data/knowledge.db (relative to the working
	// directory).
	Path string `yaml:"path"`
	// BusyTimeout is how long a write waits for another process's write
	// to the same file to finish (parley kb ingest while parley serve
	// reads). Default 5s.
	BusyTimeout time.Duration `yaml:"busy_timeout"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{Path: DefaultPath, BusyTimeout: 5 * time.Second}
}

// Validate reports the first invalid value, wrapped in ErrConfig, naming
// the YAML field.
func (c Config) Validate() error {
	switch {
	case strings.TrimSpace(c.Path) == "":
		return fmt.Errorf("%w: path: must name the database file, such as %s", ErrConfig, DefaultPath)
	case strings.ContainsRune(c.Path, 0):
		return fmt.Errorf("%w: path: must not contain NUL", ErrConfig)
	case c.BusyTimeout < 0 || c.BusyTimeout > time.Hour:
		return fmt.Errorf("%w: busy_timeout: must be in [0, 1h], got %v", ErrConfig, c.BusyTimeout)
	}
	return nil
}
