package vad

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// fakeDetector scores frames by a script and records what it was given.
type fakeDetector struct {
	score    func(calls int) float32
	err      error
	frames   [][]int16
	contexts [][]int16
	resets   int
	closes   int
}

func (f *fakeDetector) Process(fr audio.Frame) (float32, error) {
	if f.err != nil {
		return 0, f.err
	}
	f.frames = append(f.frames, slices.Clone(fr.Samples))
	return f.score(len(f.frames) - 1), nil
}
func (f *fakeDetector) Reset()             { f.resets++ }
func (f *fakeDetector) Close() error       { f.closes++; return nil }
func (f *fakeDetector) resync(ctx []int16) { f.contexts = append(f.contexts, slices.Clone(ctx)) }

// frameN is a 20 ms frame whose samples all equal n.
func frameN(n int) audio.Frame {
	s := make([]int16, 320)
	for i := range s {
		s[i] = int16(n)
	}
	return audio.Frame{Rate: 16000, Samples: s}
}

// cheapScript returns 0.9 on the listed frames and 0 elsewhere.
func cheapScript(open ...int) func(int) float32 {
	return func(call int) float32 {
		if slices.Contains(open, call) {
			return 0.9
		}
		return 0
	}
}

func TestGateRunsModelAroundPossibleSpeech(t *testing.T) {
	cfg := GateConfig{Threshold: 0.2, Hangover: 100 * time.Millisecond, Lookback: 60 * time.Millisecond}
	cheap := &fakeDetector{score: cheapScript(10)}
	model := &fakeDetector{score: func(int) float32 { return 0.3 }}
	g, err := NewGate(cheap, model, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []float32
	for i := 0; i < 30; i++ {
		p, err := g.Process(frameN(i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	// Idle before frame 10; at frame 10 the model gets 60 ms of lookback
	// (frames 7-9) in one piece, then frames 10..15 (10 plus 100 ms of
	// hangover); idle again after. In the hangover the cheap detector hears
	// nothing and the model has just restarted, so 0 is reported.
	for i, p := range out {
		want := float32(0)
		if i == 10 {
			want = 0.3
		}
		if p != want {
			t.Errorf("frame %d: %v, want %v", i, p, want)
		}
	}
	if len(model.frames) != 7 {
		t.Fatalf("model got %d calls, want 7", len(model.frames))
	}
	look := model.frames[0]
	if len(look) != 960 || look[0] != 7 || look[959] != 9 {
		t.Errorf("lookback: %d samples from %d to %d, want 960 from frame 7 to 9", len(look), look[0], look[len(look)-1])
	}
	for i, fr := range model.frames[1:] {
		if fr[0] != int16(10+i) {
			t.Errorf("model call %d got frame %d, want %d", i+1, fr[0], 10+i)
		}
	}
	if len(model.contexts) != 1 || len(model.contexts[0]) != gateContext || model.contexts[0][0] != 6 {
		t.Errorf("resync context %v, want the 64 samples of frame 6", model.contexts)
	}
	if st := g.Stats(); st.Frames != 30 || st.ModelFrames != 6 {
		t.Errorf("stats %+v, want 30 frames, 6 scored by the model", st)
	}
}

func TestGateKeepsModelWhileItHearsSpeech(t *testing.T) {
	cfg := GateConfig{Threshold: 0.2, Hangover: 40 * time.Millisecond, Lookback: 0}
	cheap := &fakeDetector{score: cheapScript(0)}
	// The model says speech for its first 10 calls.
	model := &fakeDetector{score: func(call int) float32 {
		if call < 10 {
			return 0.8
		}
		return 0.1
	}}
	g, err := NewGate(cheap, model, cfg)
	if err != nil {
		t.Fatal(err)
	}
	probs, err := scoreFrames(g, pcm(silence(0.4)), 20)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(model.frames); got != 11 {
		t.Errorf("model ran %d frames, want 11 (10 of speech and one that ended it)", got)
	}
	if probs[10] != 0.1 || probs[11] != 0 {
		t.Errorf("probabilities around the end %v", probs[8:13])
	}
}

func TestGateStartOfStreamLookback(t *testing.T) {
	cheap := &fakeDetector{score: cheapScript(1)}
	model := &fakeDetector{score: func(int) float32 { return 0.6 }}
	g, err := NewGate(cheap, model, DefaultGateConfig())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := g.Process(frameN(i + 1)); err != nil {
			t.Fatal(err)
		}
	}
	// Opening on the second frame: the lookback is the one frame there is.
	if len(model.frames) != 2 || len(model.frames[0]) != 320 || model.frames[0][0] != 1 {
		t.Errorf("model frames %d, first of %d samples", len(model.frames), len(model.frames[0]))
	}
	if len(model.contexts) != 1 || len(model.contexts[0]) != 0 {
		t.Errorf("context %v, want empty", model.contexts)
	}
}

func TestGateErrorsResetClose(t *testing.T) {
	boom := errors.New("boom")
	cheap := &fakeDetector{score: cheapScript(0, 1, 2)}
	model := &fakeDetector{score: func(int) float32 { return 0.9 }}
	g, err := NewGate(cheap, model, DefaultGateConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Process(frameN(0)); err != nil {
		t.Fatal(err)
	}
	model.err = boom
	if _, err := g.Process(frameN(1)); !errors.Is(err, boom) {
		t.Errorf("model error: got %v", err)
	}
	cheap.err = boom
	if _, err := g.Process(frameN(2)); !errors.Is(err, boom) {
		t.Errorf("cheap error: got %v", err)
	}
	g.Reset()
	if cheap.resets != 1 || model.resets != 1 || g.Stats() != (GateStats{}) {
		t.Errorf("Reset: cheap %d, model %d, stats %+v", cheap.resets, model.resets, g.Stats())
	}
	if err := g.Close(); err != nil || cheap.closes != 1 || model.closes != 1 {
		t.Errorf("Close: %v, cheap %d, model %d", err, cheap.closes, model.closes)
	}
	if _, err := NewGate(nil, model, DefaultGateConfig()); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil detector: %v", err)
	}
}

func TestGateConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		modify func(*GateConfig)
		ok     bool
	}{
		{"defaults", func(*GateConfig) {}, true},
		{"no lookback or hangover", func(c *GateConfig) { c.Lookback, c.Hangover = 0, 0 }, true},
		{"zero threshold", func(c *GateConfig) { c.Threshold = 0 }, false},
		{"threshold above one", func(c *GateConfig) { c.Threshold = 1.1 }, false},
		{"negative hangover", func(c *GateConfig) { c.Hangover = -time.Millisecond }, false},
		{"lookback over a second", func(c *GateConfig) { c.Lookback = 2 * time.Second }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultGateConfig()
			c.modify(&cfg)
			err := cfg.Validate()
			if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidConfig)) {
				t.Errorf("got %v, want ok=%v", err, c.ok)
			}
		})
	}
}

// tonalFake is a cheap detector that also reports tonal runs.
type tonalFake struct {
	fakeDetector
	tonal func(calls int) int
}

func (f *tonalFake) tonalFrames() int { return f.tonal(len(f.frames) - 1) }

func TestGateVetoes(t *testing.T) {
	cfg := GateConfig{Threshold: 0.4, Hangover: time.Second}
	cases := []struct {
		name  string
		cheap func(int) float32
		tonal func(int) int
		want  func(i int) float32
	}{
		{"cheap agrees during warm-up", func(int) float32 { return 0.9 }, nil,
			func(int) float32 { return 0.8 }},
		{"cheap silent during warm-up", func(i int) float32 { return map[bool]float32{true: 0.9}[i == 0] },
			nil, func(i int) float32 {
				switch {
				case i == 0:
					return 0.8 // opened the gate
				case i < 10:
					return 0 // warm-up: the cheap detector's 0
				}
				return 0.8 // settled: the model alone
			}},
		{"held tone", func(int) float32 { return 0.45 }, func(i int) int { return max(0, i-4) },
			func(i int) float32 {
				if i-4 >= tonalVetoFrames {
					return 0.45
				}
				return 0.8
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cheap Detector = &fakeDetector{score: c.cheap}
			if c.tonal != nil {
				cheap = &tonalFake{fakeDetector{score: c.cheap}, c.tonal}
			}
			g, err := NewGate(cheap, &fakeDetector{score: func(int) float32 { return 0.8 }}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 30; i++ {
				p, err := g.Process(frameN(i))
				if err != nil {
					t.Fatal(err)
				}
				if want := c.want(i); p != want {
					t.Errorf("frame %d: %v, want %v", i, p, want)
				}
			}
		})
	}
}

func TestGateDoesNotAllocate(t *testing.T) {
	// Speech and pauses, so that the model stops and restarts (with its
	// lookback) during the measurement.
	x := pcm(mix(concat(silence(1), pseudoSpeech(51, -25, 1), silence(1), pseudoSpeech(52, -25, 1)), whiteNoise(53, -50, 4)))
	g, err := NewGate(NewEnergy(), NewEnergy(), DefaultGateConfig())
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	if allocs := testing.AllocsPerRun(400, func() {
		off := (i % 200) * 320
		i++
		if _, err := g.Process(audio.Frame{Rate: 16000, Samples: x[off : off+320]}); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("Process allocates %v times per frame", allocs)
	}
	if st := g.Stats(); st.ModelFrames == 0 || st.ModelFrames == st.Frames {
		t.Errorf("stats %+v: the model should have run part of the time", st)
	}
}
