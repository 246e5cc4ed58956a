package vad

import (
	"errors"
	"math"
	"testing"

	"github.com/parley-voice/parley/pipeline/audio"
)

// syllableCore reports whether 20 ms frame i of pseudoSpeech (starting at
// offset seconds into the signal) lies in the middle of a syllable.
func syllableCore(i int, offset float64) bool {
	mid := float64(i)*0.02 + 0.01 - offset
	if mid < 0 {
		return false
	}
	pos := math.Mod(mid, 0.25)
	return pos > 0.04 && pos < 0.14
}

func TestEnergyScenarios(t *testing.T) {
	cases := []struct {
		name string
		// signal, and the share of frames after the first second that may
		// (maxFP) or must (minCore, on syllable cores after 1 s) be speech.
		signal  []float64
		maxFP   float64
		minCore float64
	}{
		{"digital silence", silence(3), 0, -1},
		{"white noise at -50 dBFS", whiteNoise(1, -50, 5), 0.01, -1},
		{"white noise at -20 dBFS", whiteNoise(2, -20, 5), 0.01, -1},
		{"1 kHz tone", mix(sineTone(1000, -20, 5), whiteNoise(3, -60, 5)), 0.02, -1},
		{"dial tone 350+440 Hz", mix(mix(sineTone(350, -23, 5), sineTone(440, -23, 5)), whiteNoise(4, -60, 5)), 0.02, -1},
		{"pseudo-speech in quiet noise", mix(concat(silence(1), pseudoSpeech(5, -25, 4)), whiteNoise(6, -60, 5)), -1, 0.95},
		{"pseudo-speech at 10 dB SNR", mix(concat(silence(1), pseudoSpeech(7, -25, 4)), whiteNoise(8, -35, 5)), -1, 0.9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := NewEnergy()
			probs, err := scoreFrames(e, pcm(c.signal), 20)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range probs {
				if !(p >= 0 && p <= 1) {
					t.Fatalf("frame %d: probability %v out of [0, 1]", i, p)
				}
			}
			if c.maxFP >= 0 {
				if got := share(probs, 50, len(probs)); got > c.maxFP {
					t.Errorf("speech on %.1f%% of frames, want at most %.1f%%", 100*got, 100*c.maxFP)
				}
			}
			if c.minCore >= 0 {
				var core, hit int
				for i, p := range probs {
					if syllableCore(i, 1) {
						core++
						if p >= 0.5 {
							hit++
						}
					}
				}
				if got := float64(hit) / float64(core); got < c.minCore {
					t.Errorf("speech on %.1f%% of syllable cores, want at least %.1f%%", 100*got, 100*c.minCore)
				}
				if got := share(probs, 0, 50); got > 0.02 {
					t.Errorf("speech on %.1f%% of the leading silence", 100*got)
				}
			}
		})
	}
}

func TestEnergyNoiseStepAdapts(t *testing.T) {
	// A line that gets 20 dB noisier must be back to silence within 0.5 s.
	x := concat(whiteNoise(1, -55, 3), whiteNoise(2, -35, 3))
	probs, err := scoreFrames(NewEnergy(), pcm(x), 20)
	if err != nil {
		t.Fatal(err)
	}
	if got := share(probs, 150+25, len(probs)); got > 0.01 {
		t.Errorf("speech on %.1f%% of frames from 0.5 s after the step", 100*got)
	}
}

func TestEnergyFrameSizesAgree(t *testing.T) {
	// The probability depends on the audio, not on how it is framed: at
	// every 20 ms boundary, 10, 20 and 40 ms frames give the same value.
	x := pcm(mix(concat(silence(0.5), pseudoSpeech(9, -25, 2)), whiteNoise(10, -50, 2.5)))
	ref, err := scoreFrames(NewEnergy(), x, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, ms := range []int{10, 40, 60} {
		probs, err := scoreFrames(NewEnergy(), x, ms)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range probs {
			end := (i + 1) * ms
			if end%20 != 0 {
				continue
			}
			if want := ref[end/20-1]; p != want {
				t.Fatalf("%d ms frames: at %d ms got %v, want %v", ms, end, p, want)
			}
		}
	}
}

func TestEnergyReset(t *testing.T) {
	a := pcm(mix(pseudoSpeech(11, -20, 2), whiteNoise(12, -40, 2)))
	b := pcm(mix(concat(silence(0.5), pseudoSpeech(13, -30, 1.5)), whiteNoise(14, -50, 2)))
	fresh, err := scoreFrames(NewEnergy(), b, 20)
	if err != nil {
		t.Fatal(err)
	}
	e := NewEnergy()
	if _, err := scoreFrames(e, a, 20); err != nil {
		t.Fatal(err)
	}
	e.Reset()
	again, err := scoreFrames(e, b, 20)
	if err != nil {
		t.Fatal(err)
	}
	for i := range fresh {
		if fresh[i] != again[i] {
			t.Fatalf("frame %d after Reset: %v, fresh detector: %v", i, again[i], fresh[i])
		}
	}
}

func TestDetectorsRejectBadFrames(t *testing.T) {
	cases := []struct {
		name string
		f    audio.Frame
	}{
		{"8 kHz", audio.Frame{Rate: 8000, Samples: make([]int16, 160)}},
		{"48 kHz", audio.Frame{Rate: 48000, Samples: make([]int16, 960)}},
		{"no rate", audio.Frame{Samples: make([]int16, 320)}},
		{"half a millisecond", audio.Frame{Rate: 16000, Samples: make([]int16, 328)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NewEnergy().Process(c.f); !errors.Is(err, ErrBadFrame) {
				t.Errorf("got %v, want ErrBadFrame", err)
			}
		})
	}
}

func TestEnergyDoesNotAllocate(t *testing.T) {
	x := pcm(mix(pseudoSpeech(15, -25, 1), whiteNoise(16, -45, 1)))
	e := NewEnergy()
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		off := (i % 50) * 320
		i++
		if _, err := e.Process(audio.Frame{Rate: 16000, Samples: x[off : off+320]}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Process allocates %v times per frame", allocs)
	}
}
