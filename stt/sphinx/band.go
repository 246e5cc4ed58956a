package sphinx

import (
	"math"
	"strings"
)

// Telephone band. A caller on the public phone network (G.711, G.729,
// AMR-NB) reaches the recognizer as 8 kHz audio: nothing above 4 kHz. The
// en-us acoustic model was trained on 16 kHz speech and computes its
// features from 25 mel filters up to 6.8 kHz; on upsampled telephone audio
// the filters above 4 kHz see no energy at all, and their logarithms
// (nearly minus infinity, swinging with the resampler's residue) swamp
// every cepstral coefficient. On telephone-band audio a stream therefore
//
//   - folds the band: it scales the samples by 1+g and 1-g alternately,
//     which adds the spectrum's mirror image about 4 kHz (0.5-3.4 kHz
//     reappears at 4.6-7.5 kHz) at a gain g under the original, so that
//     the upper filters see speech-shaped energy that comes and goes with
//     the speech, as in the model's training data; and
//   - starts a new caller's cepstral mean from the mean of folded
//     telephone speech rather than the model's wideband mean.
//
// Streams opened below 16 kHz carry telephone band. Others (the session
// opens its streams at 16 kHz, whatever the caller's codec) are probed:
// the first utterance's audio is held back, at most probeMaxSamples of
// it, until it holds probeMinSamples with enough signal to compare the
// energy above 4.5 kHz with the total. Under narrowbandRatioDB the stream
// carries telephone band: on the first utterances of the held-out
// evaluation set (mostly line noise before the speech, as a stream holds
// them), mu-law telephone audio upsampled to 16 kHz measures 80 dB under
// or less once the rounding noise of 16-bit samples is discounted, and
// wideband audio 10 to 43 dB under. The decision holds for the rest of the stream; an utterance too
// quiet to decide is decoded as wideband and the next one probed again.

// Band processing constants.
const (
	// foldGain is the gain g of the folded image (about -10 dB); chosen on
	// the development set (see the package documentation).
	foldGain = 0.3
	// narrowbandRatioDB is the ratio of the energy above 4.5 kHz to the
	// total under which audio is telephone band.
	narrowbandRatioDB = -60.0
	// probeMinSamples is the least audio measured before deciding (300
	// ms), probeMaxSamples the most held back (1 s) before giving up for
	// the utterance.
	probeMinSamples = 4800
	probeMaxSamples = 16000
	// probeMinPower is the least mean power (of 16-bit samples) the
	// measured audio must have to decide: -50 dBFS, below which it is a
	// quiet line, not speech.
	probeMinPower = 107.0 * 107.0
	// bandTaps is the length of the high-pass filter that measures the
	// energy above 4.5 kHz (Blackman-windowed sinc: under -70 dB below
	// 4.2 kHz, where the resampler's transition band ends, full from 4.8
	// kHz).
	bandTaps = 161
	// bandCutoff is the filter's cut-off, in cycles per sample at 16 kHz.
	bandCutoff = 4500.0 / 16000
)

// Band modes of Config.Band.
const (
	// BandAuto treats streams opened below 16 kHz as telephone band and
	// probes the others. It is the default.
	BandAuto = "auto"
	// BandTelephone treats every stream as telephone band, for a
	// deployment whose callers all come through the phone network.
	BandTelephone = "telephone"
	// BandWide never treats a stream as telephone band.
	BandWide = "wide"
)

// validBand reports whether mode is a Config.Band value ("" is auto).
func validBand(mode string) bool {
	switch strings.ToLower(mode) {
	case "", BandAuto, BandTelephone, BandWide:
		return true
	}
	return false
}

// band is what a stream knows of its audio's bandwidth.
type band uint8

const (
	bandUnknown band = iota // not decided yet: probe
	bandWide
	bandNarrow
)

// initialBand returns the band of a stream opened at rate Hz.
func initialBand(mode string, rate int) band {
	switch strings.ToLower(mode) {
	case BandTelephone:
		return bandNarrow
	case BandWide:
		return bandWide
	}
	if rate < 16000 {
		return bandNarrow
	}
	return bandUnknown
}

// channel is a caller's channel as the recognizer learns it: the cepstral
// mean and the band. A stream keeps its own (see stream.ch), used by its
// decoding goroutines one at a time.
type channel struct {
	cmn  cmnState
	band band
	// meter measures the band while it is unknown; held is the utterance
	// audio held back meanwhile (allocated at the first probe, dropped
	// once the band is known).
	meter bandMeter
	held  []int16
}

// bandMeter measures the energy of audio above 4.7 kHz against its total.
type bandMeter struct {
	next      int // the next sample of the measured buffer to filter
	seen      int // samples measured
	hi, total float64
}

// measure filters pcm[m.next:], where pcm is the audio measured so far
// (the meter needs the filter's history from it): samples earlier than a
// full filter length from the start are skipped, so the onset of the
// buffer does not count as a step.
func (m *bandMeter) measure(pcm []int16, f *bandFilter) {
	taps := f.taps
	n := len(taps)
	for i := max(m.next, n-1); i < len(pcm); i++ {
		// The filter is symmetric: the window in order is the same as the
		// convolution's reversed one.
		w := pcm[i-n+1 : i+1]
		w = w[:len(taps)]
		var y float32
		for k, c := range taps {
			y += c * float32(w[k])
		}
		v := float64(pcm[i])
		m.hi += float64(y) * float64(y)
		m.total += v * v
		m.seen++
	}
	m.next = max(m.next, len(pcm))
}

// decide reports whether the audio measured is telephone band; ok is
// false while there is too little of it, or it is too quiet, to tell. The
// filter's share of the rounding noise of 16-bit samples is not counted:
// upsampled telephone audio has nothing else above 4 kHz, and on a quiet
// line that noise alone would come within 60 dB of the total.
func (m *bandMeter) decide(f *bandFilter) (narrow, ok bool) {
	if m.seen < probeMinSamples || m.total < probeMinPower*float64(m.seen) {
		return false, false
	}
	hi := m.hi - f.rounding*float64(m.seen)
	return 10*math.Log10(max(hi, 1e-9)/m.total) < narrowbandRatioDB, true
}

// reset forgets the audio measured.
func (m *bandMeter) reset() { *m = bandMeter{} }

// bandFilter is the band meter's high-pass filter. It is read only once
// built, so streams share one.
type bandFilter struct {
	taps []float32
	// rounding is the filter's output power for the rounding noise of
	// 16-bit samples (uniform, variance 1/12 of a step squared).
	rounding float64
}

// newBandFilter builds the band meter's filter: a Blackman-windowed sinc
// high-pass of bandTaps taps, symmetric, cut off at bandCutoff.
func newBandFilter() *bandFilter {
	h := make([]float32, bandTaps)
	mid := float64(bandTaps-1) / 2
	for i := range h {
		x := float64(i) - mid
		lp := 2 * bandCutoff
		if x != 0 {
			lp = math.Sin(2*math.Pi*bandCutoff*x) / (math.Pi * x)
		}
		a := 2 * math.Pi * float64(i) / float64(bandTaps-1)
		w := 0.42 - 0.5*math.Cos(a) + 0.08*math.Cos(2*a)
		h[i] = float32(-lp * w)
	}
	h[bandTaps/2]++
	var gain float64
	for _, c := range h {
		gain += float64(c) * float64(c)
	}
	return &bandFilter{taps: h, rounding: gain / 12}
}

// fold adds the mirror image of samples' spectrum about 4 kHz at foldGain
// (see above); pos is the stream position of samples[0], so that the
// alternation runs on across calls.
func fold(samples []int16, pos int64) {
	const up, down = 1 + foldGain, 1 - foldGain
	g0, g1 := float32(up), float32(down)
	if pos%2 != 0 {
		g0, g1 = g1, g0
	}
	for i := 0; i+1 < len(samples); i += 2 {
		samples[i] = saturate(float32(samples[i]) * g0)
		samples[i+1] = saturate(float32(samples[i+1]) * g1)
	}
	if len(samples)%2 != 0 {
		samples[len(samples)-1] = saturate(float32(samples[len(samples)-1]) * g0)
	}
}

func saturate(v float32) int16 {
	return int16(min(max(v, -32768), 32767))
}

// narrowbandCMN is the cepstral mean a telephone-band caller starts from:
// the mean over folded, mu-law telephone speech of the development set
// (testdata/dev_utterances.yaml in 4 voices, silences included), for the
// 13 cepstra of the en-us model.
func narrowbandCMN() cmnState {
	c := cmnState{n: 13, frames: firstCMNFrames}
	copy(c.v[:], []float32{43.06, -1.09, -6.46, 8.42, 2.07, -12.84, 12.38, -12.38, -2.02, 5.63, -9.98, 11.33, -5.69})
	return c
}

// bandName names a band for logs.
func (b band) String() string {
	switch b {
	case bandWide:
		return "wide"
	case bandNarrow:
		return "telephone"
	}
	return "unknown"
}
