package audio

import (
	"fmt"
	"math"
)

// Resampler filter design bounds.
const (
	// minResampleRate and maxResampleRate bound the rates NewResampler
	// accepts, in Hz.
	minResampleRate = 1000
	maxResampleRate = 384000
	// maxFilterTaps bounds the polyphase filter size (4 MiB of float32
	// coefficients) so that a pair of rates with a huge reduced ratio, such
	// as 44101 -> 16000, is refused instead of exhausting memory.
	maxFilterTaps = 1 << 20
	// integerDelayUnit: when up*down is at most this, the filter centre is
	// placed so that the delay is a whole number of samples at both rates.
	integerDelayUnit = 64
)

// Default filter design, chosen for telephony: the stopband starts at the
// lower Nyquist frequency so that nothing aliases, the passband keeps 85% of
// it (3.4 kHz at 8 kHz, 6.8 kHz at 16 kHz) and the stopband is 80 dB down.
const (
	defaultPassband   = 0.85
	defaultStopbandDB = 80.0
)

// resampleConfig holds the options of a Resampler.
type resampleConfig struct {
	passband   float64
	stopbandDB float64
}

// ResamplerOption configures a Resampler. Options validate their argument
// and make NewResampler fail with ErrInvalidOption when it is out of range.
type ResamplerOption func(*resampleConfig) error

// WithPassband sets the fraction of the lower Nyquist frequency (half the
// lower of the two rates) that passes unchanged, in [0.5, 0.97]. The
// transition band runs from there to the Nyquist frequency itself. A wider
// passband costs a longer filter: more CPU per sample and more delay. The
// default is 0.85.
func WithPassband(fraction float64) ResamplerOption {
	return func(c *resampleConfig) error {
		if math.IsNaN(fraction) || fraction < 0.5 || fraction > 0.97 {
			return fmt.Errorf("%w: WithPassband(%v): want a fraction of the Nyquist frequency in [0.5, 0.97]", ErrInvalidOption, fraction)
		}
		c.passband = fraction
		return nil
	}
}

// WithStopbandAttenuation sets the minimum attenuation of everything above
// the lower Nyquist frequency, in dB, in [40, 140]. Each extra 20 dB costs
// about 30% more filter taps (CPU and delay). The default is 80 dB.
func WithStopbandAttenuation(db float64) ResamplerOption {
	return func(c *resampleConfig) error {
		if math.IsNaN(db) || db < 40 || db > 140 {
			return fmt.Errorf("%w: WithStopbandAttenuation(%v): want a value in [40, 140] dB", ErrInvalidOption, db)
		}
		c.stopbandDB = db
		return nil
	}
}

// polyphase is a designed polyphase filter bank.
type polyphase struct {
	up, down int
	// taps is the number of coefficients per phase (a multiple of 4).
	taps int
	// coef holds up phases of taps coefficients each. Phase p is stored
	// reversed so that output = dot(coef[p], x[base-taps+1 : base+1]).
	coef []float32
	// delayIn is the filter's group delay in input samples (an integer).
	delayIn int
}

// gcd returns the greatest common divisor of two positive integers.
func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// designPolyphase designs the anti-aliasing/anti-imaging low-pass filter for
// converting from -> to and splits it into polyphase branches.
func designPolyphase(from, to int, cfg resampleConfig) (polyphase, error) {
	g := gcd(from, to)
	up, down := to/g, from/g
	fsUp := float64(from) * float64(up)
	nyqLow := float64(min(from, to)) / 2
	fStop := nyqLow
	fPass := cfg.passband * nyqLow
	// Kaiser's length and shape estimates fall a fraction of a dB short,
	// so design for 1 dB more than asked.
	atten := cfg.stopbandDB + 1
	width := (fStop - fPass) / fsUp
	nMin := math.Ceil((atten-7.95)/(14.36*width)) + 1
	if nMin > maxFilterTaps {
		return polyphase{}, fmt.Errorf("%w: converting %d Hz to %d Hz needs a %.0f-tap filter (limit %d); resample in two steps through a common rate such as 48000 Hz", ErrUnsupportedRate, from, to, nMin, maxFilterTaps)
	}
	unit := up
	if up*down <= integerDelayUnit {
		unit = up * down
	}
	half := unit * int(math.Ceil((nMin-1)/2/float64(unit)))
	n := 2*half + 1
	taps := (n + up - 1) / up
	taps = max(taps, (down+up-1)/up+2)
	taps = (taps + 3) &^ 3
	if taps*up > maxFilterTaps {
		return polyphase{}, fmt.Errorf("%w: converting %d Hz to %d Hz needs %d filter taps (limit %d); resample in two steps through a common rate such as 48000 Hz", ErrUnsupportedRate, from, to, taps*up, maxFilterTaps)
	}
	proto := kaiserLowpass(n, half, (fPass+fStop)/2/fsUp, kaiserBeta(atten), float64(up))
	pp := polyphase{up: up, down: down, taps: taps, coef: make([]float32, up*taps), delayIn: half / up}
	for p := range up {
		row := pp.coef[p*taps : (p+1)*taps]
		for j := range taps {
			if i := p + (taps-1-j)*up; i < n {
				row[j] = float32(proto[i])
			}
		}
	}
	return pp, nil
}

// kaiserBeta returns the Kaiser window shape parameter for a stopband
// attenuation of a dB (Kaiser's empirical formula).
func kaiserBeta(a float64) float64 {
	switch {
	case a > 50:
		return 0.1102 * (a - 8.7)
	case a >= 21:
		return 0.5842*math.Pow(a-21, 0.4) + 0.07886*(a-21)
	default:
		return 0
	}
}

// kaiserLowpass returns an n-tap linear-phase low-pass filter centred on tap
// centre with cutoff fc (cycles per sample), windowed by a Kaiser window of
// shape beta and scaled so that its taps sum to gain.
func kaiserLowpass(n, centre int, fc, beta, gain float64) []float64 {
	h := make([]float64, n)
	i0b := besselI0(beta)
	sum := 0.0
	for i := range h {
		t := float64(i - centre)
		x := 2 * fc * t
		sinc := 1.0
		if x != 0 {
			sinc = math.Sin(math.Pi*x) / (math.Pi * x)
		}
		r := t / float64(centre)
		w := besselI0(beta*math.Sqrt(math.Max(0, 1-r*r))) / i0b
		h[i] = 2 * fc * sinc * w
		sum += h[i]
	}
	for i := range h {
		h[i] *= gain / sum
	}
	return h
}

// besselI0 is the zeroth-order modified Bessel function of the first kind,
// summed from its power series.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; k < 500; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < sum*1e-16 {
			break
		}
	}
	return sum
}

// dot returns the inner product of c and x[:len(c)], with four accumulators
// so that the additions pipeline. len(c) must be a multiple of 4.
func dot(c, x []float32) float32 {
	x = x[:len(c)]
	var a0, a1, a2, a3 float32
	for i := 0; i+3 < len(c); i += 4 {
		a0 += c[i] * x[i]
		a1 += c[i+1] * x[i+1]
		a2 += c[i+2] * x[i+2]
		a3 += c[i+3] * x[i+3]
	}
	return (a0 + a1) + (a2 + a3)
}

// clampInt16 rounds v to the nearest integer and saturates it to int16.
func clampInt16(v float32) int16 {
	if v >= 32766.5 {
		return math.MaxInt16
	}
	if v <= -32767.5 {
		return math.MinInt16
	}
	if v >= 0 {
		return int16(v + 0.5)
	}
	return int16(v - 0.5)
}
