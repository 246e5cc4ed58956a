package vadeval

import (
	"math"
	"math/rand/v2"
	"testing"
)

// goertzel returns the power of x at hz.
func goertzel(x []float64, hz float64) float64 {
	w := 2 * math.Pi * hz / Rate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+c*s1-s2, s1
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// bandPower returns the mean power of x between lo and hi Hz, averaged over
// 1 s blocks and 5 Hz steps.
func bandPower(x []float64, lo, hi float64) float64 {
	var sum float64
	n := 0
	for b := 0; b+Rate <= len(x); b += Rate {
		for f := lo; f < hi; f += 5 {
			sum += goertzel(x[b:b+Rate], f)
			n++
		}
	}
	return sum / float64(n)
}

func TestNoiseColours(t *testing.T) {
	// Power per Hz two octaves apart (300-600 vs 1200-2400 Hz): white is
	// flat, pink falls 3 dB per octave, brown 6 dB.
	cases := []struct {
		color NoiseColor
		slope float64 // dB per octave
	}{
		{White, 0}, {Pink, -3}, {Brown, -6},
	}
	for _, c := range cases {
		t.Run(string(c.color), func(t *testing.T) {
			x := Noise(rand.New(rand.NewPCG(1, 1)), c.color, samplesFor(4))
			if r := rms(x); math.Abs(r-1) > 1e-9 {
				t.Errorf("rms %v, want 1", r)
			}
			low := bandPower(x, 300, 600)
			high := bandPower(x, 1200, 2400)
			got := 10 * math.Log10(high/low) / 2
			t.Logf("%s: %.2f dB/octave", c.color, got)
			if math.Abs(got-c.slope) > 1 {
				t.Errorf("slope %.1f dB/octave, want %.0f", got, c.slope)
			}
		})
	}
}

func TestDTMFUsesQ23Pairs(t *testing.T) {
	x := DTMF(rand.New(rand.NewPCG(2, 2)), 5, -12)
	rows := []float64{697, 770, 852, 941}
	cols := []float64{1209, 1336, 1477, 1633}
	// Every 20 ms frame inside a key press (at the pair's full RMS, about
	// 0.126) holds one row and one column tone.
	for i := 0; i+FrameSamples <= len(x); i += FrameSamples {
		f := x[i : i+FrameSamples]
		if rms(f) < 0.12 {
			continue
		}
		var total float64
		for _, v := range f {
			total += v * v
		}
		best := func(freqs []float64) float64 {
			var m float64
			for _, hz := range freqs {
				m = max(m, goertzel(f, hz))
			}
			return m
		}
		// Goertzel power of a sine of amplitude a over n samples is about
		// (a·n/2)²; the pair should account for most of the frame.
		share := 2 * (best(rows) + best(cols)) / (float64(len(f)) * total)
		if share < 0.6 {
			t.Fatalf("frame at %d: row+column tones hold %.0f%% of the power", i, 100*share)
		}
	}
	if peak := dbfs(rms(x)) + 3; peak > -9 {
		t.Errorf("level %.1f dBFS too high", peak)
	}
}

func TestSignalsLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, c := range []struct {
		name  string
		x     []float64
		level float64 // peak dBFS
	}{
		{"chords", Chords(rng, 5, -15, 4), -15},
		{"sweeps", Sweeps(rng, 5, -18), -18},
	} {
		t.Run(c.name, func(t *testing.T) {
			var peak float64
			for _, v := range c.x {
				peak = max(peak, math.Abs(v))
			}
			if got := 20 * math.Log10(peak); math.Abs(got-c.level) > 0.5 {
				t.Errorf("peak %.1f dBFS, want %.0f", got, c.level)
			}
		})
	}
}
