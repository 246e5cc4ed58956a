package vadeval

import (
	"slices"
	"time"
)

// FrameDuration is the duration of one labelled frame.
const FrameDuration = 20 * time.Millisecond

// Scores are frame-level detection scores of one detector on one condition.
type Scores struct {
	// TP, FP, FN and TN count frames: labelled speech detected, non-speech
	// detected, speech missed, non-speech rejected.
	TP, FP, FN, TN int
	// Precision is TP/(TP+FP); 1 when nothing was detected.
	Precision float64
	// Recall is TP/(TP+FN); 1 when there is no speech.
	Recall float64
	// F1 is the harmonic mean of Precision and Recall.
	F1 float64
	// FPR is FP/(FP+TN): the share of non-speech frames taken for speech.
	FPR float64
	// Onsets counts labelled speech regions; Missed those never detected.
	Onsets, Missed int
	// OnsetMedian and OnsetP90 are the median and 90th percentile delay from
	// a region's first labelled frame to its first detected frame, over the
	// regions detected.
	OnsetMedian, OnsetP90 time.Duration
}

// Score compares per-frame decisions with labels (same length).
func Score(labels, decisions []bool) Scores {
	var s Scores
	n := min(len(labels), len(decisions))
	for i := 0; i < n; i++ {
		switch {
		case labels[i] && decisions[i]:
			s.TP++
		case labels[i]:
			s.FN++
		case decisions[i]:
			s.FP++
		default:
			s.TN++
		}
	}
	s.Precision = ratio(s.TP, s.TP+s.FP, 1)
	s.Recall = ratio(s.TP, s.TP+s.FN, 1)
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	s.FPR = ratio(s.FP, s.FP+s.TN, 0)
	var delays []time.Duration
	for start := 0; start < n; start++ {
		if !labels[start] || (start > 0 && labels[start-1]) {
			continue
		}
		s.Onsets++
		end := start
		for end < n && labels[end] {
			end++
		}
		hit := slices.Index(decisions[start:end], true)
		if hit < 0 {
			s.Missed++
			continue
		}
		delays = append(delays, time.Duration(hit)*FrameDuration)
	}
	if len(delays) > 0 {
		slices.Sort(delays)
		s.OnsetMedian = delays[len(delays)/2]
		s.OnsetP90 = delays[min(len(delays)-1, len(delays)*9/10)]
	}
	return s
}

func ratio(num, den int, empty float64) float64 {
	if den == 0 {
		return empty
	}
	return float64(num) / float64(den)
}
