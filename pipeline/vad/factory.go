package vad

import (
	"fmt"
	"log/slog"
	"sync"
)

// Factory builds the configured detector for each new stream. It loads the
// Silero model once and shares it between all the detectors it builds, so a
// server makes one Factory and calls New per call.
//
// A Factory is safe for concurrent use.
type Factory struct {
	cfg      Config
	kind     string
	model    *SileroModel
	energy   *energyTables // shared by the energy detectors built
	fallback error
	logger   *slog.Logger

	mu     sync.Mutex
	closed bool
}

// NewFactory validates cfg and, for the silero and gated detectors, loads the
// Silero model. When the model or ONNX Runtime is unavailable it falls back
// to the energy detector and logs a warning saying why and what to do (see
// Fallback); an invalid cfg or option is an error.
func NewFactory(cfg Config, opts ...Option) (*Factory, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	f := &Factory{cfg: cfg, kind: cfg.kind(), logger: o.logger, energy: newEnergyTables()}
	if f.kind == KindEnergy {
		return f, nil
	}
	m, err := loadSilero(cfg.ModelPath, o)
	if err != nil {
		o.logger.Warn("vad: Silero VAD unavailable, falling back to the energy detector (less accurate in noise)",
			slog.String("detector", f.kind), slog.Any("err", err))
		f.kind, f.fallback = KindEnergy, err
		return f, nil
	}
	o.logger.Info("vad: Silero VAD loaded", slog.String("detector", f.kind),
		slog.String("model", m.Path()), slog.String("onnxruntime", m.RuntimeVersion()),
		slog.Bool("compact_graph", m.compact), slog.Int("max_batch", o.maxBatch),
		slog.Int("concurrent_batches", o.batchRunners))
	f.model = m
	return f, nil
}

// Kind returns the detector kind New builds: the configured one, or energy
// after a fallback.
func (f *Factory) Kind() string { return f.kind }

// Fallback returns why the factory fell back to the energy detector (wrapping
// ErrModelNotFound, ErrRuntimeUnavailable or ErrBadModel), or nil.
func (f *Factory) Fallback() error { return f.fallback }

// SileroStats returns the inference counts of the factory's Silero model
// (shared by every detector it built), and false when it runs no model
// (the energy detector, or a fallback to it). Windows/Batches is the mean
// batch size, worth exporting as a metric.
func (f *Factory) SileroStats() (SileroStats, bool) {
	if f.model == nil {
		return SileroStats{}, false
	}
	return f.model.Stats(), true
}

// Config returns the configuration the factory was built with.
func (f *Factory) Config() Config { return f.cfg }

// New returns a detector for one new stream; the caller closes it. It fails
// with ErrClosed after Close.
func (f *Factory) New() (Detector, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, ErrClosed
	}
	switch f.kind {
	case KindSilero:
		return f.model.NewDetector()
	case KindGated:
		s, err := f.model.NewDetector()
		if err != nil {
			return nil, err
		}
		g, err := NewGate(newEnergy(f.energy), s, f.cfg.Gate)
		if err != nil {
			s.Close()
			return nil, err
		}
		return g, nil
	case KindEnergy:
		return newEnergy(f.energy), nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownDetector, f.kind)
}

// NewSegmenter returns a Segmenter with the configured thresholds.
func (f *Factory) NewSegmenter() (*Segmenter, error) {
	return NewSegmenter(f.cfg.Segmenter)
}

// Close stops the factory from building detectors. Detectors already built
// keep working until they are closed; the model is released after the last
// one. Close is idempotent.
func (f *Factory) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	if f.model != nil {
		return f.model.Close()
	}
	return nil
}

// New builds one detector as configured (with the fallback NewFactory
// describes), for a single stream such as a file: the detector owns its model
// and Close releases it. A server handling many calls uses NewFactory.
func New(cfg Config, opts ...Option) (Detector, error) {
	f, err := NewFactory(cfg, opts...)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.New()
}
