package vad

import "math"

// spectralShape counts the peaks of the excess spectrum (the power above the
// noise estimate), measures the share of it the largest peaks hold, and sets
// the tonal flag.
func (e *Energy) spectralShape() {
	f := &e.feat
	var total, maxE float64
	for _, x := range e.excess {
		total += x
		maxE = max(maxE, x)
	}
	floor := maxE * peakFloor
	var top [tonalMaxPeaks]int
	for i := range top {
		top[i] = -1
	}
	for k := 1; k < bandBins-1; k++ {
		x := e.excess[k]
		if x <= floor || x <= e.excess[k-1] || x < e.excess[k+1] {
			continue
		}
		f.peaks++
		insertTop(&top, e.excess[:], k)
	}
	var near float64
	for _, k := range top {
		if k >= 0 {
			for j := max(k-2, 0); j <= min(k+2, bandBins-1); j++ {
				near += e.excess[j]
			}
		}
	}
	if total > 0 {
		f.conc = min(near/total, 1)
	}
	f.tonal = total > 0 && f.peaks <= tonalMaxPeaks && f.conc >= tonalConc
}

// insertTop keeps the indices of the largest peaks in top, largest first.
func insertTop(top *[tonalMaxPeaks]int, x []float64, k int) {
	for i := range top {
		if top[i] < 0 || x[k] > x[top[i]] {
			copy(top[i+1:], top[i:len(top)-1])
			top[i] = k
			return
		}
	}
}

// stationarity measures how steady the sub-band levels have been over the
// last ltsvFrames (the largest standard deviation, in dB): stationary noise
// and held tones barely move, speech moves by tens of dB within a syllable.
func (e *Energy) stationarity(band []float64) {
	row := &e.ltsvRing[e.ltsvPos]
	for j := range row {
		var sum float64
		for _, p := range band[j*subBandBins : (j+1)*subBandBins] {
			sum += p
		}
		row[j] = 10 * math.Log10(max(sum, powFloor))
	}
	e.ltsvPos = (e.ltsvPos + 1) % ltsvFrames
	e.ltsvN = min(e.ltsvN+1, ltsvFrames)
	f := &e.feat
	if e.ltsvN < ltsvFrames {
		return
	}
	var worst float64
	for j := 0; j < subBands; j++ {
		var sum, sq float64
		for t := range e.ltsvRing {
			v := e.ltsvRing[t][j]
			sum += v
			sq += v * v
		}
		mean := sum / ltsvFrames
		worst = max(worst, sq/ltsvFrames-mean*mean)
	}
	f.ltsv = math.Sqrt(max(worst, 0))
	f.stationary = f.ltsv < ltsvMaxDB
}
