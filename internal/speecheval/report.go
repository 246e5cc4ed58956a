package speecheval

import (
	"math"
	"slices"
	"time"
)

// Result is the recognition of one clip.
type Result struct {
	// ID and Voice name the clip.
	ID, Voice string
	// Ref is the reference text; Hyp the recognized text (the stream's
	// final results joined).
	Ref, Hyp string
	// Score counts Hyp's word errors against Ref.
	Score
	// Audio is the clip's duration.
	Audio time.Duration
	// Finals counts the final results (one per utterance the recognizer
	// heard; more than one when it split the clip), Partials the partial
	// results.
	Finals, Partials int
	// Decode is the wall time from the clip's first write (or the
	// transcription call) to its last final result.
	Decode time.Duration
	// FinalLatency is, in a real-time evaluation, the time from the end
	// of speech as the session decides it (the frame whose Voice turned
	// Speaking off, or the stream's Close if it never did) to the last
	// final result; AfterSpeech the time from the write of the clip's
	// last spoken sample to it. Both are zero otherwise.
	FinalLatency, AfterSpeech time.Duration
}

// Report sums up an evaluation.
type Report struct {
	// Band is the band the clips were recognized in.
	Band Band
	// RealTime reports a paced evaluation (WithRealTime), whose results
	// have latencies.
	RealTime bool
	// Results holds one entry per clip, in the clips' order.
	Results []Result
	// Score sums the results' scores.
	Score
	// Audio is the clips' total duration.
	Audio time.Duration
	// CPU is the process's CPU time (user and system) over the
	// evaluation, and Wall its duration. Run evaluations alone in the
	// process for CPU to mean the recognizer's.
	CPU, Wall time.Duration
}

// RTF returns the real-time factor: the CPU time per second of audio (0.3
// means a third of a core per speaking caller).
func (r *Report) RTF() float64 {
	if r.Audio <= 0 {
		return 0
	}
	return r.CPU.Seconds() / r.Audio.Seconds()
}

// CPUPerStream returns the cores used per stream in a real-time
// evaluation: the CPU time over the wall time, shared among the streams
// that ran at once; 0 otherwise.
func (r *Report) CPUPerStream(concurrency int) float64 {
	if !r.RealTime || r.Wall <= 0 || concurrency < 1 {
		return 0
	}
	return r.CPU.Seconds() / r.Wall.Seconds() / float64(min(concurrency, max(len(r.Results), 1)))
}

// Latency returns the q quantile (in [0, 1], nearest rank) of the results'
// FinalLatency, or of AfterSpeech when afterSpeech is set; 0 when the
// evaluation was not in real time.
func (r *Report) Latency(q float64, afterSpeech bool) time.Duration {
	if !r.RealTime {
		return 0
	}
	ds := make([]time.Duration, 0, len(r.Results))
	for _, res := range r.Results {
		if afterSpeech {
			ds = append(ds, res.AfterSpeech)
		} else {
			ds = append(ds, res.FinalLatency)
		}
	}
	return Quantile(ds, q)
}

// Quantile returns the q quantile (in [0, 1], nearest rank) of ds; 0 for
// no values. ds is not modified.
func Quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q = min(max(q, 0), 1)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// add records a result.
func (r *Report) add(res Result) {
	r.Results = append(r.Results, res)
	r.Score = r.Score.Add(res.Score)
	r.Audio += res.Audio
}
