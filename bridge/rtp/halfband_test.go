package rtp

import (
	"math"
	"testing"
)

// halfbandResponse returns the filter's gain in dB at f Hz on the 16 kHz
// grid (the full 59-tap filter, centre tap 1/2).
func halfbandResponse(f float64) float64 {
	w := 2 * math.Pi * f / 16000
	re := 0.5
	for i, c := range hbCoef {
		n := float64(2*i - (hbTaps - 1))
		re += float64(c) * math.Cos(w*n) // symmetric: the response is real
	}
	return 20 * math.Log10(math.Abs(re))
}

// TestHalfbandDesign checks the filter: flat over the telephone band, -6
// dB at 4 kHz, at least 70 dB down from 4.6 kHz.
func TestHalfbandDesign(t *testing.T) {
	for f := 0.0; f <= 8000; f += 25 {
		g := halfbandResponse(f)
		switch {
		case f <= 3400 && math.Abs(g) > 0.01:
			t.Errorf("%v Hz: %.3f dB, want within 0.01 dB of 0 in the passband", f, g)
		case f == 4000 && math.Abs(g+6.02) > 0.05:
			t.Errorf("4 kHz: %.2f dB, want -6.02 (half band)", g)
		case f >= 4600 && g > -70:
			t.Errorf("%v Hz: %.1f dB, want <= -70 in the stopband", f, g)
		}
	}
}

// TestHalfbandResampling checks the converters on tones: a tone in the
// band comes out clean in both directions (aligned for the filter delay),
// a tone above 4 kHz does not alias into 8 kHz audio, and converting in
// frames equals converting at once.
func TestHalfbandResampling(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hz     float64
		minSNR float64
	}{
		{"300 Hz", 300, 60},
		{"1 kHz", 1000, 60},
		{"3.3 kHz", 3300, 60},
	} {
		t.Run("up "+tc.name, func(t *testing.T) {
			in := sine(8000, tc.hz, 10000, 8000)
			want := sine(16000, tc.hz, 10000, 16000)
			u := newUpsampler2()
			var out []int16
			for i := 0; i < len(in); i += 160 {
				out = u.Process(out, in[i:i+160])
			}
			// Output sample 2m is input m - hbDelay.
			if snr := delayedSNR(want, out, 2*hbDelay); snr < tc.minSNR {
				t.Errorf("SNR %.1f dB, want >= %.0f", snr, tc.minSNR)
			}
		})
		t.Run("down "+tc.name, func(t *testing.T) {
			in := sine(16000, tc.hz, 10000, 16000)
			want := sine(8000, tc.hz, 10000, 8000)
			d := newDownsampler2()
			var out []int16
			for i := 0; i < len(in); i += 320 {
				out = d.Process(out, in[i:i+320])
			}
			// Output m is input 2m - 2*(hbDelay-1).
			if snr := delayedSNR(want, out, hbDelay-1); snr < tc.minSNR {
				t.Errorf("SNR %.1f dB, want >= %.0f", snr, tc.minSNR)
			}
		})
	}
	t.Run("no aliasing from 5 kHz", func(t *testing.T) {
		d := newDownsampler2()
		out := d.Process(nil, sine(16000, 5000, 20000, 16000))
		if level := rmsLevel(out[1000:]); level > 20000/math.Sqrt2*math.Pow(10, -70.0/20) {
			t.Errorf("a 5 kHz tone leaves RMS %.1f at 8 kHz, want 70 dB down", level)
		}
	})
	t.Run("frames equal one piece", func(t *testing.T) {
		in := chirp(16000, 100, 7000, 12000)
		whole := newDownsampler2().Process(nil, in)
		d := newDownsampler2()
		var framed []int16
		for i := 0; i < len(in); i += 320 {
			framed = d.Process(framed, in[i:i+320])
		}
		up := newUpsampler2().Process(nil, whole)
		u := newUpsampler2()
		var upFramed []int16
		for i := 0; i < len(whole); i += 160 {
			upFramed = u.Process(upFramed, whole[i:i+160])
		}
		for i := range whole {
			if whole[i] != framed[i] {
				t.Fatalf("down: sample %d differs between framed and whole conversion", i)
			}
		}
		for i := range up {
			if up[i] != upFramed[i] {
				t.Fatalf("up: sample %d differs between framed and whole conversion", i)
			}
		}
	})
}

// delayedSNR compares got, delayed by delay samples, with want over the
// middle of the signal.
func delayedSNR(want, got []int16, delay int) float64 {
	var sig, noise float64
	for i := len(want) / 4; i < len(want)*3/4; i++ {
		r := float64(want[i])
		e := float64(got[i+delay]) - r
		sig += r * r
		noise += e * e
	}
	return 10 * math.Log10(sig/math.Max(noise, 1e-9))
}

// BenchmarkHalfband measures converting one 20 ms frame each way.
func BenchmarkHalfband(b *testing.B) {
	b.Run("up", func(b *testing.B) {
		u, in, out := newUpsampler2(), sine(8000, 440, 8000, 160), make([]int16, 0, 320)
		b.ReportAllocs()
		for b.Loop() {
			out = u.Process(out[:0], in)
		}
	})
	b.Run("down", func(b *testing.B) {
		d, in, out := newDownsampler2(), sine(16000, 440, 8000, 320), make([]int16, 0, 160)
		b.ReportAllocs()
		for b.Loop() {
			out = d.Process(out[:0], in)
		}
	})
}
