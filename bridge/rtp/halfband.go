package rtp

import (
	"math"
	"slices"
)

// The G.711 paths convert between 8 and 16 kHz on every packet of every
// call, which makes that conversion the largest CPU cost of a media
// server. A half-band filter does it with a fraction of the work of a
// general polyphase resampler: half its taps are zero and the centre tap
// is 1/2, so each output sample of either direction takes one 32-tap dot
// product at the 8 kHz rate. The filter is a Kaiser-windowed sinc of 63
// taps with its -6 dB point at 4 kHz: flat within 0.01 dB to 3.4 kHz (the
// telephone band) and at least 70 dB down from 4.6 kHz. Its delay is
// 2 ms each way, half of the general resampler's.

// Half-band filter design.
const (
	hbTaps  = 32  // non-zero odd taps: n = -31, -29, ..., 31
	hbBeta  = 7.0 // Kaiser beta: 70 dB of stopband attenuation from 4.6 kHz
	hbDelay = hbTaps / 2
)

// hbCoef holds the odd taps h[2i-31], i = 0..31, of the half-band filter.
// It is computed once at package initialisation and never written after.
var hbCoef = halfbandCoefficients()

// halfbandCoefficients designs the filter: h[n] = sin(pi n/2)/(pi n) w[n]
// for odd n, h[0] = 1/2, with w a Kaiser window over n = -31..31.
func halfbandCoefficients() [hbTaps]float32 {
	var c [hbTaps]float32
	half := float64(hbTaps - 1) // the window spans n = -31..31
	for i := range c {
		n := float64(2*i - (hbTaps - 1))
		w := bessel0(hbBeta*math.Sqrt(1-(n/half)*(n/half))) / bessel0(hbBeta)
		c[i] = float32(math.Sin(math.Pi*n/2) / (math.Pi * n) * w)
	}
	return c
}

// bessel0 is the zeroth-order modified Bessel function of the first kind.
func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return sum
}

// hbDot returns the dot product of the filter taps and x[0:hbTaps].
func hbDot(s []float32) float32 {
	x := (*[hbTaps]float32)(s[:hbTaps]) // one bounds check
	c := &hbCoef
	var a0, a1, a2, a3 float32
	for i := 0; i < hbTaps; i += 4 {
		a0 += c[i] * x[i]
		a1 += c[i+1] * x[i+1]
		a2 += c[i+2] * x[i+2]
		a3 += c[i+3] * x[i+3]
	}
	return (a0 + a1) + (a2 + a3)
}

// toInt16 rounds a sample to the nearest integer and clamps it.
func toInt16(v float32) int16 {
	switch {
	case v >= math.MaxInt16:
		return math.MaxInt16
	case v <= math.MinInt16:
		return math.MinInt16
	case v >= 0:
		return int16(v + 0.5)
	}
	return int16(v - 0.5)
}

// upsampler2 converts 8 kHz PCM to 16 kHz with the half-band filter. It
// keeps its history between calls, so a stream cut into frames converts
// as it would in one piece. It is not safe for concurrent use.
type upsampler2 struct {
	hist []float32 // hbTaps-1 past input samples, then the new ones
}

// newUpsampler2 returns an upsampler in the silent initial state.
func newUpsampler2() *upsampler2 {
	return &upsampler2{hist: make([]float32, hbTaps-1, hbTaps-1+160)}
}

// Process converts src (8 kHz) and appends twice as many 16 kHz samples
// to dst, returning the extended slice. It does not allocate when dst
// has room and src is no longer than the longest seen so far.
func (u *upsampler2) Process(dst, src []int16) []int16 {
	n0 := len(u.hist)
	u.hist = slices.Grow(u.hist, len(src))[:n0+len(src)]
	for i, s := range src {
		u.hist[n0+i] = float32(s)
	}
	start := len(dst)
	dst = slices.Grow(dst, 2*len(src))[:start+2*len(src)]
	out := dst[start:]
	for m := range src {
		// The window ends at the newest input; i counts back from it.
		win := u.hist[m : m+hbTaps]
		out[2*m] = toInt16(win[hbTaps-1-hbDelay])
		out[2*m+1] = toInt16(2 * hbDot(win))
	}
	u.hist = u.hist[:copy(u.hist, u.hist[len(src):])]
	return dst
}

// downsampler2 converts 16 kHz PCM to 8 kHz with the half-band filter.
// It keeps its history between calls. It is not safe for concurrent use.
type downsampler2 struct {
	odd  []float32 // hbTaps-1 past odd-indexed inputs, then the new ones
	even []float32 // hbDelay-1 past even-indexed inputs, then the new ones
}

// newDownsampler2 returns a downsampler in the silent initial state.
func newDownsampler2() *downsampler2 {
	return &downsampler2{
		odd:  make([]float32, hbTaps-1, hbTaps-1+160),
		even: make([]float32, hbDelay-1, hbDelay-1+160),
	}
}

// Process converts src (16 kHz, an even number of samples; a trailing odd
// sample is ignored) and appends half as many 8 kHz samples to dst,
// returning the extended slice. It does not allocate when dst has room
// and src is no longer than the longest seen so far.
func (d *downsampler2) Process(dst, src []int16) []int16 {
	pairs := len(src) / 2
	o0, e0 := len(d.odd), len(d.even)
	d.odd = slices.Grow(d.odd, pairs)[:o0+pairs]
	d.even = slices.Grow(d.even, pairs)[:e0+pairs]
	for p := range pairs {
		d.even[e0+p] = float32(src[2*p])
		d.odd[o0+p] = float32(src[2*p+1])
	}
	start := len(dst)
	dst = slices.Grow(dst, pairs)[:start+pairs]
	out := dst[start:]
	for p := range pairs {
		out[p] = toInt16(0.5*d.even[p] + hbDot(d.odd[p:p+hbTaps]))
	}
	d.odd = d.odd[:copy(d.odd, d.odd[pairs:])]
	d.even = d.even[:copy(d.even, d.even[pairs:])]
	return dst
}
