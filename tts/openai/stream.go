package openai

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

const (
	// minRead and maxRead bound the source audio handled per chunk: a
	// read returns once 20 ms have arrived and takes up to 40 ms, so the
	// first chunk goes out as soon as 20 ms exist.
	minRead = 20 * time.Millisecond
	maxRead = 40 * time.Millisecond
	// holdBack is the audio kept from each chunk for the next one, so
	// that the last chunk, which closes the text range, always has audio.
	holdBack = 5 * time.Millisecond
)

// streamer turns one answer's raw PCM16 into SpeechChunks at the request's
// rate. Its loop does not allocate: the buffers are sized for the largest
// read when it is made.
type streamer struct {
	w        pipeline.SpeechWriter
	src      io.Reader
	rate     int // output rate
	rs       *audio.Resampler
	est      *estimator
	watchdog *time.Timer // cancels the attempt when a read stalls
	timeout  time.Duration
	raw      []byte  // read buffer; raw[0] holds an odd byte left from the last read
	carry    int     // 0 or 1: the odd byte in raw[0]
	minBytes int     // bytes a read waits for
	pcm      []int16 // decoded source samples
	out      []int16 // output samples, starting with the held-back tail
	held     int     // samples at the start of out held back from the last chunk
	hold     int     // samples to hold back
	played   int64   // output samples written
	read     int64   // source samples read
	wrote    bool    // a chunk reached the writer
}

// newStreamer prepares to stream src, PCM16 at srcRate, to w at rate.
func newStreamer(src io.Reader, srcRate int, rs *audio.Resampler, est *estimator, w pipeline.SpeechWriter, rate int) *streamer {
	maxSamples := audio.SamplesFor(srcRate, maxRead)
	hold := max(1, audio.SamplesFor(rate, holdBack))
	outCap := hold + maxSamples*rate/srcRate + 2*int(rs.DelaySamples()) + 64
	return &streamer{
		w: w, src: src, rate: rate, rs: rs, est: est,
		raw:      make([]byte, 2*maxSamples+1),
		minBytes: 2 * audio.SamplesFor(srcRate, minRead),
		pcm:      make([]int16, 0, maxSamples+1),
		out:      make([]int16, 0, outCap),
		hold:     hold,
	}
}

// run streams the answer to the writer until its end. It returns a
// writer's error as werr (to be returned as is) and a read error as err.
func (s *streamer) run() (werr, err error) {
	for {
		done, werr, err := s.step()
		if done || werr != nil || err != nil {
			return werr, err
		}
	}
}

// step reads and writes one chunk; done reports the end of the answer,
// after its last chunk was written.
func (s *streamer) step() (done bool, werr, err error) {
	if s.watchdog != nil {
		s.watchdog.Reset(s.timeout)
	}
	n, rerr := readAtLeast(s.src, s.raw[s.carry:], s.minBytes-s.carry)
	if s.watchdog != nil {
		s.watchdog.Stop()
	}
	s.decode(s.carry + n)
	s.out = s.rs.Process(s.out[:s.held], s.pcm)
	switch {
	case rerr == io.EOF:
		werr, err = s.finish()
		return true, werr, err
	case rerr != nil:
		return false, nil, rerr
	}
	return false, s.emit(), nil
}

// decode turns the first n bytes of raw into samples, keeping an odd last
// byte in raw[0] for the next read.
func (s *streamer) decode(n int) {
	even := n &^ 1
	s.pcm = s.pcm[:even/2]
	s.read += int64(len(s.pcm))
	for i := range s.pcm {
		s.pcm[i] = int16(binary.LittleEndian.Uint16(s.raw[2*i:]))
	}
	s.carry = n - even
	if s.carry == 1 {
		s.raw[0] = s.raw[even]
	}
}

// emit writes all but the held-back tail of out as one chunk.
func (s *streamer) emit() error {
	n := len(s.out) - s.hold
	if n <= 0 {
		s.held = len(s.out)
		return nil
	}
	s.played += int64(n)
	start, end := s.est.advance(s.played)
	err := s.w.WriteSpeech(pipeline.SpeechChunk{Audio: audio.Frame{Rate: s.rate, Samples: s.out[:n]}, TextStart: start, TextEnd: end})
	s.wrote = true
	s.held = copy(s.out, s.out[n:])
	return err
}

// finish writes the last chunk: the held-back tail and the resampler's
// delayed output, closing the text range. An answer without any audio is
// an ErrResponse. An odd byte left at the end is dropped.
func (s *streamer) finish() (werr, err error) {
	if s.read == 0 {
		return nil, fmt.Errorf("%w: the audio stream is empty", ErrResponse)
	}
	s.out = s.rs.Flush(s.out)
	if len(s.out) == 0 {
		return nil, nil // everything was written; cannot happen while hold > 0
	}
	s.played += int64(len(s.out))
	start, end := s.est.final()
	s.wrote = true
	return s.w.WriteSpeech(pipeline.SpeechChunk{Audio: audio.Frame{Rate: s.rate, Samples: s.out}, TextStart: start, TextEnd: end}), nil
}

// readAtLeast reads into buf until it holds at least min bytes or r fails;
// err is io.EOF at a clean end of r.
func readAtLeast(r io.Reader, buf []byte, min int) (n int, err error) {
	for n < min && err == nil {
		var k int
		k, err = r.Read(buf[n:])
		n += k
	}
	return n, err
}

// resamplers keeps resamplers for reuse by rate pair, since designing a
// filter for an unusual ratio (22050 to 16000 Hz) takes milliseconds. The
// pools are bounded by the garbage collector; the map by the rate pairs in
// use.
type resamplers struct {
	mu    sync.Mutex
	pools map[[2]int]*sync.Pool
}

// get returns a resampler from one rate to another.
func (p *resamplers) get(from, to int) (*audio.Resampler, error) {
	p.mu.Lock()
	if p.pools == nil {
		p.pools = make(map[[2]int]*sync.Pool)
	}
	pool := p.pools[[2]int{from, to}]
	if pool == nil {
		pool = &sync.Pool{}
		p.pools[[2]int{from, to}] = pool
	}
	p.mu.Unlock()
	if rs, ok := pool.Get().(*audio.Resampler); ok {
		return rs, nil
	}
	return audio.NewResampler(from, to)
}

// put resets rs and keeps it for reuse.
func (p *resamplers) put(rs *audio.Resampler) {
	rs.Reset()
	p.mu.Lock()
	pool := p.pools[[2]int{rs.InRate(), rs.OutRate()}]
	p.mu.Unlock()
	if pool != nil {
		pool.Put(rs)
	}
}
