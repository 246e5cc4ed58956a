package rtp

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// readS16 reads a file of little-endian signed 16-bit samples.
func readS16(t testing.TB, name string) []int16 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "g722", name))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out
}

// readBytes reads a file of testdata/g722.
func readBytes(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "g722", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestG722Vectors checks the encoder and decoder bit for bit against the
// reference vectors of testdata/g722 (see gen.c there), fed in frames of
// several sizes so that state carries across calls.
func TestG722Vectors(t *testing.T) {
	input := readS16(t, "input.s16")
	encoded := readBytes(t, "encoded.g722")
	decoded := readS16(t, "decoded.s16")
	random := readBytes(t, "random.g722")
	randomPCM := readS16(t, "random.s16")
	for _, tc := range []struct {
		name  string
		chunk int // samples per Encode call (bytes per Decode call: chunk/2)
	}{
		{"one 20 ms frame per call", 320},
		{"10 ms per call", 160},
		{"whole stream at once", len(input)},
		{"odd-sized chunks", 2 * 77},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc := NewG722Encoder()
			var got []byte
			for i := 0; i < len(input); i += tc.chunk {
				got, _ = enc.Encode(got, input[i:min(i+tc.chunk, len(input))])
			}
			if len(got) != len(encoded) {
				t.Fatalf("encoded %d bytes, want %d", len(got), len(encoded))
			}
			for i := range got {
				if got[i] != encoded[i] {
					t.Fatalf("encoded byte %d = %#02x, want %#02x", i, got[i], encoded[i])
				}
			}
			for _, v := range []struct {
				name string
				in   []byte
				want []int16
			}{{"encoded", encoded, decoded}, {"random", random, randomPCM}} {
				dec := NewG722Decoder()
				var pcm []int16
				for i := 0; i < len(v.in); i += tc.chunk / 2 {
					pcm, _ = dec.Decode(pcm, v.in[i:min(i+tc.chunk/2, len(v.in))])
				}
				if len(pcm) != len(v.want) {
					t.Fatalf("%s: decoded %d samples, want %d", v.name, len(pcm), len(v.want))
				}
				wraps := 0
				for i := range pcm {
					if pcm[i] == v.want[i] {
						continue
					}
					loud := v.name == "random" || (i >= len(pcm)/4 && i < 3*len(pcm)/4+64) // +64: the QMF delay
					if !loud || !wrapped(pcm[i], v.want[i]) {
						t.Fatalf("%s: decoded sample %d = %d, want %d", v.name, i, pcm[i], v.want[i])
					}
					wraps++
				}
				if wraps > len(pcm)/20 {
					t.Errorf("%s: %d saturated samples, want at most 5%%", v.name, wraps)
				}
			}
		})
	}
}

// wrapped reports whether want is the 16-bit wrap-around of an output that
// got saturated instead: where the receive QMF's output overflows 16 bits
// (full-scale noise), the reference casts it to int16 and so flips its
// sign, a loud click; only the full-scale noise and square wave of the
// input's middle half (and random codes) get there. G722Decoder saturates, as FFmpeg's decoder does.
// Nothing else may differ: the QMF output feeds no state.
func wrapped(got, want int16) bool {
	return (got == math.MaxInt16 && want < 0) || (got == math.MinInt16 && want > 0)
}

// TestG722RoundTripSNR checks that a wideband tone survives encoding and
// decoding with the quality G.722 promises.
func TestG722RoundTripSNR(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hz     float64
		minSNR float64
	}{
		{"300 Hz speech fundamental", 300, 20},
		{"1 kHz", 1000, 20},
		{"5 kHz, high sub-band", 5000, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := sine(16000, tc.hz, 8000, 16000)
			enc, dec := NewG722Encoder(), NewG722Decoder()
			payload, _ := enc.Encode(nil, in)
			out, _ := dec.Decode(nil, payload)
			if snr := bestSNR(in, out, 64); snr < tc.minSNR {
				t.Errorf("SNR %.1f dB, want >= %.1f", snr, tc.minSNR)
			}
		})
	}
}

// TestG722ResetRestarts checks that Reset makes a codec behave as new.
func TestG722ResetRestarts(t *testing.T) {
	in := sine(16000, 440, 10000, 640)
	enc := NewG722Encoder()
	first, _ := enc.Encode(nil, in)
	enc.Reset()
	second, _ := enc.Encode(nil, in)
	if string(first) != string(second) {
		t.Fatal("encoder output after Reset differs from a new encoder's")
	}
	dec := NewG722Decoder()
	a, _ := dec.Decode(nil, first)
	_ = dec.Reset()
	b, _ := dec.Decode(nil, first)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("decoder output after Reset differs at sample %d", i)
		}
	}
}

// BenchmarkG722 measures encoding and decoding one 20 ms frame.
func BenchmarkG722(b *testing.B) {
	in := sine(16000, 440, 10000, 320)
	b.Run("encode", func(b *testing.B) {
		enc := NewG722Encoder()
		buf := make([]byte, 0, 160)
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = enc.Encode(buf[:0], in)
		}
	})
	b.Run("decode", func(b *testing.B) {
		payload, _ := NewG722Encoder().Encode(nil, in)
		dec := NewG722Decoder()
		buf := make([]int16, 0, 320)
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = dec.Decode(buf[:0], payload)
		}
	})
}
