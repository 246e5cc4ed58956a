package vad

import (
	"math"
	"math/rand/v2"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Synthetic test signals at 16 kHz, as full-scale floats.

func silence(seconds float64) []float64 { return make([]float64, int(seconds*16000)) }

func whiteNoise(seed uint64, dbfs, seconds float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, int(seconds*16000))
	a := math.Pow(10, dbfs/20)
	for i := range x {
		x[i] = a * rng.NormFloat64()
	}
	return x
}

func sineTone(hz, dbfs, seconds float64) []float64 {
	x := make([]float64, int(seconds*16000))
	a := math.Pow(10, dbfs/20) * math.Sqrt2
	for i := range x {
		x[i] = a * math.Sin(2*math.Pi*hz*float64(i)/16000)
	}
	return x
}

// pseudoSpeech is a crude voice: a harmonic source whose pitch glides
// between 100 and 180 Hz, shaped by three formant resonances that move from
// syllable to syllable, in syllables of 180 ms separated by 70 ms of
// silence, at about dbfs while voiced. It has speech's harmonic structure
// and its syllabic modulation, which is all the energy detector looks at.
func pseudoSpeech(seed uint64, dbfs, seconds float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := make([]float64, int(seconds*16000))
	const syl, gap = 0.18 * 16000, 0.07 * 16000
	var phase float64
	var f1, f2, f3 float64
	for i := range x {
		pos := math.Mod(float64(i), syl+gap)
		if pos == 0 {
			f1, f2, f3 = 400+400*rng.Float64(), 1000+1000*rng.Float64(), 2300+600*rng.Float64()
		}
		if pos >= syl {
			continue
		}
		t := float64(i) / 16000
		f0 := 140 + 40*math.Sin(2*math.Pi*1.3*t)
		phase += 2 * math.Pi * f0 / 16000
		var v float64
		for h := 1; float64(h)*f0 < 4000; h++ {
			f := float64(h) * f0
			g := formant(f, f1, 90) + 0.6*formant(f, f2, 120) + 0.3*formant(f, f3, 160)
			v += g * math.Sin(float64(h)*phase)
		}
		env := math.Sin(math.Pi * pos / syl)
		x[i] = env * v
	}
	scaleActive(x, dbfs)
	return x
}

func formant(f, center, bw float64) float64 {
	d := (f - center) / bw
	return 1 / (1 + d*d)
}

// scaleActive scales x so that its non-silent samples have RMS dbfs.
func scaleActive(x []float64, dbfs float64) {
	var sum float64
	var n int
	for _, v := range x {
		if v != 0 {
			sum += v * v
			n++
		}
	}
	if n == 0 {
		return
	}
	g := math.Pow(10, dbfs/20) / math.Sqrt(sum/float64(n))
	for i := range x {
		x[i] *= g
	}
}

func mix(a, b []float64) []float64 {
	out := make([]float64, max(len(a), len(b)))
	for i := range out {
		if i < len(a) {
			out[i] += a[i]
		}
		if i < len(b) {
			out[i] += b[i]
		}
	}
	return out
}

func concat(parts ...[]float64) []float64 {
	var out []float64
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func pcm(x []float64) []int16 {
	out := make([]int16, len(x))
	for i, v := range x {
		out[i] = int16(max(-32768, min(32767, math.Round(v*32768))))
	}
	return out
}

// scoreFrames runs d over samples in frames of frameMS and returns one
// probability per frame.
func scoreFrames(d Detector, samples []int16, frameMS int) ([]float32, error) {
	n := frameMS * 16
	var out []float32
	for off := 0; off+n <= len(samples); off += n {
		p, err := d.Process(audio.Frame{Rate: 16000, Samples: samples[off : off+n]})
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// share returns the fraction of probs at or above 0.5 in [from, to).
func share(probs []float32, from, to int) float64 {
	to = min(to, len(probs))
	if to <= from {
		return 0
	}
	n := 0
	for _, p := range probs[from:to] {
		if p >= 0.5 {
			n++
		}
	}
	return float64(n) / float64(to-from)
}
