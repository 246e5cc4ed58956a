package vad_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline/vad"
	"github.com/parley-voice/parley/pipeline/vad/vadeval"
)

// Targets of the evaluation (frame level, probability >= 0.5, against
// labels from the clean speech). The default detector (gated) and Silero
// must meet the product targets; the pure-Go fallback has looser ones:
// it rejects stationary noise and tones but not music with harmonics
// (chords are reported, not asserted), and loses recall below 10 dB SNR.
type targets struct {
	cleanF1      float64
	f1AtSNR      map[float64]float64 // minimum F1 at each SNR (dB) and above
	nonSpeechFPR map[string]float64  // maximum FPR per non-speech condition; "*" for the rest
	onsetMedian  time.Duration       // on clean speech
}

var (
	productTargets = targets{
		cleanF1:      0.95,
		f1AtSNR:      map[float64]float64{5: 0.85},
		nonSpeechFPR: map[string]float64{"*": 0.01},
		onsetMedian:  80 * time.Millisecond,
	}
	// Silero alone meets the product targets except on music-like tones,
	// where it fires on 0-3% of frames depending on the material; the
	// Gate's tonal veto removes most of that.
	sileroTargets = targets{
		cleanF1:      productTargets.cleanF1,
		f1AtSNR:      productTargets.f1AtSNR,
		nonSpeechFPR: map[string]float64{"*": 0.01, "sweeps": 0.03, "chords pure": 0.03, "chords harmonic": 0.03},
		onsetMedian:  productTargets.onsetMedian,
	}
	fallbackTargets = targets{
		cleanF1: 0.90,
		f1AtSNR: map[float64]float64{10: 0.85, 5: 0.80},
		nonSpeechFPR: map[string]float64{
			"pure white": 0.02, "pure pink": 0.02, "pure brown": 0.02,
			"pink step +20dB": 0.05, "dtmf": 0.05, "sweeps": 0.05,
			// Music is the fallback's known weakness: pure chords are
			// mostly rejected as tonal (about 3-9%), chords with harmonics
			// are not (about 45%); these bounds only guard regressions.
			"chords pure": 0.15, "chords harmonic": 0.6,
		},
		onsetMedian: 40 * time.Millisecond,
	}
)

func TestEvaluation(t *testing.T) {
	synth, err := vadeval.NewSynthesizer()
	if errors.Is(err, vadeval.ErrNoSynthesizer) {
		t.Skip("flite and espeak-ng are not installed (make deps installs them); skipping the evaluation")
	}
	if err != nil {
		t.Fatal(err)
	}
	if missing := synth.Missing(); len(missing) > 0 {
		t.Logf("not installed, voices skipped: %v", missing)
	}
	// 28 utterances (94 s) per speech condition at every SNR and colour,
	// and 30 s of each non-speech sound: about 30 s on 2 cores. Under -short
	// and -race (which slows the floating-point code tenfold or more) fewer
	// speech conditions keep the run under 30 s; the non-speech material,
	// generated from its own seed, is the same.
	opts := vadeval.StandardOptions()
	if testing.Short() || raceEnabled {
		opts = vadeval.QuickOptions()
		t.Log("smaller speech set (-short or -race); cpu/s is not meaningful under -race")
	}
	ctx := context.Background()
	start := time.Now()
	conds, err := vadeval.Build(ctx, synth, opts)
	if err != nil {
		t.Fatal(err)
	}
	built := time.Since(start)

	kinds := []string{vad.KindGated, vad.KindSilero, vad.KindEnergy}
	model, tried := vad.FindModelForTest()
	if model == "" {
		t.Logf("Silero model not installed (looked at %v; make deps installs it): only the energy detector is evaluated", tried)
		kinds = kinds[2:]
	}
	var cands []vadeval.Candidate
	for _, k := range kinds {
		cands = append(cands, candidate(t, k, model))
	}
	rep, err := vadeval.Run(ctx, cands, conds)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("corpus built in %v, scored in %v\n%s", built.Round(time.Millisecond),
		(time.Since(start) - built).Round(time.Millisecond), rep.Table())

	if model != "" {
		check(t, rep, vad.KindGated, productTargets)
		check(t, rep, vad.KindSilero, sileroTargets)
	}
	check(t, rep, vad.KindEnergy, fallbackTargets)

	// The gate's point: idle lines barely run the model.
	for _, r := range rep.Results {
		if r.Detector == vad.KindGated && len(r.Condition) > 5 && r.Condition[:5] == "pure " && r.ModelShare > 0.1 {
			t.Errorf("gated on %s ran the model on %.0f%% of frames, want under 10%%", r.Condition, 100*r.ModelShare)
		}
	}
}

// candidate returns a detector kind built by a Factory, as in production.
func candidate(t *testing.T, kind, model string) vadeval.Candidate {
	t.Helper()
	cfg := vad.DefaultConfig()
	cfg.Detector, cfg.ModelPath = kind, model
	f, err := vad.NewFactory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if f.Kind() != kind {
		t.Fatalf("factory for %s built %s: %v", kind, f.Kind(), f.Fallback())
	}
	return vadeval.Candidate{Name: kind, New: f.New}
}

func check(t *testing.T, rep vadeval.Report, det string, want targets) {
	t.Helper()
	if r, ok := rep.Find(det, "clean"); !ok || r.F1 < want.cleanF1 {
		t.Errorf("%s on clean speech: F1 %.3f, want >= %.2f", det, r.F1, want.cleanF1)
	} else if r.OnsetMedian > want.onsetMedian {
		t.Errorf("%s on clean speech: median onset delay %v, want <= %v", det, r.OnsetMedian, want.onsetMedian)
	}
	for _, r := range rep.Filter(det, vadeval.Noisy) {
		min := -1.0
		for snr, f1 := range want.f1AtSNR {
			if r.SNR >= snr && f1 > min {
				min = f1
			}
		}
		if r.F1 < min {
			t.Errorf("%s on %s: F1 %.3f, want >= %.2f", det, r.Condition, r.F1, min)
		}
	}
	for _, r := range rep.Filter(det, vadeval.NonSpeech) {
		max, ok := want.nonSpeechFPR[r.Condition]
		if !ok {
			max = want.nonSpeechFPR["*"]
		}
		if r.FPR > max {
			t.Errorf("%s on %s: speech on %.2f%% of frames, want <= %.2f%%", det, r.Condition, 100*r.FPR, 100*max)
		}
	}
}
