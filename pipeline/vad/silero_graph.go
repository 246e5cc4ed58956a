package vad

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Silero VAD v5, as published, is exported from TorchScript: its ONNX graph
// holds both the 16 kHz and the 8 kHz networks behind an If on the sample
// rate, and a dozen nested Ifs more in the decoder (rank checks of the
// exporter). ONNX Runtime runs a subgraph per If, so a window costs about
// 200 µs, much of it dispatch overhead; and its 1-D convolutions are
// computed image by image as matrix products four columns wide, so batching
// windows barely helps (about 70 µs per window at best).
//
// The 16 kHz network is therefore rebuilt on the same weights:
//
//   - Its STFT (a matrix product with a basis of Hann-windowed cosines and
//     sines, 40% of the network's arithmetic) is computed before the run by
//     an FFT in C (silero_stft.c), once checkSTFTBasis has shown the basis
//     to be exactly that transform.
//   - The rest is a flat graph (compactSileroGraph) of the same operations,
//     with the convolutions unrolled into matrix products whose rows are
//     (window, frame) pairs: a batch of windows becomes one tall matrix
//     product per layer.
//
// The result is numerically the same network (checked against the
// published graph at load, and within 1e-6 on speech in the tests); it
// scores a window alone in about 75 µs, and about 20-25 µs per window in
// batches.

// Geometry of the Silero VAD v5 16 kHz network.
const (
	sileroState  = 2 * sileroHidden // h then c
	sileroHidden = 128
	stftPad      = 64  // reflection padding on the right of the input (silero_stft.h)
	stftHop      = 128 // STFT hop, in samples
	stftFrames   = (sileroInput+stftPad-2*stftHop)/stftHop + 1
	stftBins     = 129 // one-sided bins of the 256-point STFT
)

// sileroWeight names one tensor of the network, as the exporter names it
// (a suffix of the ONNX tensor name), with its shape.
type sileroWeight struct {
	key  string
	dims []int64
}

// numSileroWeights is the number of tensors of the 16 kHz network.
const numSileroWeights = 15

// sileroWeightTable lists the tensors of the 16 kHz network, in the order
// compactSileroGraph takes them.
func sileroWeightTable() [numSileroWeights]sileroWeight {
	return [numSileroWeights]sileroWeight{
		{"stft.forward_basis_buffer", []int64{2 * stftBins, 1, 2 * stftHop}},
		{"encoder.0.reparam_conv.weight", []int64{128, stftBins, 3}},
		{"encoder.0.reparam_conv.bias", []int64{128}},
		{"encoder.1.reparam_conv.weight", []int64{64, 128, 3}},
		{"encoder.1.reparam_conv.bias", []int64{64}},
		{"encoder.2.reparam_conv.weight", []int64{64, 64, 3}},
		{"encoder.2.reparam_conv.bias", []int64{64}},
		{"encoder.3.reparam_conv.weight", []int64{128, 64, 3}},
		{"encoder.3.reparam_conv.bias", []int64{128}},
		{"decoder.rnn.weight_ih", []int64{4 * sileroHidden, 128}},
		{"decoder.rnn.weight_hh", []int64{4 * sileroHidden, sileroHidden}},
		{"decoder.rnn.bias_ih", []int64{4 * sileroHidden}},
		{"decoder.rnn.bias_hh", []int64{4 * sileroHidden}},
		{"decoder.decoder.2.weight", []int64{1, sileroHidden, 1}},
		{"decoder.decoder.2.bias", []int64{1}},
	}
}

// Indices into sileroWeights.
const (
	wBasis = iota
	wEnc0
	wEnc0b
	wEnc1
	wEnc1b
	wEnc2
	wEnc2b
	wEnc3
	wEnc3b
	wIH
	wHH
	wBiasIH
	wBiasHH
	wHead
	wHeadb
)

// onnxTensor is a float tensor found in a model file.
type onnxTensor struct {
	name string
	dims []int64
	data []float32
}

// ONNX enum values used here (onnx.proto): tensor element types and
// attribute types.
const (
	onnxFloat    = 1
	onnxInt64    = 7
	onnxAttrI    = 2
	onnxAttrInts = 7
)

// readSileroWeights finds the 16 kHz network's tensors in a Silero VAD v5
// model file: the graph (or If branch) whose STFT basis has the 16 kHz
// shape, and the tensors of that graph and of the graphs enclosing it.
func readSileroWeights(model []byte) ([numSileroWeights][]float32, error) {
	var out [numSileroWeights][]float32
	top, err := pbParse(model)
	if err != nil {
		return out, err
	}
	for _, f := range top {
		if f.num != 7 || f.wire != pbBytes { // ModelProto.graph
			continue
		}
		found, err := searchGraph(f.b, nil, 0)
		if err != nil {
			return out, err
		}
		if found == nil {
			break
		}
		return *found, nil
	}
	return out, fmt.Errorf("%w: no Silero VAD v5 16 kHz network in the model", errPB)
}

// maxGraphDepth bounds the nesting of subgraphs searched.
const maxGraphDepth = 8

// searchGraph looks for the 16 kHz network in the GraphProto g and, failing
// that, in its subgraphs. outer holds the tensors of the enclosing graphs.
func searchGraph(g []byte, outer []onnxTensor, depth int) (*[numSileroWeights][]float32, error) {
	if depth > maxGraphDepth {
		return nil, nil
	}
	fs, err := pbParse(g)
	if err != nil {
		return nil, err
	}
	tensors, subgraphs, err := graphTensors(fs)
	if err != nil {
		return nil, err
	}
	scope := append(tensors, outer...)
	if w, ok := pickWeights(tensors, scope); ok {
		return &w, nil
	}
	for _, sg := range subgraphs {
		w, err := searchGraph(sg, scope, depth+1)
		if err != nil || w != nil {
			return w, err
		}
	}
	return nil, nil
}

// graphTensors returns the float tensors a GraphProto defines (initializers
// and Constant nodes) and the subgraphs of its nodes' attributes.
func graphTensors(fs []pbField) ([]onnxTensor, [][]byte, error) {
	var tensors []onnxTensor
	var subgraphs [][]byte
	for _, f := range fs {
		switch {
		case f.num == 5 && f.wire == pbBytes: // GraphProto.initializer
			t, err := readTensor(f.b, "")
			if err != nil {
				return nil, nil, err
			}
			tensors = append(tensors, t)
		case f.num == 1 && f.wire == pbBytes: // GraphProto.node
			node, err := pbParse(f.b)
			if err != nil {
				return nil, nil, err
			}
			ts, gs, err := nodeTensors(node)
			if err != nil {
				return nil, nil, err
			}
			tensors = append(tensors, ts...)
			subgraphs = append(subgraphs, gs...)
		}
	}
	return tensors, subgraphs, nil
}

// nodeTensors returns the value of a Constant node and the subgraphs held by
// any node's attributes.
func nodeTensors(node []pbField) ([]onnxTensor, [][]byte, error) {
	op := pbFirstString(node, 4) // NodeProto.op_type
	output := pbFirstString(node, 2)
	var tensors []onnxTensor
	var subgraphs [][]byte
	for _, f := range node {
		if f.num != 5 || f.wire != pbBytes { // NodeProto.attribute
			continue
		}
		attr, err := pbParse(f.b)
		if err != nil {
			return nil, nil, err
		}
		for _, a := range attr {
			switch {
			case a.num == 5 && a.wire == pbBytes && op == "Constant": // AttributeProto.t
				t, err := readTensor(a.b, output)
				if err != nil {
					return nil, nil, err
				}
				tensors = append(tensors, t)
			case (a.num == 6 || a.num == 11) && a.wire == pbBytes: // AttributeProto.g, graphs
				subgraphs = append(subgraphs, a.b)
			}
		}
	}
	return tensors, subgraphs, nil
}

// readTensor decodes a float TensorProto; other types are returned without
// data. name overrides the tensor's own name (for Constant nodes).
func readTensor(b []byte, name string) (onnxTensor, error) {
	fs, err := pbParse(b)
	if err != nil {
		return onnxTensor{}, err
	}
	t := onnxTensor{name: name}
	if t.name == "" {
		t.name = pbFirstString(fs, 8) // TensorProto.name
	}
	if t.dims, err = pbInt64s(fs, 1); err != nil {
		return onnxTensor{}, err
	}
	dt, err := pbInt64s(fs, 2)
	if err != nil || len(dt) != 1 || dt[0] != onnxFloat {
		return t, err
	}
	for _, f := range fs {
		if f.num == 9 && f.wire == pbBytes { // TensorProto.raw_data, little-endian
			if len(f.b)%4 != 0 {
				return onnxTensor{}, fmt.Errorf("%w: raw data of %d bytes for tensor %q", errPB, len(f.b), t.name)
			}
			t.data = make([]float32, len(f.b)/4)
			for i := range t.data {
				t.data[i] = math.Float32frombits(binary.LittleEndian.Uint32(f.b[4*i:]))
			}
			return t, nil
		}
	}
	t.data, err = pbFloat32s(fs, 4) // TensorProto.float_data
	return t, err
}

// pickWeights returns the network's tensors if local holds the 16 kHz STFT
// basis; the other tensors may come from anywhere in scope.
func pickWeights(local, scope []onnxTensor) ([numSileroWeights][]float32, bool) {
	var out [numSileroWeights][]float32
	table := sileroWeightTable()
	if !findTensor(local, table[wBasis], &out[wBasis]) {
		return out, false
	}
	for i, w := range table {
		if !findTensor(scope, w, &out[i]) {
			return out, false
		}
	}
	return out, true
}

// findTensor stores in dst the data of the first tensor named like w (the
// exporter prefixes names with the If branch they were inlined from) with
// w's shape.
func findTensor(ts []onnxTensor, w sileroWeight, dst *[]float32) bool {
	for _, t := range ts {
		if !strings.HasSuffix(t.name, w.key) || !sameDims(t.dims, w.dims) || int64(len(t.data)) != elements(w.dims) {
			continue
		}
		if pre := t.name[:len(t.name)-len(w.key)]; pre != "" && !strings.ContainsAny(pre[len(pre)-1:], "_/.:") {
			continue
		}
		*dst = t.data
		return true
	}
	return false
}

func sameDims(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func elements(dims []int64) int64 {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	return n
}
