package vad

import (
	"encoding/binary"
	"errors"
	"log/slog"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Builders of synthetic ONNX models, for the weight reader.

func tensorProto(name string, dims []int64, data []float32, packed bool) []byte {
	var t pbWriter
	t.packedInt64s(1, dims)
	t.varint(2, onnxFloat)
	if name != "" {
		t.str(8, name)
	}
	if packed {
		raw := make([]byte, 0, 4*len(data))
		for _, v := range data {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
		t.bytes(4, raw) // float_data, packed
	} else {
		raw := make([]byte, 0, 4*len(data))
		for _, v := range data {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
		t.bytes(9, raw)
	}
	return t.buf
}

func constantNode(output string, tensor []byte) []byte {
	var n pbWriter
	n.str(2, output)
	n.str(4, "Constant")
	n.msg(5, func(a *pbWriter) {
		a.str(1, "value")
		a.bytes(5, tensor)
		a.varint(20, 4) // TENSOR
	})
	return n.buf
}

func ifNode(then, els []byte) []byte {
	var n pbWriter
	n.str(1, "cond")
	n.str(2, "out")
	n.str(4, "If")
	for _, b := range []struct {
		name string
		g    []byte
	}{{"then_branch", then}, {"else_branch", els}} {
		n.msg(5, func(a *pbWriter) {
			a.str(1, b.name)
			a.bytes(6, b.g)
			a.varint(20, 5) // GRAPH
		})
	}
	return n.buf
}

// graphProto holds nodes and initializers.
func graphProto(nodes, inits [][]byte) []byte {
	var g pbWriter
	for _, n := range nodes {
		g.bytes(1, n)
	}
	g.str(2, "g")
	for _, t := range inits {
		g.bytes(5, t)
	}
	return g.buf
}

func modelProto(graph []byte) []byte {
	var m pbWriter
	m.varint(1, 8)
	m.bytes(7, graph)
	return m.buf
}

// fakeWeights returns recognisable data for every tensor of the network:
// tensor i holds i + j/1e6 at position j.
func fakeWeights() [numSileroWeights][]float32 {
	var w [numSileroWeights][]float32
	for i, s := range sileroWeightTable() {
		w[i] = make([]float32, elements(s.dims))
		for j := range w[i] {
			w[i][j] = float32(i) + float32(j)/1e6
		}
	}
	return w
}

// branch returns the network's tensors as Constant nodes named as the
// exporter names them, with the STFT basis of the given shape; edit may
// change a tensor's name, shape or data first.
func branch(prefix string, basisDims []int64, edit func(i int, name *string, dims *[]int64, data *[]float32)) []byte {
	w := fakeWeights()
	var nodes [][]byte
	for i, s := range sileroWeightTable() {
		name, dims, data := prefix+s.key, s.dims, w[i]
		if i == wBasis && basisDims != nil {
			dims, data = basisDims, make([]float32, elements(basisDims))
		}
		if edit != nil {
			edit(i, &name, &dims, &data)
		}
		nodes = append(nodes, constantNode(name, tensorProto("", dims, data, i == wHead)))
	}
	return graphProto(nodes, nil)
}

// hannBasis returns the STFT basis of Silero v5: Hann-windowed cosines, then
// negated sines, [258, 1, 256].
func hannBasis() []float32 {
	const n = 2 * stftHop
	out := make([]float32, 2*stftBins*n)
	for j := range stftBins {
		for s := range n {
			hann := 0.5 - 0.5*math.Cos(2*math.Pi*float64(s)/n)
			a := 2 * math.Pi * float64(j*s%n) / n
			out[j*n+s] = float32(hann * math.Cos(a))
			out[(stftBins+j)*n+s] = float32(-hann * math.Sin(a))
		}
	}
	return out
}

func TestCheckSTFTBasis(t *testing.T) {
	good := hannBasis()
	cases := []struct {
		name string
		edit func(b []float32)
		ok   bool
	}{
		{"Hann-windowed DFT", func([]float32) {}, true},
		{"a rounding error", func(b []float32) { b[1000] += 1e-6 }, true},
		{"a wrong value", func(b []float32) { b[1000] += 1e-3 }, false},
		{"sines not negated", func(b []float32) {
			for i := stftBins * 2 * stftHop; i < len(b); i++ {
				b[i] = -b[i]
			}
		}, false},
		{"no window", func(b []float32) { b[3] = 1 }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := append([]float32(nil), good...)
			c.edit(b)
			if err := checkSTFTBasis(b); (err == nil) != c.ok {
				t.Errorf("got %v", err)
			}
		})
	}
}

func TestSTFTMagnitudesMatchTheBasis(t *testing.T) {
	// The FFT (silero_stft.c) must give the magnitudes of the basis
	// projection the published graph computes: reflection padding, 4
	// frames of 256 every 128, one-sided bins.
	basis := hannBasis()
	for seed, level := range []float64{-10, -40, -80} {
		x := whiteNoise(uint64(60+seed), level, 0.036)
		var row [sileroInput]float32
		for i := range row {
			row[i] = float32(x[i] + 0.3*math.Sin(float64(i)*0.07))
		}
		var got [stftFrames * stftBins]float32
		stftMagnitudes(&row, &got)
		for t0 := range stftFrames {
			for j := range stftBins {
				var re, im float64
				for s := range 2 * stftHop {
					p := t0*stftHop + s
					if p >= sileroInput {
						p = 2*(sileroInput-1) - p
					}
					re += float64(basis[j*2*stftHop+s]) * float64(row[p])
					im += float64(basis[(stftBins+j)*2*stftHop+s]) * float64(row[p])
				}
				want := math.Hypot(re, im)
				if d := math.Abs(float64(got[t0*stftBins+j]) - want); d > 1e-5*max(1, want) {
					t.Fatalf("level %v dB, frame %d bin %d: %v, want %v", level, t0, j, got[t0*stftBins+j], want)
				}
			}
		}
	}
}

func TestReadSileroWeights(t *testing.T) {
	eightK := []int64{130, 1, 128}
	initializers := func() []byte {
		w := fakeWeights()
		var inits [][]byte
		for i, s := range sileroWeightTable() {
			inits = append(inits, tensorProto(s.key, s.dims, w[i], false))
		}
		return modelProto(graphProto(nil, inits))
	}
	cases := []struct {
		name  string
		model []byte
		ok    bool
	}{
		{"initializers of the main graph", initializers(), true},
		{"constants of the 16 kHz If branch", modelProto(graphProto([][]byte{
			ifNode(branch("If_0_then_branch__Inline_0__", nil, nil), branch("If_0_else_branch__Inline_0__", eightK, nil)),
		}, nil)), true},
		{"16 kHz network in the else branch", modelProto(graphProto([][]byte{
			ifNode(branch("a/", eightK, nil), branch("b/", nil, nil)),
		}, nil)), true},
		{"only the 8 kHz network", modelProto(graphProto([][]byte{
			ifNode(branch("a/", eightK, nil), branch("b/", eightK, nil)),
		}, nil)), false},
		{"a weight of the wrong shape", modelProto(graphProto([][]byte{
			ifNode(branch("a/", nil, func(i int, _ *string, dims *[]int64, data *[]float32) {
				if i == wEnc1 {
					*dims, *data = []int64{64, 128, 2}, make([]float32, 64*128*2)
				}
			}), nil),
		}, nil)), false},
		{"a weight missing", modelProto(graphProto([][]byte{
			ifNode(branch("a/", nil, func(i int, name *string, _ *[]int64, _ *[]float32) {
				if i == wHH {
					*name = "a/decoder.rnn.weight_hx"
				}
			}), nil),
		}, nil)), false},
		{"a name that only ends like a weight", modelProto(graphProto([][]byte{
			ifNode(branch("a/", nil, func(i int, name *string, _ *[]int64, _ *[]float32) {
				if i == wEnc0b {
					*name = "a/xencoder.0.reparam_conv.bias"
				}
			}), nil),
		}, nil)), false},
		{"empty file", nil, false},
		{"not a protocol buffer", []byte("not a model at all"), false},
	}
	want := fakeWeights()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readSileroWeights(c.model)
			if !c.ok {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if len(got[i]) != len(want[i]) || got[i][len(got[i])-1] != want[i][len(want[i])-1] || got[i][0] != want[i][0] {
					t.Fatalf("tensor %s: wrong data", sileroWeightTable()[i].key)
				}
			}
		})
	}
}

func TestPBParseRejectsMalformedInput(t *testing.T) {
	cases := []struct {
		name string
		b    []byte
	}{
		{"truncated key", []byte{0x80}},
		{"field number 0", []byte{0x00, 0x01}},
		{"truncated varint", []byte{0x08, 0xff}},
		{"length past the end", []byte{0x0a, 0x05, 0x01}},
		{"huge length", []byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"short fixed32", []byte{0x0d, 0x01, 0x02}},
		{"short fixed64", []byte{0x09, 0x01}},
		{"group wire type", []byte{0x0b}},
		{"wire type 7", []byte{0x0f}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := pbParse(c.b); !errors.Is(err, errPB) {
				t.Errorf("got %v, want a malformed protocol buffer", err)
			}
		})
	}
	// A well-formed message with every wire type.
	var w pbWriter
	w.varint(1, 300)
	w.float32(2, 1.5)
	w.str(3, "x")
	w.packedInt64s(4, []int64{1, 2, 3})
	fs, err := pbParse(append(w.buf, 0x29, 1, 0, 0, 0, 0, 0, 0, 0)) // field 5, fixed64
	if err != nil || len(fs) != 5 || fs[0].u != 300 || string(fs[2].b) != "x" || fs[4].u != 1 {
		t.Fatalf("fields %+v, %v", fs, err)
	}
	if ints, err := pbInt64s(fs, 4); err != nil || len(ints) != 3 || ints[2] != 3 {
		t.Errorf("packed ints %v, %v", ints, err)
	}
}

func TestRebuiltGraphMatchesPublished(t *testing.T) {
	// The rebuilt graph must score real speech like the published one,
	// window after window (the state feeding back), to float rounding.
	published, m := publishedAndRebuilt(t)
	x := utterances(t)
	var worst float64
	bp, bc := newSileroBatcher(published, 1, 1), newSileroBatcher(m.ort, 1, 1)
	defer bp.close()
	defer bc.close()
	jp, jc := newSileroJob(), newSileroJob()
	for off := 0; off+sileroWindow <= len(x); off += sileroWindow {
		for i, v := range x[off : off+sileroWindow] {
			jp.input[sileroContext+i] = float32(v) / 32768
			jc.input[sileroContext+i] = float32(v) / 32768
		}
		p, err := bp.score(jp)
		if err != nil {
			t.Fatal(err)
		}
		c, err := bc.score(jc)
		if err != nil {
			t.Fatal(err)
		}
		worst = max(worst, math.Abs(float64(p-c)))
		for i := range jp.state {
			if !closeTo(jc.state[i], jp.state[i]) {
				t.Fatalf("window at %d: state[%d] %v, published %v", off, i, jc.state[i], jp.state[i])
			}
		}
	}
	t.Logf("largest probability difference over %d windows: %.2g", len(x)/sileroWindow, worst)
	if worst > batchTolerance {
		t.Errorf("probabilities differ by up to %g, want at most %g", worst, batchTolerance)
	}
}

// signatureModel returns a model with Silero v5's inputs and outputs that
// computes something else (the sigmoid of the input's mean), holding inits
// as unused initializers.
func signatureModel(inits [][]byte) []byte {
	g := &onnxBuilder{inits: inits}
	mean := g.op("ReduceMean", []string{"input"}, attrInt("keepdims", 1), func(a *pbWriter) {
		a.str(1, "axes")
		a.packedInt64s(8, []int64{1})
		a.varint(20, onnxAttrInts)
	})
	g.opOut("Sigmoid", []string{mean}, []string{"output"})
	g.opOut("Identity", []string{"state"}, []string{"stateN"})
	sr := func(v *pbWriter) {
		v.str(1, "sr")
		v.msg(2, func(tp *pbWriter) {
			tp.msg(1, func(tt *pbWriter) {
				tt.varint(1, onnxInt64)
				tt.msg(2, func(sh *pbWriter) { sh.msg(1, func(d *pbWriter) { d.varint(1, 1) }) })
			})
		})
	}
	return g.model(
		[]func(*pbWriter){valueInfo("input", 0, sileroInput), valueInfo("state", 2, 0, sileroHidden), sr},
		[]func(*pbWriter){valueInfo("output", 0, 1), valueInfo("stateN", 2, 0, sileroHidden)})
}

func TestLoadSileroFallsBackToThePublishedGraph(t *testing.T) {
	// When the 16 kHz network cannot be rebuilt (no weights found), or the
	// rebuilt graph does not score like the published one, the model runs
	// the published graph and says so in a warning.
	w := fakeWeights()
	w[wBasis] = hannBasis()
	var inits [][]byte
	for i, s := range sileroWeightTable() {
		inits = append(inits, tensorProto(s.key, s.dims, w[i], false))
	}
	cases := []struct {
		name  string
		model []byte
		why   string
	}{
		{"no weights", signatureModel(nil), "reading the weights"},
		{"weights of another network", signatureModel(inits), "rebuilt graph"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := t.TempDir() + "/model.onnx"
			if err := os.WriteFile(p, c.model, 0o644); err != nil {
				t.Fatal(err)
			}
			var logs strings.Builder
			m, err := LoadSilero(p, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if m.compact {
				t.Error("running a rebuilt graph")
			}
			if !strings.Contains(logs.String(), "published Silero graph") || !strings.Contains(logs.String(), c.why) {
				t.Errorf("warning %q does not say why (%q)", logs.String(), c.why)
			}
			d := newDetector(t, m)
			if _, err := d.Process(audio.Frame{Rate: 16000, Samples: make([]int16, 1024)}); err != nil {
				t.Errorf("scoring on the published graph: %v", err)
			}
		})
	}
}

func TestLoadSileroRejectsOtherModels(t *testing.T) {
	g := &onnxBuilder{}
	g.opOut("Identity", []string{"input"}, []string{"output"})
	model := g.model([]func(*pbWriter){valueInfo("input", 0, 4)}, []func(*pbWriter){valueInfo("output", 0, 4)})
	p := t.TempDir() + "/other.onnx"
	if err := os.WriteFile(p, model, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSilero(p); !errors.Is(err, ErrBadModel) || !strings.Contains(err.Error(), "want [input state sr]") {
		t.Errorf("got %v, want ErrBadModel naming the expected inputs", err)
	}
}

// publishedAndRebuilt opens the test model twice: as published (closed when
// the test ends) and as the product loads it, with the rebuilt graph.
func publishedAndRebuilt(t *testing.T) (*ortModel, *SileroModel) {
	t.Helper()
	data, err := os.ReadFile(testModelPath(t))
	if err != nil {
		t.Fatal(err)
	}
	published, err := openORT("", data, publishedGraph)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(published.close)
	m := testModel(t)
	if !m.compact {
		t.Fatal("the model did not load with the rebuilt graph")
	}
	return published, m
}
