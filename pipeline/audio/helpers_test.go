package audio

import (
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Fixtures in testdata (small, committed; regenerate with flite and sox):
//
//	speech16k.wav   flite -voice slt -t "I want to return my jacket, please." -o speech16k.wav
//	speech8k.wav    sox speech16k.wav -r 8000 speech8k.wav trim 0 0.6
//	ulaw8k.wav      sox -D speech8k.wav -e mu-law ulaw8k.wav
//	alaw8k.wav      sox -D speech8k.wav -e a-law alaw8k.wav
//	pcm8u.wav       sox -D speech8k.wav -b 8 -e unsigned-integer pcm8u.wav
//	stereo44k.wav   sox -n -r 44100 -c 2 -b 16 stereo44k.wav synth 0.05 sine 440 sine 880
//	float32.wav     sox -n -r 16000 -b 32 -e floating-point float32.wav synth 0.02 sine 440
//	pcm24.wav       sox -n -r 16000 -b 24 pcm24.wav synth 0.02 sine 440 (WAVE_FORMAT_EXTENSIBLE)
//
// testdata/fuzz holds the seed corpora of FuzzReadWAV and FuzzJitterBuffer.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// sine returns n samples of a sine of freq Hz and amplitude amp at rate Hz.
func sine(n, rate int, freq, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(math.Round(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))))
	}
	return out
}

// snrDB returns the signal-to-noise ratio of got against want in dB.
func snrDB(want, got []int16) float64 {
	var sig, noise float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		sig += float64(want[i]) * float64(want[i])
		noise += d * d
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

// rms returns the root mean square of x.
func rms(x []int16) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// toneLevel returns the amplitude of the freq Hz component of x (Goertzel).
func toneLevel(x []int16, rate int, freq float64) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	power := s1*s1 + s2*s2 - coeff*s1*s2
	return 2 * math.Sqrt(math.Max(power, 0)) / float64(len(x))
}

// correlation returns the normalised cross-correlation of a and b at lag
// (b delayed by lag samples relative to a).
func correlation(a, b []int16, lag int) float64 {
	var ab, aa, bb float64
	for i := range a {
		j := i + lag
		if j < 0 || j >= len(b) {
			continue
		}
		x, y := float64(a[i]), float64(b[j])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// bestLag returns the lag in [0, maxLag] with the highest correlation of
// a and b (searched on the loudest second of a, then refined on all of it)
// and that correlation.
func bestLag(a, b []int16, maxLag int) (int, float64) {
	win := min(len(a), 16000)
	start, loudest := 0, -1.0
	for i := 0; i+win <= len(a); i += win / 4 {
		if e := rms(a[i : i+win]); e > loudest {
			start, loudest = i, e
		}
	}
	best, bestC := 0, math.Inf(-1)
	for lag := 0; lag <= maxLag; lag++ {
		if c := correlation(a[start:start+win], b[min(start, len(b)):], lag); c > bestC {
			best, bestC = lag, c
		}
	}
	// Refine over the whole signal around the window's best lag.
	centre := best
	bestC = math.Inf(-1)
	for lag := max(centre-16, 0); lag <= min(centre+16, maxLag); lag++ {
		if c := correlation(a, b, lag); c > bestC {
			best, bestC = lag, c
		}
	}
	return best, bestC
}

// fakeClock is a manually advanced clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// runtimeGosched yields the processor in busy-wait loops of benchmarks.
func runtimeGosched() { runtime.Gosched() }
