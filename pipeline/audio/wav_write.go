package audio

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

const (
	// wavHeaderSize is the size of the canonical PCM header WAVWriter and
	// WriteWAV emit (RIFF + fmt + data chunk headers).
	wavHeaderSize = 44
	// maxWAVData is the largest data chunk a RIFF file can describe.
	maxWAVData = 0xFFFFFFFF - (wavHeaderSize - 8)
	// wavWriteBlock bounds the scratch buffer of a WAVWriter.
	wavWriteBlock = 16 << 10
)

// wavHeader returns the 44-byte header of a 16-bit PCM file. A dataSize of
// wavSizeUnknown marks both sizes unknown, as streaming writers do.
func wavHeader(rate, channels int, dataSize uint32) [wavHeaderSize]byte {
	var h [wavHeaderSize]byte
	le := binary.LittleEndian
	riffSize := uint32(wavSizeUnknown)
	if dataSize != wavSizeUnknown {
		riffSize = dataSize + wavHeaderSize - 8
	}
	copy(h[0:], "RIFF")
	le.PutUint32(h[4:], riffSize)
	copy(h[8:], "WAVEfmt ")
	le.PutUint32(h[16:], 16)
	le.PutUint16(h[20:], wavFormatPCM)
	le.PutUint16(h[22:], uint16(channels))
	le.PutUint32(h[24:], uint32(rate))
	le.PutUint32(h[28:], uint32(rate*channels*2))
	le.PutUint16(h[32:], uint16(channels*2))
	le.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	le.PutUint32(h[40:], dataSize)
	return h
}

// checkWAVParams validates the rate and channel count of a file to write.
func checkWAVParams(rate, channels int) error {
	if rate < minResampleRate || rate > maxResampleRate {
		return fmt.Errorf("%w: %d Hz for a WAV file (want %d..%d Hz)", ErrUnsupportedRate, rate, minResampleRate, maxResampleRate)
	}
	if channels != 1 && channels != 2 {
		return fmt.Errorf("%w: %d channels for a WAV file (want 1 or 2)", ErrInvalidOption, channels)
	}
	return nil
}

// putSamples encodes samples as little-endian PCM16 into b, which must hold
// 2*len(samples) bytes.
func putSamples(b []byte, samples []int16) {
	b = b[:2*len(samples)]
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
}

// WriteWAV writes a complete 16-bit PCM WAV file holding samples
// (interleaved when channels is 2) at rate Hz to w.
func WriteWAV(w io.Writer, rate, channels int, samples []int16) error {
	if err := checkWAVParams(rate, channels); err != nil {
		return err
	}
	if len(samples)%channels != 0 {
		return fmt.Errorf("%w: %d samples do not split into %d channels", ErrBadFrame, len(samples), channels)
	}
	if int64(len(samples))*2 > maxWAVData {
		return fmt.Errorf("%w: %d samples do not fit a RIFF file (4 GiB); split the recording", ErrWAVTooLarge, len(samples))
	}
	h := wavHeader(rate, channels, uint32(2*len(samples)))
	if _, err := w.Write(h[:]); err != nil {
		return fmt.Errorf("wav: writing header: %w", err)
	}
	buf := make([]byte, 2*min(len(samples), wavWriteBlock/2))
	for len(samples) > 0 {
		n := min(len(samples), len(buf)/2)
		putSamples(buf, samples[:n])
		if _, err := w.Write(buf[:2*n]); err != nil {
			return fmt.Errorf("wav: writing samples: %w", err)
		}
		samples = samples[n:]
	}
	return nil
}

// WAVWriter writes a 16-bit PCM WAV file as audio arrives, for example a
// call recording. The header is written first with unknown sizes
// (0xFFFFFFFF, which ReadWAV and common tools read to the end of the file),
// and Flush and Close patch the real sizes when the destination can seek
// (an *os.File), so a file cut short by a crash stays readable.
//
// A WAVWriter is not safe for concurrent use. Writes are passed straight to
// the destination (wrap it in a bufio.Writer for many small writes to a
// slow one, and flush that before Close).
type WAVWriter struct {
	w        io.Writer
	seeker   io.Seeker   // nil when the sizes cannot be patched
	writerAt io.WriterAt // preferred for patching: does not move the offset
	origin   int64       // offset of the header in the destination
	rate     int
	channels int
	data     int64 // bytes of audio written
	buf      []byte
	err      error // sticky write error
	closed   bool
}

// NewWAVWriter writes the header of a 16-bit PCM file at rate Hz with 1
// (mono) or 2 (stereo, for example caller and bot on separate channels)
// channels to w and returns a writer for its audio. If w is an io.Seeker
// the header is patched at its current offset by Flush and Close.
func NewWAVWriter(w io.Writer, rate, channels int) (*WAVWriter, error) {
	if err := checkWAVParams(rate, channels); err != nil {
		return nil, err
	}
	ww := &WAVWriter{w: w, rate: rate, channels: channels, buf: make([]byte, 0, 2*SamplesFor(rate, FrameDuration)*channels)}
	if s, ok := w.(io.Seeker); ok {
		if off, err := s.Seek(0, io.SeekCurrent); err == nil {
			ww.seeker, ww.origin = s, off
			ww.writerAt, _ = w.(io.WriterAt)
		}
	}
	h := wavHeader(rate, channels, wavSizeUnknown)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("wav: writing header: %w", err)
	}
	return ww, nil
}

// Write appends samples (interleaved when the file is stereo) to the file.
// It does not allocate once a buffer the size of the largest write so far
// (capped at 16 KiB) exists.
func (w *WAVWriter) Write(samples []int16) error {
	if err := w.usable(); err != nil {
		return err
	}
	if len(samples)%w.channels != 0 {
		return fmt.Errorf("%w: %d samples do not split into %d channels", ErrBadFrame, len(samples), w.channels)
	}
	if w.data+2*int64(len(samples)) > maxWAVData {
		return fmt.Errorf("%w: the recording reached the 4 GiB RIFF limit; start a new file", ErrWAVTooLarge)
	}
	for len(samples) > 0 {
		n := min(len(samples), wavWriteBlock/2)
		if cap(w.buf) < 2*n {
			w.buf = make([]byte, 0, 2*n)
		}
		b := w.buf[:2*n]
		putSamples(b, samples[:n])
		if err := w.write(b); err != nil {
			return err
		}
		samples = samples[n:]
	}
	return nil
}

// WriteFrame appends a mono frame to a mono file; its rate must match.
func (w *WAVWriter) WriteFrame(f Frame) error {
	if w.channels != 1 {
		return fmt.Errorf("%w: mono frame written to a %d-channel file; use WriteStereo", ErrBadFrame, w.channels)
	}
	if f.Rate != w.rate {
		return fmt.Errorf("%w: frame at %d Hz written to a %d Hz file; resample it first", ErrBadFrame, f.Rate, w.rate)
	}
	return w.Write(f.Samples)
}

// WriteStereo appends left and right (equal lengths) to a stereo file,
// interleaving them. It does not allocate in steady state.
func (w *WAVWriter) WriteStereo(left, right []int16) error {
	if err := w.usable(); err != nil {
		return err
	}
	if w.channels != 2 {
		return fmt.Errorf("%w: stereo samples written to a mono file", ErrBadFrame)
	}
	if len(left) != len(right) {
		return fmt.Errorf("%w: left has %d samples, right %d", ErrBadFrame, len(left), len(right))
	}
	if w.data+4*int64(len(left)) > maxWAVData {
		return fmt.Errorf("%w: the recording reached the 4 GiB RIFF limit; start a new file", ErrWAVTooLarge)
	}
	for len(left) > 0 {
		n := min(len(left), wavWriteBlock/4)
		if cap(w.buf) < 4*n {
			w.buf = make([]byte, 0, 4*n)
		}
		b := w.buf[:4*n]
		for i := range n {
			binary.LittleEndian.PutUint16(b[4*i:], uint16(left[i]))
			binary.LittleEndian.PutUint16(b[4*i+2:], uint16(right[i]))
		}
		if err := w.write(b); err != nil {
			return err
		}
		left, right = left[n:], right[n:]
	}
	return nil
}

// Frames returns the number of sample frames written so far.
func (w *WAVWriter) Frames() int64 { return w.data / int64(2*w.channels) }

// Duration returns how much audio has been written.
func (w *WAVWriter) Duration() time.Duration {
	return time.Duration(w.Frames()) * time.Second / time.Duration(w.rate)
}

// Flush patches the header with the sizes written so far, so that the file
// is complete up to this point even if the process dies. It is a no-op when
// the destination cannot seek. Call it every few seconds on long recordings.
func (w *WAVWriter) Flush() error {
	if err := w.usable(); err != nil {
		return err
	}
	return w.patch()
}

// Close patches the header with the final sizes (when the destination can
// seek). It does not close the destination. Close is idempotent; writes
// after it fail with ErrClosed.
func (w *WAVWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	return w.patch()
}

// usable reports a closed writer or an earlier write error.
func (w *WAVWriter) usable() error {
	if w.closed {
		return fmt.Errorf("wav writer: %w", ErrClosed)
	}
	return w.err
}

// write sends b to the destination, keeping the first error.
func (w *WAVWriter) write(b []byte) error {
	n, err := w.w.Write(b)
	w.data += int64(n)
	if err != nil {
		w.err = fmt.Errorf("wav: writing samples: %w", err)
		return w.err
	}
	return nil
}

// patch rewrites the RIFF and data sizes in the header.
func (w *WAVWriter) patch() error {
	if w.seeker == nil {
		return nil
	}
	var sizes [4]byte
	put := func(off int64, v uint32) error {
		binary.LittleEndian.PutUint32(sizes[:], v)
		if w.writerAt != nil {
			_, err := w.writerAt.WriteAt(sizes[:], w.origin+off)
			return err
		}
		if _, err := w.seeker.Seek(w.origin+off, io.SeekStart); err != nil {
			return err
		}
		_, err := w.w.Write(sizes[:])
		return err
	}
	data := uint32(w.data)
	err := put(4, data+wavHeaderSize-8)
	if err == nil {
		err = put(40, data)
	}
	if err == nil && w.writerAt == nil {
		_, err = w.seeker.Seek(w.origin+wavHeaderSize+w.data, io.SeekStart)
	}
	if err != nil {
		w.err = fmt.Errorf("wav: patching header sizes: %w", err)
		return w.err
	}
	return nil
}
