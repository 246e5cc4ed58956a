package vadeval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
)

// Threshold is the probability at or above which a frame counts as speech in
// the frame-level scores (the Segmenter's default onset threshold).
const Threshold = 0.5

// Candidate is a detector under evaluation.
type Candidate struct {
	// Name labels the detector in the report.
	Name string
	// New returns a fresh detector for one condition; Run closes it.
	New func() (vad.Detector, error)
}

// Result is one detector's scores on one condition.
type Result struct {
	Detector  string
	Condition string
	Group     Group
	SNR       float64
	Seconds   float64
	Scores
	// CPU is the time spent in Process for the whole condition, and
	// CPUPerSecond the same per second of audio (wall time on the calling
	// goroutine, so it includes any time the goroutine was descheduled).
	CPU          time.Duration
	CPUPerSecond time.Duration
	// ModelShare is the share of frames for which a gated detector ran its
	// model, or -1 for other detectors.
	ModelShare float64
}

// Report holds every Result of a Run.
type Report struct {
	Results []Result
}

// gateStatser is implemented by vad.Gate.
type gateStatser interface{ Stats() vad.GateStats }

// Run scores every candidate on every condition, in parallel up to
// GOMAXPROCS. It stops at the first error or when ctx is cancelled.
func Run(ctx context.Context, cands []Candidate, conds []Condition) (Report, error) {
	results := make([]Result, len(cands)*len(conds))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for ci, c := range cands {
		for ki, k := range conds {
			g.Go(func() error {
				r, err := runOne(ctx, c, k)
				results[ci*len(conds)+ki] = r
				return err
			})
		}
	}
	if err := g.Wait(); err != nil {
		return Report{}, err
	}
	return Report{Results: results}, nil
}

// runOne feeds one condition through a fresh detector, 20 ms at a time.
func runOne(ctx context.Context, c Candidate, k Condition) (Result, error) {
	d, err := c.New()
	if err != nil {
		return Result{}, fmt.Errorf("vadeval: %s: %w", c.Name, err)
	}
	defer d.Close()
	n := len(k.Labels)
	decisions := make([]bool, n)
	var spent time.Duration
	for i := 0; i < n; i++ {
		if i%500 == 0 && ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		f := audio.Frame{Rate: Rate, Samples: k.Samples[i*FrameSamples : (i+1)*FrameSamples]}
		start := time.Now()
		p, err := d.Process(f)
		spent += time.Since(start)
		if err != nil {
			return Result{}, fmt.Errorf("vadeval: %s on %s, frame %d: %w", c.Name, k.Name, i, err)
		}
		decisions[i] = p >= Threshold
	}
	r := Result{
		Detector: c.Name, Condition: k.Name, Group: k.Group, SNR: k.SNR,
		Seconds: k.Seconds(), Scores: Score(k.Labels, decisions),
		CPU: spent, ModelShare: -1,
	}
	if r.Seconds > 0 {
		r.CPUPerSecond = time.Duration(float64(spent) / r.Seconds)
	}
	if gs, ok := d.(gateStatser); ok {
		st := gs.Stats()
		if st.Frames > 0 {
			r.ModelShare = float64(st.ModelFrames) / float64(st.Frames)
		}
	}
	return r, nil
}

// Find returns the result of detector on condition.
func (r Report) Find(detector, condition string) (Result, bool) {
	i := slices.IndexFunc(r.Results, func(x Result) bool {
		return x.Detector == detector && x.Condition == condition
	})
	if i < 0 {
		return Result{}, false
	}
	return r.Results[i], true
}

// Filter returns the results of detector in group.
func (r Report) Filter(detector string, group Group) []Result {
	var out []Result
	for _, x := range r.Results {
		if x.Detector == detector && x.Group == group {
			out = append(out, x)
		}
	}
	return out
}

// WriteTable prints the report as an aligned text table, one row per
// detector and condition.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "detector\tcondition\tsec\tprecision\trecall\tF1\tFPR\tonset p50\tonset p90\tmissed\tcpu/s\tmodel\t")
	for _, x := range r.Results {
		model := "-"
		if x.ModelShare >= 0 {
			model = fmt.Sprintf("%.0f%%", 100*x.ModelShare)
		}
		p, rec, f1, onset50, onset90, missed := "-", "-", "-", "-", "-", "-"
		if x.Group != NonSpeech {
			p, rec, f1 = fmt.Sprintf("%.3f", x.Precision), fmt.Sprintf("%.3f", x.Recall), fmt.Sprintf("%.3f", x.F1)
			onset50, onset90 = ms(x.OnsetMedian), ms(x.OnsetP90)
			missed = fmt.Sprintf("%d/%d", x.Missed, x.Onsets)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%s\t%.2f%%\t%s\t%s\t%s\t%s\t%s\t\n",
			x.Detector, x.Condition, x.Seconds, p, rec, f1, 100*x.FPR, onset50, onset90, missed,
			x.CPUPerSecond.Round(time.Microsecond), model)
	}
	return tw.Flush()
}

// resultJSON is the JSON form of a Result.
type resultJSON struct {
	Detector   string  `json:"detector"`
	Condition  string  `json:"condition"`
	Group      Group   `json:"group"`
	SNR        float64 `json:"snr_db,omitempty"`
	Seconds    float64 `json:"seconds"`
	Precision  float64 `json:"precision"`
	Recall     float64 `json:"recall"`
	F1         float64 `json:"f1"`
	FPR        float64 `json:"fpr"`
	Onsets     int     `json:"onsets"`
	Missed     int     `json:"missed"`
	OnsetP50MS int64   `json:"onset_p50_ms"`
	OnsetP90MS int64   `json:"onset_p90_ms"`
	CPUPerSec  float64 `json:"cpu_ms_per_s"`
	ModelShare float64 `json:"model_share"`
}

// WriteJSONLines prints one JSON object per result line (keys detector,
// condition, group, snr_db, seconds, precision, recall, f1, fpr, onsets,
// missed, onset_p50_ms, onset_p90_ms, cpu_ms_per_s, model_share; -1 for
// model_share means not gated).
func (r Report) WriteJSONLines(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, x := range r.Results {
		err := enc.Encode(resultJSON{
			Detector: x.Detector, Condition: x.Condition, Group: x.Group, SNR: x.SNR, Seconds: x.Seconds,
			Precision: x.Precision, Recall: x.Recall, F1: x.F1, FPR: x.FPR, Onsets: x.Onsets, Missed: x.Missed,
			OnsetP50MS: x.OnsetMedian.Milliseconds(), OnsetP90MS: x.OnsetP90.Milliseconds(),
			CPUPerSec: float64(x.CPUPerSecond) / float64(time.Millisecond), ModelShare: x.ModelShare,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Table returns WriteTable's output as a string.
func (r Report) Table() string {
	var b strings.Builder
	_ = r.WriteTable(&b)
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%dms", d.Milliseconds()) }
