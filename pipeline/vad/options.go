package vad

import (
	"fmt"
	"log/slog"
	"os"
)

// Option adjusts how models and detectors are built (the runtime parameters
// that do not belong in the YAML Config). An Option returns an error for an
// invalid value, which the constructor reports wrapped in ErrInvalidConfig.
type Option func(*options) error

type options struct {
	logger     *slog.Logger
	runtimeLib string
	getenv     func(string) (string, bool)
}

func buildOptions(opts []Option) (*options, error) {
	o := &options{
		logger:     slog.New(slog.DiscardHandler),
		runtimeLib: "libonnxruntime.so",
		getenv:     os.LookupEnv,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
		}
	}
	return o, nil
}

// WithLogger sets the logger that reports a fallback from Silero to the
// energy detector (at warning level) and model loading (at info level). The
// default discards logs. A nil logger is an error.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithRuntimeLibrary names the ONNX Runtime shared library to open when none
// is linked into the binary already (normally the sherpa-onnx module links
// it, and this is not needed). The default is "libonnxruntime.so", found
// through the binary's rpath and the system's library path. An empty name is
// an error.
func WithRuntimeLibrary(path string) Option {
	return func(o *options) error {
		if path == "" {
			return fmt.Errorf("empty onnx runtime library path")
		}
		o.runtimeLib = path
		return nil
	}
}

// WithLookupEnv replaces os.LookupEnv for reading $PARLEY_MODELS, so a caller
// (or a test) can decide the environment the model search sees. A nil
// function is an error.
func WithLookupEnv(lookup func(key string) (string, bool)) Option {
	return func(o *options) error {
		if lookup == nil {
			return fmt.Errorf("nil environment lookup")
		}
		o.getenv = lookup
		return nil
	}
}
