package recording

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Config is the `recordings:` section of the server configuration.
type Config struct {
	// Enabled records every call. Default true.
	Enabled bool `yaml:"enabled"`
	// Dir is the folder of the recordings, one file per call (ID.wav). A
	// relative path is relative to the working directory. Default
	// data/recordings.
	Dir string `yaml:"dir"`
	// Rate is the files' sample rate: 16000 (the pipeline's, the default)
	// or 8000 (half the size, telephone quality).
	Rate int `yaml:"rate"`
	// Buffer is how much audio of each side may wait for the disk before
	// frames are dropped. Default 2s.
	Buffer time.Duration `yaml:"buffer"`
	// FlushInterval is how often the file's header is patched with the
	// sizes written so far: at most this much audio is unreadable after a
	// crash (it is still in the file). Default 5s.
	FlushInterval time.Duration `yaml:"flush_interval"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{Enabled: true, Dir: "data/recordings", Rate: audio.PipelineRate, Buffer: 2 * time.Second,
		FlushInterval: 5 * time.Second}
}

// Validate reports the first invalid field, named as in parley.yaml.
func (c Config) Validate() error {
	switch {
	case c.Enabled && c.Dir == "":
		return fmt.Errorf("%w: dir: must not be empty when recordings are enabled (e.g. data/recordings)", ErrConfig)
	case c.Rate != audio.Rate16k && c.Rate != audio.Rate8k:
		return fmt.Errorf("%w: rate: must be 16000 or 8000, got %d", ErrConfig, c.Rate)
	case c.Buffer < 200*time.Millisecond || c.Buffer > time.Minute:
		return fmt.Errorf("%w: buffer: must be in [200ms, 1m], got %v", ErrConfig, c.Buffer)
	case c.FlushInterval < 100*time.Millisecond || c.FlushInterval > time.Hour:
		return fmt.Errorf("%w: flush_interval: must be in [100ms, 1h], got %v", ErrConfig, c.FlushInterval)
	}
	return nil
}

// Path returns the file of call id's recording under c.Dir.
func (c Config) Path(id string) string { return filepath.Join(c.Dir, id+".wav") }

// File is where a recording is written. An *os.File is one; the header is
// patched in place when it also implements io.WriterAt or io.Seeker.
type File interface {
	io.Writer
	io.Closer
}

// Option sets a runtime parameter of a Recording.
type Option func(*options) error

type options struct {
	logger *slog.Logger
	clock  pipeline.Clock
	create func(path string) (File, error)
	wake   time.Duration
}

// WithLogger sets the logger for write failures. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrConfig)
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the clock that places frames on the call's timeline and
// wakes the writer. Default pipeline.SystemClock().
func WithClock(c pipeline.Clock) Option {
	return func(o *options) error {
		if c == nil {
			return fmt.Errorf("%w: nil clock", ErrConfig)
		}
		o.clock = c
		return nil
	}
}

// WithCreate sets how the file is created (default: os.Create after
// creating its folder). It runs on the writer goroutine.
func WithCreate(create func(path string) (File, error)) Option {
	return func(o *options) error {
		if create == nil {
			return fmt.Errorf("%w: nil create function", ErrConfig)
		}
		o.create = create
		return nil
	}
}

// WithWriteInterval sets how often the writer wakes to move audio from the
// rings to the file (it also wakes when a ring is half full). Default
// 200ms: fewer, larger writes.
func WithWriteInterval(d time.Duration) Option {
	return func(o *options) error {
		if d < time.Millisecond || d > 10*time.Second {
			return fmt.Errorf("%w: write interval must be in [1ms, 10s], got %v", ErrConfig, d)
		}
		o.wake = d
		return nil
	}
}

func buildOptions(opts []Option) (*options, error) {
	o := &options{logger: slog.New(slog.DiscardHandler), clock: pipeline.SystemClock(), create: createFile,
		wake: 200 * time.Millisecond}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// createFile creates path and its folder.
func createFile(path string) (File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.Create(path)
}
