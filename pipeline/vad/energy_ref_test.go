package vad

// The energy detector as it was before its early-outs and cheaper
// logarithms, kept as the reference the optimised one must agree with (see
// energy_equiv_test.go). It shares the constants and the FFT.

import (
	"math"

	"github.com/parley-voice/parley/pipeline/audio"
)

// refEnergy is the energy detector before its early-outs.
type refEnergy struct {
	fft    *realFFT
	window [energyWindow]float64
	ring   [energyWindow]float64 // the newest samples; ring[pos] is the oldest
	pos    int
	fill   int // samples received since the last analysis
	xin    [energyWindow]float64
	pow    [energyWindow/2 + 1]float64

	primed   bool
	noise    [bandBins]float64 // noise power estimate per bin
	smooth   [bandBins]float64 // smoothed power, for the minimum search
	curMin   [bandBins]float64 // minimum in the current sub-window
	winMin   [bandBins]float64 // minimum over the finished sub-windows
	subMin   [subWins][bandBins]float64
	subIdx   int
	subCount int
	prevG2G  [bandBins]float64 // gain² × a posteriori SNR of the last frame
	excess   [bandBins]float64 // power above the noise estimate

	ltsvRing  [ltsvFrames][subBands]float64 // sub-band levels (dB), ring
	ltsvPos   int
	ltsvN     int
	received  int // samples received, up to energyWindow
	frames    int // analyses since the noise estimate was primed
	speechRun int
	tonalRun  int // tonal frames in a row, up to now
	hold      int
	frameRMS  float64
	prob      float32
	feat      refFeatures
}

// refFeatures are one frame's measurements, kept for tests and tuning.
type refFeatures struct {
	llr        float64 // mean log likelihood ratio over the band
	peaks      int     // significant spectral peaks
	conc       float64 // share of excess energy near the top peaks
	ltsv       float64 // largest sub-band level standard deviation (dB)
	tonal      bool
	stationary bool
	raw        float64 // probability before hangover
}

// newRefEnergy returns a reference detector for one stream.
func newRefEnergy() *refEnergy {
	e := &refEnergy{fft: newRealFFT()}
	for i := range e.window {
		e.window[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/energyWindow)
	}
	return e
}

// Process implements Detector. It returns ErrBadFrame for a frame that is not
// 16 kHz of whole milliseconds. Frames of any length are accepted: the
// probability is updated each time 20 ms of new audio has arrived.
func (e *refEnergy) Process(f audio.Frame) (float32, error) {
	if err := checkFrame(f); err != nil {
		return 0, err
	}
	for _, v := range f.Samples {
		x := float64(v)
		e.ring[e.pos] = x
		e.pos = (e.pos + 1) & (energyWindow - 1)
		e.frameRMS += x * x
		e.fill++
		e.received = min(e.received+1, energyWindow)
		if e.fill == energyHop && e.received < energyWindow {
			// Not a whole window yet (the first 12 ms of the stream).
			e.fill, e.frameRMS = 0, 0
		} else if e.fill == energyHop {
			e.prob = e.step()
			e.fill = 0
			e.frameRMS = 0
		}
	}
	return e.prob, nil
}

// Reset implements Detector.
func (e *refEnergy) Reset() {
	fft, window := e.fft, e.window
	*e = refEnergy{fft: fft, window: window}
}

// Close implements Detector; an Energy holds no external resources.
func (e *refEnergy) Close() error { return nil }

// step analyses the newest window and returns the smoothed probability.
func (e *refEnergy) step() float32 {
	rms := math.Sqrt(e.frameRMS / energyHop)
	for i := range e.xin {
		e.xin[i] = e.ring[(e.pos+i)&(energyWindow-1)] * e.window[i]
	}
	e.fft.power(&e.xin, &e.pow)
	band := e.pow[bandLo:bandHi]
	if !e.primed {
		e.prime(band)
	}
	f := &e.feat
	*f = refFeatures{}
	f.llr = e.likelihood(band)
	e.spectralShape()
	e.stationarity(band)
	raw := 1 / (1 + math.Exp(-llrSlope*(f.llr-llrCenter)))
	if f.stationary {
		raw *= statPenalty
	}
	if f.tonal {
		raw *= tonalPenalty
		e.tonalRun++
	} else {
		e.tonalRun = 0
	}
	if rms < minRMS || e.frames < startupFrames {
		// Too quiet to be speech, or still learning the line's noise.
		raw = 0
	}
	f.raw = raw
	e.updateNoise(band, raw >= 0.5, f.stationary)
	return float32(e.hangover(raw))
}

// prime starts the noise estimate from the first window.
func (e *refEnergy) prime(band []float64) {
	for k, p := range band {
		p = max(p, powFloor)
		e.noise[k], e.smooth[k], e.curMin[k], e.winMin[k] = p, p, p, p
		for u := range e.subMin {
			e.subMin[u][k] = p
		}
	}
	e.primed = true
}

// hangover holds the probability at hangoverLevel for a few frames after
// speech, so that weak word endings and short pauses are not cut.
func (e *refEnergy) hangover(raw float64) float64 {
	if raw >= 0.5 {
		e.speechRun++
		if e.speechRun >= hangoverArm {
			e.hold = hangoverFrames
		}
		return raw
	}
	e.speechRun = 0
	if e.hold > 0 {
		e.hold--
		return max(raw, hangoverLevel)
	}
	return raw
}

// tonalFrames returns how many frames in a row, up to the last one, were
// tonal (few spectral peaks holding most of the power).
func (e *refEnergy) tonalFrames() int { return e.tonalRun }

// likelihood returns the mean per-bin log likelihood ratio of speech against
// noise and fills e.excess with the power above the noise estimate.
func (e *refEnergy) likelihood(band []float64) float64 {
	var sum float64
	for k, p := range band {
		lam := max(e.noise[k], powFloor)
		gamma := p / lam
		xi := max(ddAlpha*e.prevG2G[k]+(1-ddAlpha)*max(gamma-1, 0), xiMin)
		g := xi / (1 + xi)
		sum += min(gamma*g-math.Log1p(xi), llrCap)
		e.prevG2G[k] = g * g * gamma
		e.excess[k] = max(p-lam, 0)
	}
	return sum / bandBins
}

// updateNoise advances the per-bin noise estimate: a recursive average in
// non-speech frames (falling fast, rising slowly), bounded by the windowed
// minimum of the smoothed spectrum.
func (e *refEnergy) updateNoise(band []float64, speech, stationary bool) {
	e.subCount++
	rotate := e.subCount == subFrames
	e.frames++
	if e.frames < startupFrames {
		// Learning the line's noise: average the first frames.
		w := 1 / float64(e.frames+1)
		for k, p := range band {
			p = max(p, powFloor)
			e.noise[k] = (1-w)*e.noise[k] + w*p
			e.smooth[k] = smoothPow*e.smooth[k] + (1-smoothPow)*p
			e.curMin[k] = min(e.curMin[k], e.smooth[k])
		}
		if rotate {
			e.rotateMinima()
		}
		if e.frames == startupFrames-1 {
			// Seed the minimum search with the learnt noise (the minimum of
			// a smoothed noise spectrum sits about 3 dB under its mean).
			for k := range e.noise {
				m := e.noise[k] / 2
				e.curMin[k], e.winMin[k] = m, m
				for u := range e.subMin {
					e.subMin[u][k] = m
				}
			}
		}
		return
	}
	for k, p := range band {
		p = max(p, powFloor)
		s := smoothPow*e.smooth[k] + (1-smoothPow)*p
		e.smooth[k] = s
		e.curMin[k] = min(e.curMin[k], s)
		lam := e.noise[k]
		switch {
		case stationary:
			lam = statAdapt*lam + (1-statAdapt)*p
		case p < lam:
			lam = noiseFall*lam + (1-noiseFall)*p
		case !speech:
			lam = noiseRise*lam + (1-noiseRise)*p
		}
		m := min(e.winMin[k], e.curMin[k])
		if stationary {
			e.noise[k] = max(lam, minBiasLo*m)
			continue
		}
		e.noise[k] = min(max(lam, minBiasLo*m), minBiasHi*m)
	}
	if rotate {
		e.rotateMinima()
	}
}

// rotateMinima closes the current minimum-search sub-window.
func (e *refEnergy) rotateMinima() {
	e.subMin[e.subIdx] = e.curMin
	e.subIdx = (e.subIdx + 1) % subWins
	e.subCount = 0
	e.winMin = e.subMin[0]
	for u := 1; u < subWins; u++ {
		for k := range e.winMin {
			e.winMin[k] = min(e.winMin[k], e.subMin[u][k])
		}
	}
	e.curMin = e.smooth
}

// spectralShape counts the peaks of the excess spectrum (the power above the
// noise estimate), measures the share of it the largest peaks hold, and sets
// the tonal flag.
func (e *refEnergy) spectralShape() {
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
		refInsertTop(&top, e.excess[:], k)
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

// refInsertTop keeps the indices of the largest peaks in top, largest first.
func refInsertTop(top *[tonalMaxPeaks]int, x []float64, k int) {
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
func (e *refEnergy) stationarity(band []float64) {
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
