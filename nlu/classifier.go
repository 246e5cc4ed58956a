package nlu

import (
	"math"
)

// The intent classifier is a multinomial logistic regression over the
// hashed features of features.go, trained at load time by full-batch
// gradient descent with momentum on the L2-regularized, example-weighted
// cross-entropy (convex: the result does not depend on luck). About 150 examples train in a few tens of milliseconds.

// trainParams are the training settings.
type trainParams struct {
	// iterations of full-batch gradient descent.
	iterations int
	// rate is the gradient step size.
	rate float64
	// momentum is the heavy-ball momentum.
	momentum float64
	// l2 is the weight decay on feature weights (not biases).
	l2 float64
}

// classifier scores intents.
type classifier struct {
	index map[uint64]int32 // feature hash -> row of w
	k     int              // classes
	w     []float32        // len(index) rows of k weights
	b     []float32        // k biases
}

// sample is one training utterance.
type sample struct {
	feats  []feat
	label  int
	weight float64
}

// trainClassifier fits a classifier to samples of k classes.
func trainClassifier(samples []sample, k int, p trainParams) *classifier {
	c := &classifier{index: map[uint64]int32{}, k: k, b: make([]float32, k)}
	rows := make([][]int32, len(samples))
	for si, s := range samples {
		rows[si] = make([]int32, len(s.feats))
		for fi, f := range s.feats {
			r, ok := c.index[f.h]
			if !ok {
				r = int32(len(c.index))
				c.index[f.h] = r
			}
			rows[si][fi] = r
		}
	}
	nw := len(c.index) * k
	w := make([]float64, nw+k) // weights then biases
	grad := make([]float64, nw+k)
	vel := make([]float64, nw+k)
	logits := make([]float64, k)
	var total float64
	for _, s := range samples {
		total += s.weight
	}
	for it := 1; it <= p.iterations; it++ {
		clear(grad)
		for si, s := range samples {
			for j := range logits {
				logits[j] = w[nw+j]
			}
			for fi, f := range s.feats {
				row := w[int(rows[si][fi])*k:]
				for j := 0; j < k; j++ {
					logits[j] += float64(f.v) * row[j]
				}
			}
			softmaxInPlace(logits)
			scale := s.weight / total
			for j := range logits {
				if j == s.label {
					logits[j]--
				}
				logits[j] *= scale
				grad[nw+j] += logits[j]
			}
			for fi, f := range s.feats {
				row := grad[int(rows[si][fi])*k : int(rows[si][fi])*k+k]
				v := float64(f.v)
				for j, d := range logits {
					row[j] += d * v
				}
			}
		}
		for i := 0; i < nw; i++ {
			grad[i] += p.l2 * w[i]
		}
		for i, g := range grad {
			vel[i] = p.momentum*vel[i] - p.rate*g
			w[i] += vel[i]
		}
	}
	c.w = make([]float32, nw)
	for i := range c.w {
		c.w[i] = float32(w[i])
	}
	for j := range c.b {
		c.b[j] = float32(w[nw+j])
	}
	return c
}

// probabilities writes the class probabilities of a feature vector into
// out (len k).
func (c *classifier) probabilities(fs []feat, out []float64) {
	for j := range out {
		out[j] = float64(c.b[j])
	}
	for _, f := range fs {
		r, ok := c.index[f.h]
		if !ok {
			continue
		}
		row := c.w[int(r)*c.k : int(r)*c.k+c.k]
		for j, x := range row {
			out[j] += float64(f.v) * float64(x)
		}
	}
	softmaxInPlace(out)
}

// softmaxInPlace turns logits into probabilities.
func softmaxInPlace(x []float64) {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range x {
		x[i] = math.Exp(v - mx)
		sum += x[i]
	}
	for i := range x {
		x[i] /= sum
	}
}
