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
	logger       *slog.Logger
	runtimeLib   string
	getenv       func(string) (string, bool)
	maxBatch     int
	batchRunners int
}

// Defaults of WithMaxBatch and WithConcurrentBatches.
const (
	// DefaultMaxBatch is the default largest number of windows scored in
	// one inference: past about 64 the cost per window stops falling.
	DefaultMaxBatch = 64
	// DefaultConcurrentBatches is the default number of inferences that
	// may run at once.
	DefaultConcurrentBatches = 1
	// maxMaxBatch bounds WithMaxBatch (the batch tensors of a lane take
	// about 3.3 KB per window).
	maxMaxBatch = 4096
)

func buildOptions(opts []Option) (*options, error) {
	o := &options{
		logger:       slog.New(slog.DiscardHandler),
		runtimeLib:   "libonnxruntime.so",
		getenv:       os.LookupEnv,
		maxBatch:     DefaultMaxBatch,
		batchRunners: DefaultConcurrentBatches,
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

// WithMaxBatch sets the largest number of windows (of different streams) a
// Silero model scores in one inference, in [1, 4096]; 1 scores every window
// on its own. Larger batches cost less CPU per window under load, and make
// a window wait longer for the batch ahead of it (about 1 ms for 64
// windows). Default DefaultMaxBatch.
func WithMaxBatch(n int) Option {
	return func(o *options) error {
		if n < 1 || n > maxMaxBatch {
			return fmt.Errorf("max batch %d must be in [1, %d]", n, maxMaxBatch)
		}
		o.maxBatch = n
		return nil
	}
}

// WithConcurrentBatches sets how many inferences of a Silero model may run
// at the same time, each on a goroutine of the model (and so on a thread of
// its own), in [1, 1024]. With one, all the windows that arrive during
// an inference form the next batch: the least CPU per window, and the
// inference leaves the other cores to the rest of the pipeline. More use
// more cores for inference at once, with smaller batches: on two cores with
// 500 calls, two concurrent batches split the windows into batches of about
// one and cost half as much CPU again as one. Default
// DefaultConcurrentBatches.
func WithConcurrentBatches(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 1024 {
			return fmt.Errorf("concurrent batches %d must be in [1, 1024]", n)
		}
		o.batchRunners = n
		return nil
	}
}
