package vad

import (
	"testing"
)

// equivSignals are the signals the optimised energy detector is compared on
// with its reference: digital silence around and inside speech and noise,
// loud speech straight after silence (bins far over the noise estimate),
// tones, a noise step and a quiet line.
func equivSignals() []struct {
	name string
	x    []int16
} {
	gaps := whiteNoise(21, -45, 4)
	for i := range gaps {
		if i%4800 < 640 { // 40 ms of zeros every 300 ms, as lost packets
			gaps[i] = 0
		}
	}
	return []struct {
		name string
		x    []int16
	}{
		{"digital silence, speech, silence", pcm(concat(silence(1.5), pseudoSpeech(22, -18, 2), silence(2), pseudoSpeech(23, -30, 1)))},
		{"speech in noise", pcm(mix(concat(silence(1), pseudoSpeech(24, -25, 3)), whiteNoise(25, -45, 4)))},
		{"noise with lost packets", pcm(gaps)},
		{"tone", pcm(mix(sineTone(1000, -20, 3), whiteNoise(26, -60, 3)))},
		{"noise step", pcm(concat(whiteNoise(27, -55, 2), whiteNoise(28, -35, 2)))},
		{"quiet line and speech", pcm(mix(concat(silence(1.5), pseudoSpeech(29, -25, 2), silence(1.5), pseudoSpeech(30, -35, 1)), whiteNoise(31, -80, 6)))},
		{"clipped square", pcm(concat(silence(0.5), mix(sineTone(200, 0, 1), sineTone(600, 0, 1))))},
	}
}

func TestEnergyMatchesReference(t *testing.T) {
	// With the quiet-line skipping off, the optimised detector (digital
	// silence in closed form, fewer logarithms, block ingestion) returns
	// exactly the reference's probabilities, for any framing.
	for _, s := range equivSignals() {
		for _, ms := range []int{10, 20, 30} {
			e := NewEnergy()
			e.quiet.off = true
			got, err := scoreFrames(e, s.x, ms)
			if err != nil {
				t.Fatal(err)
			}
			want, err := scoreFrames(newRefEnergy(), s.x, ms)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s, %d ms frames: frame %d: %v, reference %v", s.name, ms, i, got[i], want[i])
				}
			}
		}
	}
}

func TestEnergyQuietLineSkipping(t *testing.T) {
	// On a quiet line, frames are skipped; a skipped frame scores what the
	// reference scores (0: too quiet to be speech), and speech is found at
	// the same frame. Louder audio and digital silence are never skipped.
	cases := []struct {
		name      string
		x         []int16
		wantSkips bool
	}{
		{"quiet line and speech", equivSignals()[5].x, true},
		{"speech in noise", equivSignals()[1].x, false},
		{"digital silence, speech, silence", equivSignals()[0].x, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := NewEnergy()
			got, err := scoreFrames(e, c.x, 20)
			if err != nil {
				t.Fatal(err)
			}
			want, err := scoreFrames(newRefEnergy(), c.x, 20)
			if err != nil {
				t.Fatal(err)
			}
			if (e.quiet.skips > 0) != c.wantSkips {
				t.Fatalf("%d frames skipped", e.quiet.skips)
			}
			if !c.wantSkips {
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("frame %d: %v, reference %v", i, got[i], want[i])
					}
				}
				return
			}
			first := func(p []float32) int {
				for i, v := range p {
					if v >= 0.5 {
						return i
					}
				}
				return -1
			}
			if a, b := first(got), first(want); a != b || a < 0 {
				t.Errorf("speech found at frame %d, reference %d", a, b)
			}
			for i := range first(want) {
				if got[i] != want[i] {
					t.Fatalf("quiet frame %d: %v, reference %v", i, got[i], want[i])
				}
			}
			t.Logf("%d of %d frames skipped", e.quiet.skips, len(got))
		})
	}
}
