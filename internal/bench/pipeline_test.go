package bench

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/pipeline/vad"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		desc string
		xs   []float64
		p    float64
		want float64
	}{
		{"no samples", nil, 50, 0},
		{"one sample", []float64{7}, 99, 7},
		{"median of odd count", []float64{3, 1, 2}, 50, 2},
		{"p99 of 100 picks the 99th", seq(100), 99, 99},
		{"p95 of 20 picks the 19th", seq(20), 95, 19},
		{"p100 is the max", []float64{5, 9, 1}, 100, 9},
	}
	for _, tc := range tests {
		if got := percentile(tc.xs, tc.p); got != tc.want {
			t.Errorf("%s: percentile(%v) = %v, want %v", tc.desc, tc.p, got, tc.want)
		}
	}
}

func seq(n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(n - i)
	}
	return xs
}

// TestRunPipelineShort runs a few calls through one scripted cycle and checks
// that the report is filled from real measurements: the bot answered, the
// caller's interruption cut it off, and frames flowed both ways.
func TestRunPipelineShort(t *testing.T) {
	defer goleak.VerifyNone(t)
	if testing.Short() {
		t.Skip("runs calls in real time")
	}
	cfg := PipelineConfig{
		Sessions: 4,
		Duration: 9 * time.Second,
		Warmup:   time.Second,
		VAD:      vad.Config{Detector: vad.KindEnergy, Gate: vad.DefaultGateConfig(), Segmenter: vad.DefaultSegmenterConfig()},
		Seed:     7,
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := RunPipeline(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", r)
	switch {
	case r.Sessions != 4:
		t.Errorf("sessions = %d, want 4", r.Sessions)
	case r.Detector != vad.KindEnergy:
		t.Errorf("detector = %q, want energy", r.Detector)
	case r.Turns < 4:
		t.Errorf("turns = %d, want at least one per call", r.Turns)
	case r.BargeIns < 4:
		t.Errorf("barge-ins = %d, want the scripted interruption in every call", r.BargeIns)
	case r.TurnOverheadP50 <= 0 || r.TurnOverheadP99 < r.TurnOverheadP50:
		t.Errorf("turn overhead p50 %v p99 %v: not measured", r.TurnOverheadP50, r.TurnOverheadP99)
	case r.BargeInCutoffP50 <= 0 || r.BargeInCutoffP95 < r.BargeInCutoffP50:
		t.Errorf("barge-in cut-off p50 %v p95 %v: not measured", r.BargeInCutoffP50, r.BargeInCutoffP95)
	case r.FramesIn < 4*400 || r.FramesOut == 0:
		t.Errorf("frames in %d out %d: the calls did not run", r.FramesIn, r.FramesOut)
	case r.RSSMB <= 0 || r.CPUCoresUsed <= 0:
		t.Errorf("rss %v MiB, cpu %v cores: not measured", r.RSSMB, r.CPUCoresUsed)
	}
}
