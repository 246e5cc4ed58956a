package vad

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naivePower is the O(n²) DFT power spectrum the FFT must match.
func naivePower(x *[fftN]float64) [fftHalf + 1]float64 {
	var out [fftHalf + 1]float64
	for k := range out {
		var re, im float64
		for n, v := range x {
			a := -2 * math.Pi * float64(k) * float64(n) / fftN
			re += v * math.Cos(a)
			im += v * math.Sin(a)
		}
		out[k] = re*re + im*im
	}
	return out
}

func TestRealFFTMatchesDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	cases := []struct {
		name string
		gen  func(n int) float64
	}{
		{"impulse at zero", func(n int) float64 { return float64(max(0, 1-n)) }},
		{"constant", func(int) float64 { return 0.5 }},
		{"sine on bin 32", func(n int) float64 { return math.Sin(2 * math.Pi * 32 * float64(n) / fftN) }},
		{"sine between bins", func(n int) float64 { return math.Cos(2*math.Pi*100.5*float64(n)/fftN + 0.3) }},
		{"nyquist", func(n int) float64 { return float64(1 - 2*(n%2)) }},
		{"random", func(int) float64 { return rng.NormFloat64() * 1000 }},
	}
	f := newRealFFT()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var x [fftN]float64
			for i := range x {
				x[i] = c.gen(i)
			}
			want := naivePower(&x)
			var got [fftHalf + 1]float64
			f.power(&x, &got)
			var scale float64
			for _, w := range want {
				scale = max(scale, w)
			}
			for k := range want {
				if d := math.Abs(got[k] - want[k]); d > 1e-9*max(scale, 1) {
					t.Fatalf("bin %d: got %g, want %g", k, got[k], want[k])
				}
			}
		})
	}
}
