package vad

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// onnxBuilder accumulates the nodes and initializers of an ONNX graph.
type onnxBuilder struct {
	nodes [][]byte
	inits [][]byte
	n     int
}

// onnxAttr writes one AttributeProto.
type onnxAttr func(a *pbWriter)

// attrInt is an integer attribute.
func attrInt(name string, v int64) onnxAttr {
	return func(a *pbWriter) {
		a.str(1, name)
		a.varint(3, v)
		a.varint(20, onnxAttrI)
	}
}

// name returns a fresh value name.
func (g *onnxBuilder) name(prefix string) string {
	g.n++
	return prefix + "_" + strconv.Itoa(g.n)
}

// op adds a node with one output and returns the output's name.
func (g *onnxBuilder) op(op string, inputs []string, attrs ...onnxAttr) string {
	out := g.name(op)
	g.opOut(op, inputs, []string{out}, attrs...)
	return out
}

// opOut adds a node with the given outputs.
func (g *onnxBuilder) opOut(op string, inputs, outputs []string, attrs ...onnxAttr) {
	var w pbWriter
	for _, in := range inputs {
		w.str(1, in)
	}
	for _, out := range outputs {
		w.str(2, out)
	}
	w.str(3, outputs[0])
	w.str(4, op)
	for _, a := range attrs {
		w.msg(5, func(m *pbWriter) { a(m) })
	}
	g.nodes = append(g.nodes, w.buf)
}

// floats adds a float initializer and returns its name.
func (g *onnxBuilder) floats(dims []int64, data []float32) string {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return g.tensor(dims, onnxFloat, raw)
}

// ints adds a 1-D int64 initializer and returns its name.
func (g *onnxBuilder) ints(vs ...int64) string {
	raw := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	return g.tensor([]int64{int64(len(vs))}, onnxInt64, raw)
}

func (g *onnxBuilder) tensor(dims []int64, dataType int64, raw []byte) string {
	name := g.name("w")
	var t pbWriter
	t.packedInt64s(1, dims)
	t.varint(2, dataType)
	t.str(8, name)
	t.bytes(9, raw)
	g.inits = append(g.inits, t.buf)
	return name
}

// intMatrix adds a [rows, cols] int64 initializer of at(r, c) and returns
// its name.
func (g *onnxBuilder) intMatrix(rows, cols int64, at func(r, c int64) int64) string {
	raw := make([]byte, 0, 8*rows*cols)
	for r := range rows {
		for c := range cols {
			raw = binary.LittleEndian.AppendUint64(raw, uint64(at(r, c)))
		}
	}
	return g.tensor([]int64{rows, cols}, onnxInt64, raw)
}

// slice takes [start, end) with step along axis.
func (g *onnxBuilder) slice(x string, axis, start, end, step int64) string {
	return g.op("Slice", []string{x, g.ints(start), g.ints(end), g.ints(axis), g.ints(step)})
}

func (g *onnxBuilder) reshape(x string, shape ...int64) string {
	return g.op("Reshape", []string{x, g.ints(shape...)})
}

// dense is x·w + b for a 2-D x, followed by a ReLU if relu.
func (g *onnxBuilder) dense(x string, w []float32, k, n int64, b []float32, relu bool) string {
	y := g.op("Gemm", []string{x, g.floats([]int64{k, n}, w), g.floats([]int64{n}, b)})
	if relu {
		y = g.op("Relu", []string{y})
	}
	return y
}

// valueInfo writes a float tensor's ValueInfoProto; a zero dimension is the
// symbolic batch size.
func valueInfo(name string, dims ...int64) func(*pbWriter) {
	return func(v *pbWriter) {
		v.str(1, name)
		v.msg(2, func(tp *pbWriter) { // TypeProto
			tp.msg(1, func(tt *pbWriter) { // TypeProto.Tensor
				tt.varint(1, onnxFloat)
				tt.msg(2, func(sh *pbWriter) { // TensorShapeProto
					for _, d := range dims {
						sh.msg(1, func(dim *pbWriter) {
							if d == 0 {
								dim.str(2, "batch")
							} else {
								dim.varint(1, d)
							}
						})
					}
				})
			})
		})
	}
}

// model encodes a ModelProto holding the graph.
func (g *onnxBuilder) model(inputs, outputs []func(*pbWriter)) []byte {
	var m pbWriter
	m.varint(1, 8) // ir_version
	m.str(2, "parley")
	m.msg(7, func(gr *pbWriter) {
		for _, n := range g.nodes {
			gr.bytes(1, n)
		}
		gr.str(2, "silero_vad_v5_16k")
		for _, t := range g.inits {
			gr.bytes(5, t)
		}
		for _, in := range inputs {
			gr.msg(11, in)
		}
		for _, out := range outputs {
			gr.msg(12, out)
		}
	})
	m.msg(8, func(o *pbWriter) { o.varint(2, 17) }) // opset_import: default domain, opset 17
	return m.buf
}

// compactSileroGraph builds the flat 16 kHz network (see silero_graph.go)
// on the weights read by readSileroWeights, from its STFT on: the caller
// computes the STFT magnitudes (silero_stft.h), which checkSTFTBasis shows
// to be the network's own. Its signature: mag [B, 4, 129] (the magnitudes
// of the 4 frames of each window), state [2, B, 128] (LSTM h then c) ->
// output [B, 1] (speech probability), stateN [2, B, 128].
//
// Activations are laid out time-major, one row per (window, frame), so each
// convolution is a single matrix product over the whole batch: the kernel
// taps of the neighbouring frames are concatenated along the features
// (im2col), and the weights reordered to match.
func compactSileroGraph(w [numSileroWeights][]float32) []byte {
	g := &onnxBuilder{}
	// Encoder: four convolutions of kernel 3 and padding 1, with ReLU.
	e0 := g.conv3("mag", stftFrames, stftBins, 1, w[wEnc0], w[wEnc0b]) // [4B, 128]
	e1 := g.conv3(e0, stftFrames, 128, 2, w[wEnc1], w[wEnc1b])         // [2B, 64]
	// Layer 2 (stride 2) sees two frames and yields one: its padded
	// window is (0, frame 0, frame 1), so only taps 1 and 2 count.
	e2 := g.dense(g.reshape(e1, -1, 2*64), convTaps(w[wEnc2], 64, 64, 1, 3), 2*64, 64, w[wEnc2b], true) // [B, 64]
	// Layer 3 sees one frame: only its middle tap counts.
	e3 := g.dense(e2, convTaps(w[wEnc3], 128, 64, 1, 2), 64, 128, w[wEnc3b], true) // [B, 128]

	// Decoder: one LSTM cell step, then ReLU, a linear unit and a sigmoid.
	xs := g.op("Unsqueeze", []string{e3, g.ints(0)})
	h0 := g.slice("state", 0, 0, 1, 1)
	c0 := g.slice("state", 0, 1, 2, 1)
	wih, whh, bias := lstmWeights(w[wIH], w[wHH], w[wBiasIH], w[wBiasHH])
	hs, ys, cs := g.name("lstm_y"), g.name("lstm_h"), g.name("lstm_c")
	g.opOut("LSTM", []string{xs,
		g.floats([]int64{1, 4 * sileroHidden, 128}, wih),
		g.floats([]int64{1, 4 * sileroHidden, sileroHidden}, whh),
		g.floats([]int64{1, 8 * sileroHidden}, bias),
		"", h0, c0,
	}, []string{hs, ys, cs}, attrInt("hidden_size", sileroHidden))
	g.opOut("Concat", []string{ys, cs}, []string{"stateN"}, attrInt("axis", 0))
	h := g.reshape(ys, -1, sileroHidden)
	logit := g.dense(g.op("Relu", []string{h}), w[wHead], sileroHidden, 1, w[wHeadb], false)
	g.opOut("Sigmoid", []string{logit}, []string{"output"})

	return g.model(
		[]func(*pbWriter){valueInfo("mag", 0, stftFrames, stftBins), valueInfo("state", 2, 0, sileroHidden)},
		[]func(*pbWriter){valueInfo("output", 0, 1), valueInfo("stateN", 2, 0, sileroHidden)},
	)
}

// conv3 applies a kernel-3, padding-1 convolution of the given stride, then
// ReLU, to x: rows of cin features, frames consecutive rows per window. It
// returns rows of len(b) features, frames/stride per window.
func (g *onnxBuilder) conv3(x string, frames, cin, stride int64, w, b []float32) string {
	cout := int64(len(b))
	out := (frames-1)/stride + 1
	p := g.op("Pad", []string{g.reshape(x, -1, frames, cin), g.ints(0, 1, 0, 0, 1, 0)})
	// Output frame t reads padded frames stride·t, stride·t+1, stride·t+2.
	taps := g.intMatrix(out, 3, func(t, k int64) int64 { return stride*t + k })
	cols := g.reshape(g.op("Gather", []string{p, taps}, attrInt("axis", 1)), -1, 3*cin)
	return g.dense(cols, convTaps(w, cout, cin, 0, 3), 3*cin, cout, b, true)
}

// convTaps lays out taps [from, to) of a Conv1d weight [cout, cin, 3] as a
// matrix product operand [(to-from)·cin, cout], tap-major.
func convTaps(w []float32, cout, cin int64, from, to int) []float32 {
	out := make([]float32, 0, int64(to-from)*cin*cout)
	for k := from; k < to; k++ {
		for c := int64(0); c < cin; c++ {
			for o := int64(0); o < cout; o++ {
				out = append(out, w[(o*cin+c)*3+int64(k)])
			}
		}
	}
	return out
}

// basisTolerance bounds the difference between the model's STFT basis and
// a Hann-windowed DFT (the basis is stored in float32: about 1e-7).
const basisTolerance = 1e-5

// checkSTFTBasis verifies that the model's STFT basis [258, 1, 256] is the
// periodic Hann window times the DFT (real parts, then imaginary parts), so
// that silero_stft.c computes the network's own transform.
func checkSTFTBasis(basis []float32) error {
	const n = 2 * stftHop
	for j := range stftBins {
		for s := range n {
			hann := 0.5 - 0.5*math.Cos(2*math.Pi*float64(s)/n)
			a := 2 * math.Pi * float64(j*s%n) / n
			re, im := hann*math.Cos(a), -hann*math.Sin(a)
			if math.Abs(float64(basis[j*n+s])-re) > basisTolerance ||
				math.Abs(float64(basis[(stftBins+j)*n+s])-im) > basisTolerance {
				return fmt.Errorf("%w: the STFT basis is not a Hann-windowed DFT (bin %d, sample %d)", ErrBadModel, j, s)
			}
		}
	}
	return nil
}

// lstmWeights reorders PyTorch's LSTMCell weights (gates i, f, g, o) into
// ONNX LSTM's (i, o, f, c), with the two biases concatenated.
func lstmWeights(wih, whh, bih, bhh []float32) (w, r, b []float32) {
	const hsz = sileroHidden
	order := [4]int{0, 3, 1, 2} // ONNX gate -> PyTorch gate
	reorder := func(m []float32, cols int) []float32 {
		out := make([]float32, 0, len(m))
		for _, src := range order {
			out = append(out, m[src*hsz*cols:(src+1)*hsz*cols]...)
		}
		return out
	}
	w = reorder(wih, len(wih)/(4*hsz))
	r = reorder(whh, len(whh)/(4*hsz))
	b = append(reorder(bih, 1), reorder(bhh, 1)...)
	return w, r, b
}
