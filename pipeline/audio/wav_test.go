package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// chunk is one RIFF chunk for wavFile.
type chunk struct {
	id   string
	data []byte
	// size overrides the declared size when non-nil.
	size *uint32
}

// u32 returns a pointer to v, for chunk.size.
func u32(v uint32) *uint32 { return &v }

// wavFile assembles a RIFF file of the given form ("RIFF", "RF64"...) from
// chunks, padding odd-sized ones.
func wavFile(form string, chunks ...chunk) []byte {
	var body bytes.Buffer
	body.WriteString("WAVE")
	for _, c := range chunks {
		body.WriteString(c.id)
		size := uint32(len(c.data))
		if c.size != nil {
			size = *c.size
		}
		binary.Write(&body, binary.LittleEndian, size)
		body.Write(c.data)
		if len(c.data)%2 == 1 {
			body.WriteByte(0)
		}
	}
	var out bytes.Buffer
	out.WriteString(form)
	binary.Write(&out, binary.LittleEndian, uint32(body.Len()))
	out.Write(body.Bytes())
	return out.Bytes()
}

// cut drops the last n bytes of b.
func cut(b []byte, n int) []byte { return b[:len(b)-n] }

// fmtChunk returns a plain fmt chunk.
func fmtChunk(tag, channels, rate, bits int) chunk {
	b := make([]byte, 16)
	le := binary.LittleEndian
	le.PutUint16(b[0:], uint16(tag))
	le.PutUint16(b[2:], uint16(channels))
	le.PutUint32(b[4:], uint32(rate))
	le.PutUint32(b[8:], uint32(rate*channels*bits/8))
	le.PutUint16(b[12:], uint16(channels*bits/8))
	le.PutUint16(b[14:], uint16(bits))
	return chunk{id: "fmt ", data: b}
}

// extensibleFmt returns a WAVE_FORMAT_EXTENSIBLE fmt chunk with subformat
// tag sub.
func extensibleFmt(sub, channels, rate, bits int) chunk {
	c := fmtChunk(0xFFFE, channels, rate, bits)
	ext := make([]byte, 24)
	le := binary.LittleEndian
	le.PutUint16(ext[0:], 22)
	le.PutUint16(ext[2:], uint16(bits))
	le.PutUint32(ext[4:], 0x4)
	le.PutUint16(ext[8:], uint16(sub))
	copy(ext[10:], wavSubformatSuffix)
	c.data = append(c.data, ext...)
	return c
}

// rf64File returns an RF64 file whose ds64 chunk declares samples as the
// data, followed by trailing bytes the reader must not take as audio.
func rf64File(samples []int16, trailing []byte) []byte {
	// ds64: RIFF size, data size, sample count (8 bytes each), table length.
	ds := make([]byte, 28)
	binary.LittleEndian.PutUint64(ds[8:], uint64(2*len(samples)))
	data := append(pcm16(samples...), trailing...)
	return wavFile("RF64", chunk{id: "ds64", data: ds}, fmtChunk(1, 1, 16000, 16), chunk{id: "data", data: data, size: u32(0xFFFFFFFF)})
}

// pcm16 returns samples as little-endian bytes.
func pcm16(samples ...int16) []byte {
	b := make([]byte, 2*len(samples))
	putSamples(b, samples)
	return b
}

func TestReadWAVFormats(t *testing.T) {
	samples := []int16{0, 1000, -1000, 32767, -32768, 12345}
	ulaw := EncodeULaw(nil, samples)
	alaw := EncodeALaw(nil, samples)
	tests := []struct {
		desc      string
		file      []byte
		rate      int
		channels  int
		enc       WAVEncoding
		want      []int16
		truncated bool
	}{
		{"PCM16 mono", wavFile("RIFF", fmtChunk(1, 1, 16000, 16), chunk{id: "data", data: pcm16(samples...)}), 16000, 1, WAVPCM16, samples, false},
		{"PCM16 stereo at 44.1 kHz", wavFile("RIFF", fmtChunk(1, 2, 44100, 16), chunk{id: "data", data: pcm16(samples...)}), 44100, 2, WAVPCM16, samples, false},
		{"PCM8 unsigned", wavFile("RIFF", fmtChunk(1, 1, 11025, 8), chunk{id: "data", data: []byte{128, 255, 0, 129}}), 11025, 1, WAVPCM8, []int16{0, 127 << 8, -128 << 8, 256}, false},
		{"mu-law with fact chunk", wavFile("RIFF", fmtChunk(7, 1, 8000, 8), chunk{id: "fact", data: []byte{6, 0, 0, 0}}, chunk{id: "data", data: ulaw}), 8000, 1, WAVULaw, DecodeULaw(nil, ulaw), false},
		{"A-law", wavFile("RIFF", fmtChunk(6, 1, 8000, 8), chunk{id: "data", data: alaw}), 8000, 1, WAVALaw, DecodeALaw(nil, alaw), false},
		{"extensible PCM16", wavFile("RIFF", extensibleFmt(1, 1, 48000, 16), chunk{id: "data", data: pcm16(samples...)}), 48000, 1, WAVPCM16, samples, false},
		{"extensible mu-law", wavFile("RIFF", extensibleFmt(7, 1, 8000, 8), chunk{id: "data", data: ulaw}), 8000, 1, WAVULaw, DecodeULaw(nil, ulaw), false},
		{"odd LIST chunk before data is padded", wavFile("RIFF", fmtChunk(1, 1, 16000, 16), chunk{id: "LIST", data: []byte("INFOISFT\x03\x00\x00\x00ab\x00")}, chunk{id: "data", data: pcm16(samples...)}), 16000, 1, WAVPCM16, samples, false},
		{"unknown chunk before fmt", wavFile("RIFF", chunk{id: "JUNK", data: make([]byte, 28)}, fmtChunk(1, 1, 22050, 16), chunk{id: "data", data: pcm16(samples...)}), 22050, 1, WAVPCM16, samples, false},
		{"chunks after data are ignored", wavFile("RIFF", fmtChunk(1, 1, 16000, 16), chunk{id: "data", data: pcm16(samples...)}, chunk{id: "LIST", data: []byte("INFO")}), 16000, 1, WAVPCM16, samples, false},
		{"fmt chunk with cbSize", wavFile("RIFF", chunk{id: "fmt ", data: append(fmtChunk(1, 1, 16000, 16).data, 0, 0)}, chunk{id: "data", data: pcm16(samples...)}), 16000, 1, WAVPCM16, samples, false},
		{"data shorter than declared", wavFile("RIFF", fmtChunk(1, 1, 16000, 16), chunk{id: "data", data: pcm16(samples...), size: u32(1000)}), 16000, 1, WAVPCM16, samples, true},
		{"partial last sample is dropped", cut(wavFile("RIFF", fmtChunk(1, 1, 16000, 16), chunk{id: "data", data: append(pcm16(samples...), 0x7f), size: u32(1000)}), 1), 16000, 1, WAVPCM16, samples, true},
		{"partial stereo frame is dropped", wavFile("RIFF", fmtChunk(1, 2, 16000, 16), chunk{id: "data", data: pcm16(1, 2, 3, 4, 5), size: u32(100)}), 16000, 2, WAVPCM16, []int16{1, 2, 3, 4}, true},
		{"streaming size 0xFFFFFFFF reads to the end", wavFile("RIFF", fmtChunk(1, 1, 16000, 16), chunk{id: "data", data: pcm16(samples...), size: u32(0xFFFFFFFF)}), 16000, 1, WAVPCM16, samples, false},
		{"empty data chunk", wavFile("RIFF", fmtChunk(1, 1, 16000, 16), chunk{id: "data", data: nil}), 16000, 1, WAVPCM16, nil, false},
		{"RF64 data size from ds64", rf64File(samples, pcm16(1, 2)), 16000, 1, WAVPCM16, samples, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			w, err := ReadWAV(bytes.NewReader(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if w.Rate != tc.rate || w.Channels != tc.channels || w.Encoding != tc.enc || w.Truncated != tc.truncated {
				t.Errorf("got %d Hz, %d ch, %v, truncated %v; want %d Hz, %d ch, %v, truncated %v", w.Rate, w.Channels, w.Encoding, w.Truncated, tc.rate, tc.channels, tc.enc, tc.truncated)
			}
			if !slices.Equal(w.Samples, tc.want) {
				t.Errorf("samples %v, want %v", w.Samples, tc.want)
			}
		})
	}
}

func TestReadWAVRejects(t *testing.T) {
	fmtWith := func(mod func([]byte)) chunk {
		c := fmtChunk(1, 1, 16000, 16)
		mod(c.data)
		return c
	}
	data := chunk{id: "data", data: pcm16(1, 2, 3)}
	tests := []struct {
		desc string
		file []byte
		want error
		msg  string // part of the message a user needs
	}{
		{"empty input", nil, ErrMalformedWAV, "shorter than a RIFF header"},
		{"not RIFF", []byte("OggS\x00\x00\x00\x00WAVEfmt "), ErrMalformedWAV, "not a WAV file"},
		{"RIFF but not WAVE", []byte("RIFF\x04\x00\x00\x00AVI "), ErrMalformedWAV, "want \"WAVE\""},
		{"big-endian RIFX", []byte("RIFX\x04\x00\x00\x00WAVE"), ErrUnsupportedWAV, "sox"},
		{"no fmt chunk", wavFile("RIFF", data), ErrMalformedWAV, "data chunk before the fmt chunk"},
		{"no data chunk", wavFile("RIFF", fmtChunk(1, 1, 16000, 16)), ErrMalformedWAV, "no data chunk"},
		{"nothing after header", wavFile("RIFF"), ErrMalformedWAV, "no fmt chunk"},
		{"32-bit float", wavFile("RIFF", fmtChunk(3, 1, 16000, 32), data), ErrUnsupportedWAV, "32-bit float samples are not supported; convert to 16-bit PCM (sox"},
		{"24-bit PCM", wavFile("RIFF", fmtChunk(1, 1, 16000, 24), data), ErrUnsupportedWAV, "24-bit PCM samples are not supported"},
		{"extensible float", wavFile("RIFF", extensibleFmt(3, 1, 16000, 32), data), ErrUnsupportedWAV, "float"},
		{"IMA ADPCM", wavFile("RIFF", fmtChunk(0x11, 1, 8000, 4), data), ErrUnsupportedWAV, "IMA ADPCM"},
		{"12-bit PCM", wavFile("RIFF", fmtChunk(1, 1, 16000, 12), data), ErrMalformedWAV, "accepted: 8 or 16 bits"},
		{"16-bit mu-law", wavFile("RIFF", fmtChunk(7, 1, 8000, 16), data), ErrMalformedWAV, "want 8"},
		{"fmt too short", wavFile("RIFF", chunk{id: "fmt ", data: make([]byte, 14)}, data), ErrMalformedWAV, "fmt chunk of 14 bytes"},
		{"fmt absurdly long", wavFile("RIFF", chunk{id: "fmt ", data: make([]byte, 16), size: u32(1 << 30)}, data), ErrMalformedWAV, "fmt chunk of"},
		{"fmt cut short", wavFile("RIFF", chunk{id: "fmt ", data: make([]byte, 8), size: u32(16)}), ErrMalformedWAV, "cut short"},
		{"two fmt chunks", wavFile("RIFF", fmtChunk(1, 1, 16000, 16), fmtChunk(1, 1, 16000, 16), data), ErrMalformedWAV, "more than one fmt"},
		{"zero channels", wavFile("RIFF", fmtWith(func(b []byte) { b[2] = 0; b[12] = 0 }), data), ErrMalformedWAV, "zero channels"},
		{"nine channels", wavFile("RIFF", fmtChunk(1, 9, 16000, 16), data), ErrUnsupportedWAV, "9 channels"},
		{"zero rate", wavFile("RIFF", fmtWith(func(b []byte) { binary.LittleEndian.PutUint32(b[4:], 0) }), data), ErrMalformedWAV, "sample rate 0"},
		{"rate 500 Hz", wavFile("RIFF", fmtChunk(1, 1, 500, 16), data), ErrUnsupportedWAV, "500 Hz"},
		{"block align mismatch", wavFile("RIFF", fmtWith(func(b []byte) { b[12] = 4 }), data), ErrMalformedWAV, "block align 4"},
		{"extensible too short", wavFile("RIFF", chunk{id: "fmt ", data: fmtChunk(0xFFFE, 1, 16000, 16).data}, data), ErrMalformedWAV, "EXTENSIBLE"},
		{"extensible unknown GUID", wavFile("RIFF", func() chunk { c := extensibleFmt(1, 1, 16000, 16); c.data[30] = 9; return c }(), data), ErrUnsupportedWAV, "GUID"},
		{"extensible valid bits above container", wavFile("RIFF", func() chunk { c := extensibleFmt(1, 1, 16000, 16); c.data[18] = 24; return c }(), data), ErrMalformedWAV, "valid bits"},
		{"chunk runs past the end", wavFile("RIFF", fmtChunk(1, 1, 16000, 16), chunk{id: "LIST", data: []byte("abcd"), size: u32(1 << 20)}), ErrMalformedWAV, "runs past the end"},
		{"declared data over the limit", wavFile("RIFF", fmtChunk(1, 1, 16000, 16), chunk{id: "data", data: pcm16(1), size: u32(0xFFFFFFF0)}), ErrWAVTooLarge, "WithMaxWAVBytes"},
		{"ds64 too short", wavFile("RF64", chunk{id: "ds64", data: make([]byte, 8)}), ErrMalformedWAV, "ds64"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := ReadWAV(bytes.NewReader(tc.file))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q does not say %q", err, tc.msg)
			}
		})
	}
}

func TestReadWAVLimit(t *testing.T) {
	file := wavFile("RIFF", fmtChunk(1, 1, 16000, 16), chunk{id: "data", data: make([]byte, 4000), size: u32(0xFFFFFFFF)})
	if _, err := ReadWAV(bytes.NewReader(file), WithMaxWAVBytes(1000)); !errors.Is(err, ErrWAVTooLarge) {
		t.Errorf("unknown-size data over the limit: err = %v, want ErrWAVTooLarge", err)
	}
	if _, err := ReadWAV(bytes.NewReader(file), WithMaxWAVBytes(4000)); err != nil {
		t.Errorf("data at the limit: %v", err)
	}
	if _, err := ReadWAV(bytes.NewReader(file), WithMaxWAVBytes(0)); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("WithMaxWAVBytes(0): err = %v, want ErrInvalidOption", err)
	}
}

func TestReadWAVSoxFixtures(t *testing.T) {
	ref, err := ReadWAVFile("testdata/speech8k.wav")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file   string
		enc    WAVEncoding
		maxErr float64 // per sample, relative to the reference
	}{
		{"testdata/ulaw8k.wav", WAVULaw, 1.0 / 16},
		{"testdata/alaw8k.wav", WAVALaw, 1.0 / 16},
		{"testdata/pcm8u.wav", WAVPCM8, 0},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			w, err := ReadWAVFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if w.Encoding != tc.enc || w.Rate != 8000 || len(w.Samples) != len(ref.Samples) {
				t.Fatalf("got %v at %d Hz, %d samples; want %v at 8000 Hz, %d samples", w.Encoding, w.Rate, len(w.Samples), tc.enc, len(ref.Samples))
			}
			for i, v := range w.Samples {
				// Companding keeps about 4 bits of relative precision;
				// 8-bit PCM keeps the top byte.
				allowed := math.Max(tc.maxErr*math.Abs(float64(ref.Samples[i])), 16)
				if tc.enc == WAVPCM8 {
					allowed = 256
				}
				if d := math.Abs(float64(v) - float64(ref.Samples[i])); d > allowed {
					t.Fatalf("sample %d = %d, reference %d", i, v, ref.Samples[i])
				}
			}
		})
	}
}

func TestReadWAVSoxStereoAndRejects(t *testing.T) {
	stereo, err := ReadWAVFile("testdata/stereo44k.wav")
	if err != nil {
		t.Fatal(err)
	}
	left, err := stereo.Channel(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	right, err := stereo.Channel(nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if stereo.Rate != 44100 || len(left) != stereo.Frames() || stereo.Duration() != 50*time.Millisecond {
		t.Fatalf("stereo fixture: %d Hz, %d frames, %v", stereo.Rate, stereo.Frames(), stereo.Duration())
	}
	if l, r := toneLevel(left, 44100, 440), toneLevel(right, 44100, 880); l < 0.5*32767 || r < 0.5*32767 {
		t.Errorf("left 440 Hz level %.0f, right 880 Hz level %.0f: channels mixed up", l, r)
	}
	for _, name := range []string{"testdata/float32.wav", "testdata/pcm24.wav"} {
		if _, err := ReadWAVFile(name); !errors.Is(err, ErrUnsupportedWAV) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want ErrUnsupportedWAV naming the file", name, err)
		}
	}
	if _, err := ReadWAVFile("testdata/missing.wav"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestWAVAccessors(t *testing.T) {
	w := &WAV{Rate: 8000, Channels: 2, Samples: []int16{1, 3, 10, 20, -4, 4}}
	if got := w.Mono(nil); !slices.Equal(got, []int16{2, 15, 0}) {
		t.Errorf("Mono = %v", got)
	}
	if _, err := w.Channel(nil, 2); !errors.Is(err, ErrBadFrame) {
		t.Errorf("Channel(2) of stereo: err = %v", err)
	}
	m := &WAV{Rate: 8000, Channels: 1, Samples: []int16{5, 6}}
	if got := m.Mono([]int16{9}); !slices.Equal(got, []int16{9, 5, 6}) {
		t.Errorf("mono Mono = %v", got)
	}
	if (&WAV{}).Duration() != 0 || (&WAV{}).Frames() != 0 {
		t.Error("zero WAV has a duration")
	}
	names := map[WAVEncoding]string{WAVPCM16: "pcm16", WAVPCM8: "pcm8", WAVULaw: "mulaw", WAVALaw: "alaw", 42: "WAVEncoding(42)"}
	for e, want := range names {
		if e.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(e), e.String(), want)
		}
	}
}

func TestWriteWAVRoundTrip(t *testing.T) {
	tests := []struct {
		desc     string
		rate     int
		channels int
		samples  []int16
	}{
		{"mono 16 kHz", 16000, 1, sine(1600, 16000, 440, 9000)},
		{"stereo 8 kHz", 8000, 2, sine(1600, 8000, 440, 9000)},
		{"mono 44.1 kHz", 44100, 1, sine(441, 44100, 440, 9000)},
		{"empty", 48000, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteWAV(&buf, tc.rate, tc.channels, tc.samples); err != nil {
				t.Fatal(err)
			}
			if buf.Len() != 44+2*len(tc.samples) {
				t.Fatalf("file is %d bytes, want %d", buf.Len(), 44+2*len(tc.samples))
			}
			w, err := ReadWAV(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if w.Rate != tc.rate || w.Channels != tc.channels || !slices.Equal(w.Samples, tc.samples) || w.Truncated {
				t.Errorf("read back %d Hz %d ch %d samples", w.Rate, w.Channels, len(w.Samples))
			}
		})
	}
	for _, bad := range []struct {
		desc           string
		rate, channels int
		samples        []int16
		want           error
	}{
		{"three channels", 16000, 3, nil, ErrInvalidOption},
		{"rate 0", 0, 1, nil, ErrUnsupportedRate},
		{"odd stereo", 16000, 2, []int16{1}, ErrBadFrame},
	} {
		if err := WriteWAV(io.Discard, bad.rate, bad.channels, bad.samples); !errors.Is(err, bad.want) {
			t.Errorf("%s: err = %v, want %v", bad.desc, err, bad.want)
		}
	}
}
