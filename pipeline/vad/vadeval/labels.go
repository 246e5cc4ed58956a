package vadeval

import "math"

// FrameSamples is the number of samples in one 20 ms frame at Rate.
const FrameSamples = Rate / 50

// Labelling thresholds for clean speech.
const (
	labelRangeDB  = 40.0 // frames within this many dB of the loudest are speech
	labelFloorDB  = -60.0
	labelBridge   = 10 // pauses shorter than this many frames (200 ms) are speech
	labelMinBurst = 2  // bursts shorter than this many frames (40 ms) are not
)

// Label returns the frame-level ground truth of clean speech x (full-scale
// floats at Rate, one label per whole 20 ms frame): a frame is speech when
// its RMS is within 40 dB of the loudest frame and above -60 dBFS; pauses
// under 200 ms between speech frames are speech (a listener hears one
// utterance, and every detector bridges them), and bursts under 40 ms are
// not.
func Label(x []float64) []bool {
	n := len(x) / FrameSamples
	levels := make([]float64, n)
	peak := math.Inf(-1)
	for i := range levels {
		levels[i] = dbfs(rms(x[i*FrameSamples : (i+1)*FrameSamples]))
		peak = max(peak, levels[i])
	}
	labels := make([]bool, n)
	for i, l := range levels {
		labels[i] = l >= peak-labelRangeDB && l >= labelFloorDB
	}
	fillRuns(labels, false, labelBridge, true)
	fillRuns(labels, true, labelMinBurst, false)
	return labels
}

// fillRuns sets to `to` every run of `from` values shorter than maxLen that has
// a neighbour on both sides (runs touching either end are kept).
func fillRuns(labels []bool, from bool, maxLen int, to bool) {
	for i := 0; i < len(labels); {
		if labels[i] != from {
			i++
			continue
		}
		j := i
		for j < len(labels) && labels[j] == from {
			j++
		}
		if i > 0 && j < len(labels) && j-i < maxLen {
			for k := i; k < j; k++ {
				labels[k] = to
			}
		}
		i = j
	}
}
