package vadeval

import (
	"math"
	"math/rand/v2"
)

// Rate is the sample rate of every signal in this package (Hz).
const Rate = 16000

// samplesFor returns the number of samples in seconds s.
func samplesFor(s float64) int { return int(math.Round(s * Rate)) }

// NoiseColor names a stationary noise spectrum.
type NoiseColor string

// Noise colours.
const (
	// White noise has a flat spectrum.
	White NoiseColor = "white"
	// Pink noise falls 3 dB per octave (equal energy per octave).
	Pink NoiseColor = "pink"
	// Brown noise falls 6 dB per octave (integrated white noise).
	Brown NoiseColor = "brown"
)

// Noise returns n samples of unit-RMS noise of the given colour, drawn from
// rng.
func Noise(rng *rand.Rand, color NoiseColor, n int) []float64 {
	out := make([]float64, n)
	switch color {
	case Pink:
		// Paul Kellet's refined pink filter: a sum of first-order low-passes
		// whose poles are spread over the audio band (within 0.05 dB of -3
		// dB/octave above 9 Hz at 44.1 kHz; its shape holds at 16 kHz).
		var b0, b1, b2, b3, b4, b5, b6 float64
		for i := range out {
			w := rng.NormFloat64()
			b0 = 0.99886*b0 + w*0.0555179
			b1 = 0.99332*b1 + w*0.0750759
			b2 = 0.96900*b2 + w*0.1538520
			b3 = 0.86650*b3 + w*0.3104856
			b4 = 0.55000*b4 + w*0.5329522
			b5 = -0.7616*b5 - w*0.0168980
			out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w*0.5362
			b6 = w * 0.115926
		}
	case Brown:
		// A leaky integrator: -6 dB/octave above about 5 Hz.
		var b float64
		for i := range out {
			b = 0.998*b + rng.NormFloat64()
			out[i] = b
		}
	default:
		for i := range out {
			out[i] = rng.NormFloat64()
		}
	}
	removeDC(out)
	scaleToRMS(out, 1)
	return out
}

// DTMFKeys are the 16 keys of the Q.23 keypad, row by row.
const DTMFKeys = "123A456B789C*0#D"

// DTMF returns seconds of keypad signalling at 16 kHz: random keys held 60 to
// 400 ms with 60 to 500 ms between them (Q.24 allows tones from 40 ms), each
// a Q.23 row tone plus column tone with the column 2 dB louder (typical
// twist), the pair peaking at level dBFS.
func DTMF(rng *rand.Rand, seconds, level float64) []float64 {
	// ITU-T Q.23 row and column frequencies (Hz).
	dtmfLow := [4]float64{697, 770, 852, 941}
	dtmfHigh := [4]float64{1209, 1336, 1477, 1633}
	out := make([]float64, samplesFor(seconds))
	for pos := samplesFor(0.2); pos < len(out); {
		key := rng.IntN(len(DTMFKeys))
		lo, hi := dtmfLow[key/4], dtmfHigh[key%4]
		n := samplesFor(0.06 + 0.34*rng.Float64())
		amp := math.Pow(10, level/20) / (1 + math.Pow(10, 2.0/20))
		for i := 0; i < n && pos+i < len(out); i++ {
			t := float64(i) / Rate
			env := ramp(i, n, samplesFor(0.003))
			out[pos+i] = env * amp * (math.Sin(2*math.Pi*lo*t) + math.Pow(10, 2.0/20)*math.Sin(2*math.Pi*hi*t))
		}
		pos += n + samplesFor(0.06+0.44*rng.Float64())
	}
	return out
}

// Chords returns seconds of sustained chords: three or four notes (a major,
// minor or seventh chord on a root between 110 and 440 Hz) held 0.4 to 1.2 s
// with a 10 ms attack and an exponential decay, each note with the given
// number of harmonics at -6 dB per harmonic, peaking near level dBFS.
func Chords(rng *rand.Rand, seconds, level float64, harmonics int) []float64 {
	shapes := [][]int{{0, 4, 7}, {0, 3, 7}, {0, 4, 7, 10}, {0, 3, 7, 10}}
	out := make([]float64, samplesFor(seconds))
	for pos := 0; pos < len(out); {
		root := 110 * math.Pow(2, 2*rng.Float64())
		shape := shapes[rng.IntN(len(shapes))]
		n := samplesFor(0.4 + 0.8*rng.Float64())
		decay := 0.5 + 1.5*rng.Float64() // seconds to fall by 1/e
		for _, semis := range shape {
			f0 := root * math.Pow(2, float64(semis)/12)
			for h := 1; h <= harmonics; h++ {
				f := f0 * float64(h)
				if f >= Rate/2-500 {
					break
				}
				amp := math.Pow(0.5, float64(h-1)) / float64(len(shape))
				phase := 2 * math.Pi * rng.Float64()
				for i := 0; i < n && pos+i < len(out); i++ {
					t := float64(i) / Rate
					env := ramp(i, n, samplesFor(0.01)) * math.Exp(-t/decay)
					out[pos+i] += amp * env * math.Sin(2*math.Pi*f*t+phase)
				}
			}
		}
		pos += n
	}
	scaleToPeak(out, level)
	return out
}

// Sweeps returns seconds of tone sweeps with short gaps: linear and
// logarithmic chirps between 200 Hz and 3.4 kHz, 1 to 3 s each, up or down,
// at level dBFS.
func Sweeps(rng *rand.Rand, seconds, level float64) []float64 {
	out := make([]float64, samplesFor(seconds))
	amp := math.Pow(10, level/20)
	for pos := samplesFor(0.1); pos < len(out); {
		n := samplesFor(1 + 2*rng.Float64())
		f0, f1 := 200.0, 3400.0
		if rng.IntN(2) == 0 {
			f0, f1 = f1, f0
		}
		logSweep := rng.IntN(2) == 0
		var phase float64
		for i := 0; i < n && pos+i < len(out); i++ {
			x := float64(i) / float64(n)
			f := f0 + (f1-f0)*x
			if logSweep {
				f = f0 * math.Pow(f1/f0, x)
			}
			phase += 2 * math.Pi * f / Rate
			out[pos+i] = amp * ramp(i, n, samplesFor(0.01)) * math.Sin(phase)
		}
		pos += n + samplesFor(0.1+0.4*rng.Float64())
	}
	return out
}

// ramp is a linear fade-in and fade-out of r samples for sample i of n.
func ramp(i, n, r int) float64 {
	if r <= 0 {
		return 1
	}
	return min(1, float64(i)/float64(r), float64(n-1-i)/float64(r))
}

func removeDC(x []float64) {
	if len(x) == 0 {
		return
	}
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	for i := range x {
		x[i] -= m
	}
}

// rms returns the root mean square of x.
func rms(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s / float64(len(x)))
}

func scaleToRMS(x []float64, target float64) {
	r := rms(x)
	if r == 0 {
		return
	}
	for i := range x {
		x[i] *= target / r
	}
}

// scaleToPeak scales x so that its largest magnitude is at level dBFS.
func scaleToPeak(x []float64, level float64) {
	var peak float64
	for _, v := range x {
		peak = max(peak, math.Abs(v))
	}
	if peak == 0 {
		return
	}
	g := math.Pow(10, level/20) / peak
	for i := range x {
		x[i] *= g
	}
}

// dbfs converts an RMS in full-scale units to dBFS.
func dbfs(r float64) float64 { return 20 * math.Log10(max(r, 1e-12)) }

// toPCM converts full-scale floats to PCM16 with clipping.
func toPCM(x []float64) []int16 {
	out := make([]int16, len(x))
	for i, v := range x {
		out[i] = int16(max(-32768, min(32767, math.Round(v*32768))))
	}
	return out
}

// fromPCM converts PCM16 to full-scale floats.
func fromPCM(x []int16) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v) / 32768
	}
	return out
}
