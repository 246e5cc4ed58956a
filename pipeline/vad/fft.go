package vad

import "math"

// FFT geometry: a 512-point real transform computed as a 256-point complex
// one. The sizes are fixed so that every index can be masked into a fixed
// array, which lets the compiler drop the bounds checks from the inner loops.
const (
	fftN    = 512
	fftHalf = fftN / 2
	fftMask = fftHalf - 1
	fftBits = 8 // log2(fftHalf)
)

// realFFT computes power spectra of real 512-sample blocks. It holds only
// tables, read-only once made, so one realFFT serves any number of
// detectors and goroutines; power works on the stack and allocates nothing.
type realFFT struct {
	bitrev [fftHalf]uint8
	// twiddles of the 256-point complex FFT: e^{-2πik/256}, k < 128.
	twRe, twIm [fftHalf / 2]float64
	// twiddles of the real-to-half-spectrum split: e^{-2πik/512}, k <= 256.
	spRe, spIm [fftHalf + 1]float64
}

func newRealFFT() *realFFT {
	f := &realFFT{}
	for i := range f.bitrev {
		r := 0
		for b := 0; b < fftBits; b++ {
			if i&(1<<b) != 0 {
				r |= 1 << (fftBits - 1 - b)
			}
		}
		f.bitrev[i] = uint8(r)
	}
	for k := range f.twRe {
		a := -2 * math.Pi * float64(k) / fftHalf
		f.twRe[k], f.twIm[k] = math.Cos(a), math.Sin(a)
	}
	for k := range f.spRe {
		a := -2 * math.Pi * float64(k) / fftN
		f.spRe[k], f.spIm[k] = math.Cos(a), math.Sin(a)
	}
	return f
}

// power writes |X[k]|² for k in [0, 256] into out, where X is the DFT of x.
func (f *realFFT) power(x *[fftN]float64, out *[fftHalf + 1]float64) {
	// Pack even samples as real parts and odd samples as imaginary parts, in
	// bit-reversed order for the in-place radix-2 passes.
	var z complexBlock
	for i := 0; i < fftHalf; i++ {
		j := f.bitrev[i]
		z.re[j] = x[2*i]
		z.im[j] = x[2*i+1]
	}
	f.transform(&z)
	// Split Z (the FFT of the packed sequence) into the spectrum of x:
	// X[k] = (Z[k] + conj Z[256-k])/2 - i·W^k·(Z[k] - conj Z[256-k])/2.
	for k := 0; k <= fftHalf; k++ {
		ak, bk := k&fftMask, (fftHalf-k)&fftMask
		zr, zi := z.re[ak], z.im[ak]
		cr, ci := z.re[bk], -z.im[bk]
		er, ei := (zr+cr)*0.5, (zi+ci)*0.5
		or, oi := (zr-cr)*0.5, (zi-ci)*0.5
		wr, wi := f.spRe[k], f.spIm[k]
		tr, ti := wr*or-wi*oi, wr*oi+wi*or
		xr, xi := er+ti, ei-tr
		out[k] = xr*xr + xi*xi
	}
}

// complexBlock is the working space of one transform.
type complexBlock struct{ re, im [fftHalf]float64 }

// transform runs the radix-2 decimation-in-time passes in place on z.
func (f *realFFT) transform(z *complexBlock) {
	re, im := &z.re, &z.im
	// The first pass has a unit twiddle.
	for a := 0; a < fftHalf; a += 2 {
		b := (a + 1) & fftMask
		tr, ti := re[b], im[b]
		re[b], im[b] = re[a]-tr, im[a]-ti
		re[a], im[a] = re[a]+tr, im[a]+ti
	}
	for size := 4; size <= fftHalf; size <<= 1 {
		half := size / 2
		step := fftHalf / size
		for j := 0; j < half; j++ {
			wr, wi := f.twRe[(j*step)&(fftHalf/2-1)], f.twIm[(j*step)&(fftHalf/2-1)]
			for a := j; a < fftHalf; a += size {
				a &= fftMask
				b := (a + half) & fftMask
				tr := wr*re[b] - wi*im[b]
				ti := wr*im[b] + wi*re[b]
				re[b], im[b] = re[a]-tr, im[a]-ti
				re[a], im[a] = re[a]+tr, im[a]+ti
			}
		}
	}
}
