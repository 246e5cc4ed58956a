package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// memSeeker is an in-memory io.WriteSeeker without WriteAt.
type memSeeker struct {
	buf []byte
	off int64
}

func (m *memSeeker) Write(p []byte) (int, error) {
	if need := int(m.off) + len(p); need > len(m.buf) {
		m.buf = append(m.buf, make([]byte, need-len(m.buf))...)
	}
	copy(m.buf[m.off:], p)
	m.off += int64(len(p))
	return len(p), nil
}

func (m *memSeeker) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		m.off = off
	case io.SeekCurrent:
		m.off += off
	case io.SeekEnd:
		m.off = int64(len(m.buf)) + off
	}
	return m.off, nil
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

// headerSizes returns the RIFF and data sizes of a canonical header.
func headerSizes(b []byte) (riff, data uint32) {
	return binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[40:])
}

func TestWAVWriterFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWAVWriter(f, Rate16k, 1)
	if err != nil {
		t.Fatal(err)
	}
	frame := sine(320, Rate16k, 440, 8000)
	for range 10 {
		if err := w.WriteFrame(Frame{Rate: Rate16k, Samples: frame}); err != nil {
			t.Fatal(err)
		}
	}
	// Mid-call, before any patch: the header says "unknown size" and a
	// reader takes everything written so far.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if riff, data := headerSizes(raw); riff != 0xFFFFFFFF || data != 0xFFFFFFFF {
		t.Fatalf("unpatched header sizes %#x/%#x, want 0xFFFFFFFF", riff, data)
	}
	if got, err := ReadWAV(bytes.NewReader(raw)); err != nil || got.Frames() != 3200 {
		t.Fatalf("mid-call read: %v frames, err %v", got, err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	raw, _ = os.ReadFile(path)
	if riff, data := headerSizes(raw); data != 6400 || riff != 6436 {
		t.Fatalf("after Flush sizes %d/%d, want 6436/6400", riff, data)
	}
	if err := w.Write(frame); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := w.Write(frame); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: err = %v, want ErrClosed", err)
	}
	if err := w.Flush(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Flush after Close: err = %v, want ErrClosed", err)
	}
	got, err := ReadWAVFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Frames() != 3520 || w.Frames() != 3520 || w.Duration().Milliseconds() != 220 || got.Truncated {
		t.Errorf("read %d frames (writer says %d, %v), want 3520", got.Frames(), w.Frames(), w.Duration())
	}
}

func TestWAVWriterSeekerWithoutWriteAt(t *testing.T) {
	m := &memSeeker{}
	m.Write([]byte("prefix")) // the header starts at offset 6
	w, err := NewWAVWriter(m, Rate8k, 2)
	if err != nil {
		t.Fatal(err)
	}
	left, right := sine(160, Rate8k, 440, 5000), sine(160, Rate8k, 880, 5000)
	for range 3 {
		if err := w.WriteStereo(left, right); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	file := m.buf[6:]
	if riff, data := headerSizes(file); data != 3*160*4 || riff != data+36 {
		t.Fatalf("sizes %d/%d", riff, data)
	}
	got, err := ReadWAV(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	l, _ := got.Channel(nil, 0)
	r, _ := got.Channel(nil, 1)
	if !slices.Equal(l, slices.Concat(left, left, left)) || !slices.Equal(r, slices.Concat(right, right, right)) {
		t.Error("stereo channels did not round-trip")
	}
}

func TestWAVWriterStream(t *testing.T) {
	var buf bytes.Buffer // cannot seek: sizes stay unknown
	w, err := NewWAVWriter(&buf, Rate48k, 1)
	if err != nil {
		t.Fatal(err)
	}
	in := sine(4800, Rate48k, 1000, 7000)
	if err := w.Write(in); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if riff, data := headerSizes(buf.Bytes()); riff != 0xFFFFFFFF || data != 0xFFFFFFFF {
		t.Fatalf("streamed header sizes %#x/%#x", riff, data)
	}
	got, err := ReadWAV(&buf)
	if err != nil || !slices.Equal(got.Samples, in) {
		t.Fatalf("streamed file read back %d samples, err %v", len(got.Samples), err)
	}
}

func TestWAVWriterErrors(t *testing.T) {
	mono, err := NewWAVWriter(io.Discard, Rate16k, 1)
	if err != nil {
		t.Fatal(err)
	}
	stereo, err := NewWAVWriter(io.Discard, Rate16k, 2)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc string
		err  error
		want error
	}{
		{"frame at the wrong rate", mono.WriteFrame(Frame{Rate: Rate8k, Samples: make([]int16, 160)}), ErrBadFrame},
		{"frame to a stereo file", stereo.WriteFrame(Frame{Rate: Rate16k, Samples: make([]int16, 320)}), ErrBadFrame},
		{"stereo pair to a mono file", mono.WriteStereo(make([]int16, 2), make([]int16, 2)), ErrBadFrame},
		{"unequal stereo pair", stereo.WriteStereo(make([]int16, 2), make([]int16, 3)), ErrBadFrame},
		{"odd interleaved stereo", stereo.Write(make([]int16, 3)), ErrBadFrame},
		{"five channels", func() error { _, err := NewWAVWriter(io.Discard, Rate16k, 5); return err }(), ErrInvalidOption},
		{"rate 100 Hz", func() error { _, err := NewWAVWriter(io.Discard, 100, 1); return err }(), ErrUnsupportedRate},
		{"header write fails", func() error { _, err := NewWAVWriter(&failWriter{n: 10}, Rate16k, 1); return err }(), nil},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if tc.want == nil {
				if tc.err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if !errors.Is(tc.err, tc.want) {
				t.Fatalf("err = %v, want %v", tc.err, tc.want)
			}
		})
	}
	// A failed write sticks: later writes and Close report it.
	w, err := NewWAVWriter(&failWriter{n: 44 + 100}, Rate16k, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(make([]int16, 320)); err == nil {
		t.Fatal("write past the failure succeeded")
	}
	if err := w.Write(make([]int16, 2)); err == nil {
		t.Fatal("write after a failure succeeded")
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close after a failure succeeded")
	}
}

func TestWAVWriterZeroAllocs(t *testing.T) {
	w, err := NewWAVWriter(io.Discard, Rate16k, 2)
	if err != nil {
		t.Fatal(err)
	}
	f := sine(320, Rate16k, 440, 5000)
	inter := sine(640, Rate16k, 440, 5000)
	if n := testing.AllocsPerRun(100, func() { _ = w.WriteStereo(f, f) }); n != 0 {
		t.Errorf("WriteStereo: %v allocations per frame", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = w.Write(inter) }); n != 0 {
		t.Errorf("Write: %v allocations per frame", n)
	}
}

func BenchmarkWAVWriter(b *testing.B) {
	w, err := NewWAVWriter(io.Discard, Rate16k, 2)
	if err != nil {
		b.Fatal(err)
	}
	f := sine(320, Rate16k, 440, 5000)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteStereo(f, f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadWAV(b *testing.B) {
	raw, err := os.ReadFile("testdata/speech16k.wav")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ReadWAV(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}
