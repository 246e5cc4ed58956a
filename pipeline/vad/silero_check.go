package vad

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The compact graph replaces the published one only after it has scored a
// test signal the same way: several streams of varied audio, from varied
// recurrent states, over several windows (so the state feeds back).
const (
	checkRows  = 4
	checkSteps = 6
	// checkTolerance bounds the difference of any probability or state
	// value between the two graphs, relative to the value's magnitude when
	// that is over 1 (the LSTM's cell state reaches about 100). They differ
	// by float rounding only, about 1e-6; a wrong rewrite differs by far
	// more.
	checkTolerance = 1e-4
)

// closeTo reports whether got is within checkTolerance of want.
func closeTo(got, want float32) bool {
	return math.Abs(float64(got-want)) <= checkTolerance*max(1, math.Abs(float64(want)))
}

// compactSilero builds the compact graph from the published model's bytes,
// loads it, and checks that it scores like published.
func compactSilero(lib string, model []byte, published *ortModel) (*ortModel, error) {
	w, err := readSileroWeights(model)
	if err != nil {
		return nil, fmt.Errorf("%w: reading the weights: %v", ErrBadModel, err)
	}
	if err := checkSTFTBasis(w[wBasis]); err != nil {
		return nil, err
	}
	c, err := openORT(lib, compactSileroGraph(w), rebuiltGraph)
	if err != nil {
		return nil, err
	}
	if err := sameScores(published, c); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// sameScores compares two sessions on the test signal.
func sameScores(want, got *ortModel) error {
	x, state := checkSignal()
	wp, ws, err := scoreSequence(want, x, state)
	if err != nil {
		return err
	}
	gp, gs, err := scoreSequence(got, x, state)
	if err != nil {
		return err
	}
	for i := range wp {
		if !closeTo(gp[i], wp[i]) {
			return fmt.Errorf("%w: rebuilt graph: probability %d is %v, want %v", ErrBadModel, i, gp[i], wp[i])
		}
	}
	for i := range ws {
		if !closeTo(gs[i], ws[i]) {
			return fmt.Errorf("%w: rebuilt graph: state value %d is %v, want %v", ErrBadModel, i, gs[i], ws[i])
		}
	}
	return nil
}

// checkSignal returns checkRows streams of checkSteps windows (a quiet
// stream, noise, a chirp with noise, harmonics with a tremolo) and an
// initial recurrent state for them, [2, checkRows, 128].
func checkSignal() ([checkRows][]float32, []float32) {
	rng := rand.New(rand.NewPCG(5, 7))
	var x [checkRows][]float32
	n := checkSteps * sileroWindow
	for r := range x {
		x[r] = make([]float32, n)
	}
	for i := range n {
		t := float64(i) / 16000
		x[0][i] = float32(1e-4 * rng.NormFloat64())
		x[1][i] = float32(0.1 * rng.NormFloat64())
		x[2][i] = float32(0.3*math.Sin(2*math.Pi*(200+4000*t)*t) + 0.01*rng.NormFloat64())
		var v float64
		for h := 1; h <= 12; h++ {
			v += math.Sin(2*math.Pi*140*float64(h)*t) / float64(h)
		}
		x[3][i] = float32(0.2 * v * (0.6 + 0.4*math.Sin(2*math.Pi*4*t)))
	}
	state := make([]float32, checkRows*sileroState)
	for i := range state {
		state[i] = float32(rng.Float64() - 0.5)
	}
	return x, state
}

// scoreSequence runs the streams x window by window from state and returns
// every probability (step-major) and the final state.
func scoreSequence(o *ortModel, x [checkRows][]float32, state []float32) ([]float32, []float32, error) {
	lane, err := o.newLane(checkRows)
	if err != nil {
		return nil, nil, err
	}
	defer o.freeLane(lane)
	copy(lane.stateIn, state)
	var probs []float32
	for step := range checkSteps {
		for r := range checkRows {
			row := lane.input[r*sileroInput : (r+1)*sileroInput]
			from := step*sileroWindow - sileroContext
			for i := range row {
				if j := from + i; j >= 0 {
					row[i] = x[r][j]
				}
			}
		}
		if err := o.run(lane, checkRows); err != nil {
			return nil, nil, err
		}
		probs = append(probs, lane.prob[:checkRows]...)
		copy(lane.stateIn, lane.stateOut[:checkRows*sileroState])
	}
	return probs, append([]float32(nil), lane.stateIn[:checkRows*sileroState]...), nil
}

// trialRun scores one window of silence and checks the result is a
// probability.
func trialRun(o *ortModel) error {
	lane, err := o.newLane(1)
	if err != nil {
		return err
	}
	defer o.freeLane(lane)
	if err := o.run(lane, 1); err != nil {
		return fmt.Errorf("%w: trial inference: %v", ErrBadModel, err)
	}
	if p := lane.prob[0]; math.IsNaN(float64(p)) || p < 0 || p > 1 {
		return fmt.Errorf("%w: trial inference returned %v, want a probability", ErrBadModel, p)
	}
	return nil
}
