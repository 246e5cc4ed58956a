package audio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadWAV feeds arbitrary bytes to ReadWAV: it must never panic, must
// fail only with this package's sentinels, and must return consistent audio.
func FuzzReadWAV(f *testing.F) {
	// Real files from sox, cut to their first 600 bytes to keep the
	// fuzzer fast (truncated data is a case worth covering anyway).
	files, _ := filepath.Glob("testdata/*.wav")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b[:min(len(b), 600)])
		}
	}
	f.Add(wavFile("RIFF", fmtChunk(1, 2, 44100, 16), chunk{id: "LIST", data: []byte("odd")}, chunk{id: "data", data: pcm16(1, 2, 3, 4), size: u32(0xFFFFFFFF)}))
	f.Add(rf64File([]int16{1, 2, 3}, []byte{9}))
	f.Add(wavFile("RIFF", extensibleFmt(7, 1, 8000, 8), chunk{id: "data", data: []byte{1, 2, 3}, size: u32(100)}))
	const limit = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ReadWAV(bytes.NewReader(data), WithMaxWAVBytes(limit))
		if err != nil {
			if !errors.Is(err, ErrMalformedWAV) && !errors.Is(err, ErrUnsupportedWAV) && !errors.Is(err, ErrWAVTooLarge) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if w.Channels < 1 || w.Channels > maxWAVChannels || w.Rate < minResampleRate || w.Rate > maxResampleRate {
			t.Fatalf("accepted %d channels at %d Hz", w.Channels, w.Rate)
		}
		if len(w.Samples)%w.Channels != 0 {
			t.Fatalf("%d samples do not split into %d channels", len(w.Samples), w.Channels)
		}
		if len(w.Samples) > len(data) {
			t.Fatalf("%d samples from %d bytes", len(w.Samples), len(data))
		}
		// Whatever was read must survive a write/read round trip (as PCM16,
		// mono or stereo).
		if w.Channels <= 2 {
			var buf bytes.Buffer
			if err := WriteWAV(&buf, w.Rate, w.Channels, w.Samples); err != nil {
				t.Fatal(err)
			}
			again, err := ReadWAV(&buf)
			if err != nil || len(again.Samples) != len(w.Samples) {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}
