package vad

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// FuzzEnergy feeds arbitrary audio, cut into frames of arbitrary whole
// milliseconds, to the energy detector: it must never fail on a valid frame,
// and must always return a probability.
func FuzzEnergy(f *testing.F) {
	f.Add(uint8(20), []byte{})
	f.Add(uint8(1), []byte{0xff, 0x7f, 0x00, 0x80, 0xff, 0x7f, 0x00, 0x80})
	f.Add(uint8(37), make([]byte, 4000))
	f.Fuzz(func(t *testing.T, frameMS uint8, data []byte) {
		n := (int(frameMS)%60 + 1) * 16
		samples := make([]int16, len(data)/2)
		for i := range samples {
			samples[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		// Loop the input so every run crosses the noise-learning period.
		for len(samples) > 0 && len(samples) < 16000 {
			samples = append(samples, samples...)
		}
		e := NewEnergy()
		for off := 0; off+n <= len(samples); off += n {
			p, err := e.Process(audio.Frame{Rate: 16000, Samples: samples[off : off+n]})
			if err != nil {
				t.Fatalf("frame at %d: %v", off, err)
			}
			if math.IsNaN(float64(p)) || p < 0 || p > 1 {
				t.Fatalf("frame at %d: probability %v", off, p)
			}
		}
	})
}

// FuzzSegmenter pushes arbitrary probabilities and frame durations: the
// events must alternate, and the segments must be ordered, disjoint and
// within the stream.
func FuzzSegmenter(f *testing.F) {
	f.Add([]byte{0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{128, 90, 200, 1, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := DefaultSegmenterConfig()
		if len(data) > 0 {
			cfg.MinSilence = time.Duration(data[0]) * 4 * time.Millisecond
		}
		s, err := NewSegmenter(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var segs []Segment
		inSpeech := false
		var start time.Duration
		handle := func(ev Event) {
			switch ev.Kind {
			case SpeechStart:
				if inSpeech {
					t.Fatal("two starts in a row")
				}
				inSpeech, start = true, ev.At
			case SpeechEnd:
				if !inSpeech {
					t.Fatal("end without start")
				}
				inSpeech = false
				segs = append(segs, Segment{start, ev.At})
			}
		}
		for i, b := range data {
			d := time.Duration(10+10*(i%3)) * time.Millisecond
			handle(s.Push(float32(b)/255, d))
		}
		handle(s.Flush())
		for i, seg := range segs {
			if seg.Start < 0 || seg.End < seg.Start || seg.End > s.Now() {
				t.Fatalf("segment %d %v out of [0, %v]", i, seg, s.Now())
			}
			if i > 0 && seg.Start < segs[i-1].End {
				t.Fatalf("segment %d %v overlaps %v", i, seg, segs[i-1])
			}
		}
	})
}

// FuzzReadSileroWeights feeds arbitrary bytes to the model-file reader (a
// model file is user input): it must never panic, and whatever it accepts
// must have the network's shapes.
func FuzzReadSileroWeights(f *testing.F) {
	tiny := tensorProto("", []int64{2, 1}, []float32{1, 2}, false)
	f.Add([]byte{})
	f.Add(modelProto(graphProto([][]byte{constantNode("a/stft.forward_basis_buffer", tiny)}, nil)))
	f.Add(modelProto(graphProto([][]byte{ifNode(
		graphProto([][]byte{constantNode("t/encoder.0.reparam_conv.bias", tiny)}, nil),
		graphProto(nil, [][]byte{tensorProto("e/decoder.rnn.bias_ih", []int64{2}, []float32{3, 4}, true)}),
	)}, nil)))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := readSileroWeights(data)
		if err != nil {
			return
		}
		for i, s := range sileroWeightTable() {
			if int64(len(w[i])) != elements(s.dims) {
				t.Fatalf("tensor %s: %d values, want %d", s.key, len(w[i]), elements(s.dims))
			}
		}
	})
}
