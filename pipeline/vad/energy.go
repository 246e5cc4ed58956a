package vad

import (
	"math"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Analysis geometry of the energy detector at 16 kHz.
const (
	energyHop    = 320 // samples per analysis step (20 ms)
	energyWindow = 512 // analysis window (32 ms, Hann)
	bandLo       = 5   // first analysed bin: 156 Hz (31.25 Hz per bin)
	bandHi       = 160 // one past the last analysed bin: 5 kHz
	bandBins     = bandHi - bandLo
)

// Statistical model (Sohn, Kim and Sung, "A statistical model-based voice
// activity detection", IEEE Signal Processing Letters 6(1), 1999): per-bin
// likelihood ratios of speech against noise, with the decision-directed a
// priori SNR of Ephraim and Malah.
const (
	ddAlpha   = 0.96  // decision-directed smoothing for a 20 ms hop
	xiMin     = 0.003 // a priori SNR floor (-25 dB)
	llrCap    = 60.0  // cap on one bin's log likelihood ratio
	llrCenter = 0.2   // mean log likelihood ratio where the probability is 0.5
	llrSlope  = 6.0   // logistic slope of the probability around llrCenter
	powFloor  = 1e-2  // power floor per bin, against digital silence
	minRMS    = 12.0  // frames quieter than this (about -69 dBFS) are silence
)

// Noise floor: a recursive average in non-speech frames, bounded by the
// minimum of the smoothed spectrum over a sliding window (after Martin,
// "Noise power spectral density estimation based on optimal smoothing and
// minimum statistics", IEEE TSAP 9(5), 2001, much simplified).
const (
	startupFrames = 10  // frames averaged into the first noise estimate (200 ms)
	noiseRise     = 0.9 // noise smoothing in non-speech frames
	noiseFall     = 0.6 // noise smoothing when a bin falls below the estimate
	statAdapt     = 0.7 // noise smoothing while the sound is stationary
	smoothPow     = 0.7 // temporal smoothing of the spectrum for the minimum
	subFrames     = 10  // frames per minimum sub-window (200 ms)
	subWins       = 8   // sub-windows in the minimum search (1.6 s)
	minBiasLo     = 1.6 // noise estimate >= minBiasLo × windowed minimum
	minBiasHi     = 5.0 // noise estimate <= minBiasHi × windowed minimum
)

// Rejection of tones and stationary sounds, and the hangover.
const (
	peakFloor      = 3.16e-3 // peaks within 25 dB of the largest count
	tonalMaxPeaks  = 4       // a tonal frame has at most this many peaks...
	tonalConc      = 0.8     // ...holding at least this share of the excess power
	tonalPenalty   = 0.05    // probability multiplier for a tonal frame
	subBands       = 15      // sub-bands of the stationarity measure (~320 Hz)
	subBandBins    = bandBins / subBands
	ltsvFrames     = 12   // frames of the stationarity measure (240 ms)
	ltsvMaxDB      = 3.0  // every sub-band level within this std (dB): stationary
	statPenalty    = 0.1  // probability multiplier for a stationary sound
	hangoverArm    = 2    // speech frames in a row that arm the hangover
	hangoverFrames = 6    // frames the probability is held after speech (120 ms)
	hangoverLevel  = 0.55 // probability held during the hangover
)

// Energy is the pure-Go Detector: a statistical-model VAD over the
// 156 Hz-5 kHz spectrum with an adaptive per-bin noise floor, which rejects
// tones and stationary sounds and holds its decision briefly after speech.
//
// Each 20 ms step windows the newest 32 ms (Hann, 512-point FFT) and
// computes:
//   - the mean log likelihood ratio of speech against the noise estimate over
//     the band, mapped to a probability by a logistic;
//   - tonality: at most 4 spectral peaks holding 80% of the power above the
//     noise (DTMF, beeps, sweeps, pure chords), which scales it by 0.05;
//   - stationarity: every 320 Hz sub-band level within 3 dB (standard
//     deviation) over the last 240 ms (stationary noise, a noise that just
//     got louder, held tones), which scales it by 0.1 and lets the noise
//     estimate absorb the sound within a few frames.
//
// The noise estimate is learnt over the first 200 ms (scored 0), then
// follows a recursive average in non-speech frames, falls at once when the
// level falls, and is bounded by the minimum of the smoothed spectrum over
// 1.6 s, so any stationary noise colour (white, pink, brown) is tracked per
// bin. A stream that starts with speech is heard as noise until its first
// pause.
//
// After two speech frames in a row the probability is held at 0.55 for
// 120 ms, bridging weak word endings. Music with harmonics (chords, melodies)
// is not rejected reliably: use Silero (or the Gate) where hold music reaches
// the detector.
//
// A 20 ms frame is scored with no added delay; frames of any whole number of
// milliseconds are accepted (the probability updates each time 20 ms have
// arrived). Process allocates nothing; it costs about 12 µs per 20 ms frame
// of speech or noise (0.6 ms of CPU per second of audio), and about 2.5 µs
// on digital silence and on a quiet line, where most of the analysis is
// skipped (see energy_skip.go). An Energy is not safe for concurrent use.
type Energy struct {
	tab   *energyTables         // shared, read-only
	ring  [energyWindow]float64 // the newest samples; ring[pos] is the oldest
	pos   int
	fill  int     // samples received since the last analysis
	zeros int     // samples in a row, up to the newest, that were 0 (at most a window)
	hopSq float64 // sum of the squares of the samples since the last analysis

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
	prob      float32
	feat      energyFeatures

	g2gClear   bool // prevG2G is all zero (after a silent frame)
	excessZero bool // excess is all zero (after a silent frame)
	quiet      quietTracker
}

// energyFeatures are one frame's measurements, kept for tests and tuning.
type energyFeatures struct {
	llr        float64 // mean log likelihood ratio over the band
	peaks      int     // significant spectral peaks
	conc       float64 // share of excess energy near the top peaks
	ltsv       float64 // largest sub-band level standard deviation (dB)
	tonal      bool
	stationary bool
	raw        float64 // probability before hangover
}

var _ Detector = (*Energy)(nil)

// energyTables are the energy detector's constant tables: the same for
// every stream, read-only once made, so a Factory shares one set between all
// the detectors it builds (which keeps each stream's working set small).
type energyTables struct {
	fft    realFFT
	window [energyWindow]float64 // Hann
	// silentLLR is the likelihood of a silent frame after a silent frame.
	silentLLR float64
}

func newEnergyTables() *energyTables {
	t := &energyTables{fft: *newRealFFT()}
	for i := range t.window {
		t.window[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/energyWindow)
	}
	// In silence after silence every bin has xi = xiMin: see likelihood.
	prod := 1.0
	for range bandBins {
		prod *= 1 + xiMin
	}
	t.silentLLR = -math.Log(prod) / bandBins
	return t
}

// NewEnergy returns an energy detector for one stream.
func NewEnergy() *Energy { return newEnergy(newEnergyTables()) }

// newEnergy returns an energy detector using the shared tables t.
func newEnergy(t *energyTables) *Energy { return &Energy{tab: t} }

// Process implements Detector. It returns ErrBadFrame for a frame that is not
// 16 kHz of whole milliseconds. Frames of any length are accepted: the
// probability is updated each time 20 ms of new audio has arrived.
func (e *Energy) Process(f audio.Frame) (float32, error) {
	if err := checkFrame(f); err != nil {
		return 0, err
	}
	for s := f.Samples; len(s) > 0; {
		n := min(len(s), energyHop-e.fill)
		e.ingest(s[:n])
		s = s[n:]
		e.fill += n
		e.received = min(e.received+n, energyWindow)
		if e.fill < energyHop {
			continue
		}
		if e.received == energyWindow {
			e.prob = e.step()
		} // else not a whole window yet (the first 12 ms of the stream)
		e.fill, e.hopSq = 0, 0
	}
	return e.prob, nil
}

// ingest appends samples to the ring and accumulates their energy. The sums
// are of integers below 2^53, so they are exact in any order.
func (e *Energy) ingest(s []int16) {
	sq, zeros := e.hopSq, e.zeros
	for i, v := range s {
		x := float64(v)
		e.ring[(e.pos+i)&(energyWindow-1)] = x
		sq += x * x
		zeros++
		if v != 0 {
			zeros = 0
		}
	}
	e.pos = (e.pos + len(s)) & (energyWindow - 1)
	e.hopSq = sq
	e.zeros = min(zeros, energyWindow)
}

// Reset implements Detector.
func (e *Energy) Reset() {
	*e = Energy{tab: e.tab}
}

// Close implements Detector; an Energy holds no external resources.
func (e *Energy) Close() error { return nil }

// step analyses the newest window and returns the smoothed probability.
func (e *Energy) step() float32 {
	silent := e.zeros == energyWindow
	rms := math.Sqrt(e.hopSq / energyHop)
	if !silent && e.quiet.skip(rms) {
		// A quiet line: too quiet to be speech (see energy_skip.go).
		e.subCount++
		if e.subCount == subFrames {
			e.rotateMinima()
		}
		return float32(e.hangover(0))
	}
	// The spectrum; digital silence has a zero one.
	var pow [energyWindow/2 + 1]float64
	if !silent {
		var xin [energyWindow]float64
		for i := range xin {
			xin[i] = e.ring[(e.pos+i)&(energyWindow-1)] * e.tab.window[i]
		}
		e.tab.fft.power(&xin, &pow)
	}
	band := pow[bandLo:bandHi]
	if !e.primed {
		e.prime(band)
	}
	f := &e.feat
	*f = energyFeatures{}
	if silent {
		f.llr = e.likelihoodSilent()
	} else {
		f.llr = e.likelihood(band)
		e.g2gClear, e.excessZero = false, false
	}
	if !e.excessZero {
		e.spectralShape()
	}
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
	e.quiet.analysed(rms < minRMS && e.frames >= startupFrames)
	e.updateNoise(band, raw >= 0.5, f.stationary)
	return float32(e.hangover(raw))
}

// prime starts the noise estimate from the first window.
func (e *Energy) prime(band []float64) {
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
func (e *Energy) hangover(raw float64) float64 {
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
func (e *Energy) tonalFrames() int { return e.tonalRun }
