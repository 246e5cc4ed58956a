package vadeval

import (
	"math"
	"testing"
	"time"
)

// bits turns "0011" into labels.
func bits(s string) []bool {
	out := make([]bool, len(s))
	for i, c := range s {
		out[i] = c == '1'
	}
	return out
}

func TestScore(t *testing.T) {
	cases := []struct {
		name            string
		labels, decided string
		want            Scores
	}{
		{"perfect", "0011100", "0011100", Scores{TP: 3, TN: 4, Precision: 1, Recall: 1, F1: 1, Onsets: 1}},
		{"late onset", "0011110", "0000110", Scores{TP: 2, FN: 2, TN: 3, Precision: 1, Recall: 0.5, F1: 2.0 / 3,
			Onsets: 1, OnsetMedian: 40 * time.Millisecond, OnsetP90: 40 * time.Millisecond}},
		{"false alarm only", "0000", "0100", Scores{FP: 1, TN: 3, Precision: 0, Recall: 1, FPR: 0.25}},
		{"nothing at all", "0000", "0000", Scores{TN: 4, Precision: 1, Recall: 1, F1: 1}},
		{"missed region", "0110011", "0110000", Scores{TP: 2, FN: 2, TN: 3, Precision: 1, Recall: 0.5, F1: 2.0 / 3,
			Onsets: 2, Missed: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Score(bits(c.labels), bits(c.decided))
			if math.Abs(got.F1-c.want.F1) < 1e-12 {
				got.F1 = c.want.F1
			}
			if got != c.want {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestFillRuns(t *testing.T) {
	cases := []struct {
		name, in, want string
		from, to       bool
		maxLen         int
	}{
		{"bridge short pause", "1100111", "1111111", false, true, 3},
		{"keep long pause", "1100001", "1100001", false, true, 3},
		{"edges are kept", "0011100", "0011100", false, true, 3},
		{"drop short burst", "0001000", "0000000", true, false, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := bits(c.in)
			fillRuns(l, c.from, c.maxLen, c.to)
			if got := string(toBits(l)); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func toBits(l []bool) []byte {
	out := make([]byte, len(l))
	for i, b := range l {
		out[i] = '0'
		if b {
			out[i] = '1'
		}
	}
	return out
}

func TestLabel(t *testing.T) {
	// 0.5 s of silence, 0.5 s of a loud tone with a 100 ms gap, 0.5 s of
	// silence: the gap is bridged, the silences are not speech.
	x := make([]float64, samplesFor(1.5))
	for i := samplesFor(0.5); i < samplesFor(1); i++ {
		if i >= samplesFor(0.7) && i < samplesFor(0.8) {
			continue
		}
		x[i] = 0.1 * math.Sin(2*math.Pi*300*float64(i)/Rate)
	}
	l := Label(x)
	if len(l) != 75 {
		t.Fatalf("%d labels, want 75", len(l))
	}
	for i, v := range l {
		if want := i >= 25 && i < 50; v != want {
			t.Errorf("frame %d: %v, want %v", i, v, want)
		}
	}
}
