package vad

import "math"

// Early-outs of the energy detector. Most of a call's inbound audio is not
// speech: digital silence while the bot talks, or a quiet line. Neither
// needs the full spectral analysis of every frame:
//
//   - A window of digital silence (every sample 0) has a zero spectrum: no
//     FFT, and its likelihood and spectral shape follow in closed form (see
//     likelihoodSilent). The result is the same as the full analysis.
//   - A frame too quiet to be speech (RMS under minRMS, about -69 dBFS)
//     scores 0 whatever its spectrum. Once the line has been that quiet for
//     quietArm analysed frames, such frames are only analysed one in
//     quietEvery, so that the noise estimate keeps following the line; the
//     others are scored 0 without analysis, which is what the analysis
//     would have returned. A louder frame is analysed at once, so an onset
//     is never delayed. The skipped frames' spectra are missing from the
//     noise estimate, the stationarity measure and the tonal count (the
//     minimum search still advances in real time), so the frames after a
//     quiet stretch can score slightly differently than with every frame
//     analysed; on the evaluation set this shows on clean speech only,
//     within its noise.
//
// Skipping frames of louder steady noise by their energy alone was tried
// and rejected: a speech onset can raise a few bins far above the noise
// while the frame's energy (even in sub-bands) moves by less than the
// frame-to-frame fluctuation of the noise, and the skipped frames' noise
// updates are missed later on.

// Quiet-line skipping.
const (
	quietArm   = 10 // analysed frames in a row under minRMS before skipping (200 ms)
	quietEvery = 5  // on a quiet line, one frame in quietEvery is analysed (100 ms)
)

// quietTracker decides which frames the energy detector may skip.
type quietTracker struct {
	run     int   // analysed frames in a row under minRMS, up to quietArm
	skipped int   // frames skipped since the last analysed one
	skips   int64 // frames skipped since the last Reset
	off     bool  // never skip (for comparisons with the full analysis)
}

// skip reports whether a frame of RMS rms may be skipped, and counts it if
// so.
func (q *quietTracker) skip(rms float64) bool {
	if q.off || rms >= minRMS || q.run < quietArm || q.skipped >= quietEvery-1 {
		return false
	}
	q.skipped++
	q.skips++
	return true
}

// analysed records an analysed frame: whether it was under minRMS, with the
// noise estimate past its learning period.
func (q *quietTracker) analysed(quiet bool) {
	q.skipped = 0
	if !quiet {
		q.run = 0
		return
	}
	q.run = min(q.run+1, quietArm)
}

// likelihoodSilent is likelihood for a band with no power at all: every bin
// has gamma = 0, so its ratio is -log(1+xi) with xi = max(ddAlpha·prevG2G,
// xiMin), and prevG2G and excess become 0. After a silent frame every xi is
// xiMin, and the result is the tables' constant silentLLR. The arithmetic
// is that of likelihood, so the results are identical.
func (e *Energy) likelihoodSilent() float64 {
	if e.g2gClear {
		return e.tab.silentLLR
	}
	var sum float64
	prod := 1.0
	for k := range e.prevG2G {
		xi := max(ddAlpha*e.prevG2G[k], xiMin)
		prod *= 1 + xi
		if prod > 1e250 {
			sum -= math.Log(prod)
			prod = 1
		}
	}
	clear(e.prevG2G[:])
	clear(e.excess[:])
	e.g2gClear, e.excessZero = true, true
	return (sum - math.Log(prod)) / bandBins
}
