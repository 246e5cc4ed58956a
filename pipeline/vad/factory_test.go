package vad

import (
	"bytes"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-voice/parley/pipeline/audio"
)

func TestFactoryBuildsConfiguredDetector(t *testing.T) {
	model := testModelPath(t)
	cases := []struct {
		name     string
		detector string
		wantKind string
		check    func(Detector) bool
	}{
		{"energy", KindEnergy, KindEnergy, func(d Detector) bool { _, ok := d.(*Energy); return ok }},
		{"silero", KindSilero, KindSilero, func(d Detector) bool { _, ok := d.(*Silero); return ok }},
		{"gated", KindGated, KindGated, func(d Detector) bool { _, ok := d.(*Gate); return ok }},
		{"empty means gated", "", KindGated, func(d Detector) bool { _, ok := d.(*Gate); return ok }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Detector, cfg.ModelPath = c.detector, model
			f, err := NewFactory(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Kind() != c.wantKind || f.Fallback() != nil {
				t.Errorf("kind %q (fallback %v), want %q", f.Kind(), f.Fallback(), c.wantKind)
			}
			d, err := f.New()
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if !c.check(d) {
				t.Errorf("built %T", d)
			}
			if _, err := d.Process(audio.Frame{Rate: 16000, Samples: make([]int16, 320)}); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestFactoryFallsBackToEnergy(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	missing := filepath.Join(t.TempDir(), SileroModelFile)
	for _, kind := range []string{KindSilero, KindGated} {
		t.Run(kind, func(t *testing.T) {
			logs.Reset()
			cfg := DefaultConfig()
			cfg.Detector, cfg.ModelPath = kind, missing
			f, err := NewFactory(cfg, WithLogger(logger))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Kind() != KindEnergy || !errors.Is(f.Fallback(), ErrModelNotFound) {
				t.Errorf("kind %q, fallback %v", f.Kind(), f.Fallback())
			}
			for _, want := range []string{"level=WARN", "falling back", "make deps", missing} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log %q does not mention %q", logs.String(), want)
				}
			}
			d, err := f.New()
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := d.(*Energy); !ok {
				t.Errorf("built %T, want *Energy", d)
			}
		})
	}
}

func TestFactoryRejectsInvalidConfig(t *testing.T) {
	cases := []struct {
		name   string
		modify func(*Config)
		opts   []Option
		want   error
	}{
		{"unknown detector", func(c *Config) { c.Detector = "webrtc" }, nil, ErrUnknownDetector},
		{"bad gate", func(c *Config) { c.Gate.Threshold = 2 }, nil, ErrInvalidConfig},
		{"bad segmenter", func(c *Config) { c.Segmenter.OffsetThreshold = 0.9 }, nil, ErrInvalidConfig},
		{"zero config", func(c *Config) { *c = Config{} }, nil, ErrInvalidConfig},
		{"nil logger", func(*Config) {}, []Option{WithLogger(nil)}, ErrInvalidConfig},
		{"nil env lookup", func(*Config) {}, []Option{WithLookupEnv(nil)}, ErrInvalidConfig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Detector = KindEnergy
			c.modify(&cfg)
			if _, err := NewFactory(cfg, c.opts...); !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestFactoryLifetime(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ModelPath = testModelPath(t)
	f, err := NewFactory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Calls come and go concurrently.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	x := pcm(whiteNoise(9, -45, 0.5))
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := f.New()
			if err != nil {
				errs <- err
				return
			}
			defer d.Close()
			if _, err := scoreFrames(d, x, 20); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	d, err := f.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := f.New(); !errors.Is(err, ErrClosed) {
		t.Errorf("New after Close: %v", err)
	}
	if _, err := scoreFrames(d, x, 20); err != nil {
		t.Errorf("detector built before Close: %v", err)
	}
	d.Close()
	s, err := f.NewSegmenter()
	if err != nil || s == nil {
		t.Errorf("NewSegmenter: %v", err)
	}
}

func TestNewOwnsItsModel(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Detector, cfg.ModelPath = KindSilero, testModelPath(t)
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scoreFrames(d, pcm(whiteNoise(1, -40, 0.2)), 20); err != nil {
		t.Fatal(err)
	}
	s := d.(*Silero)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	s.model.mu.Lock()
	refs := s.model.refs
	s.model.mu.Unlock()
	if refs != 0 {
		t.Errorf("model still has %d references after the detector closed", refs)
	}
}

func TestConfigYAML(t *testing.T) {
	in := `
detector: silero
model_path: /opt/models/silero_vad_v5.onnx
gate:
  threshold: 0.3
  hangover: 750ms
segmenter:
  min_silence: 0.5s
  speech_pad: 30ms
`
	cfg := DefaultConfig()
	if err := yaml.Unmarshal([]byte(in), &cfg); err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Detector, want.ModelPath = KindSilero, "/opt/models/silero_vad_v5.onnx"
	want.Gate.Threshold, want.Gate.Hangover = 0.3, 750*time.Millisecond
	want.Segmenter.MinSilence, want.Segmenter.SpeechPad = 500*time.Millisecond, 30*time.Millisecond
	if cfg != want {
		t.Errorf("decoded %+v\nwant    %+v", cfg, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
}
