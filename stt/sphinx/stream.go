package sphinx

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// stream is one call's recognition stream. It implements
// pipeline.RecognitionStream and pipeline.VoiceWriter.
//
// The writer side (Write, WriteVoice, SetHints, Close) runs on the
// session's goroutine and never blocks or decodes: while the caller is
// silent a frame costs one copy into the pre-roll ring; during speech a
// copy into the queue. Decoding runs on a goroutine that exists only while
// utterances are queued or being decoded (see consumer), holding a decoder
// from the pool for the length of each utterance.
type stream struct {
	r    *Recognizer
	ctx  context.Context
	sink pipeline.TranscriptSink
	log  *slog.Logger
	rate int

	// Writer state, owned by the session's goroutine.
	res   *audio.Resampler // nil at 16 kHz
	rbuf  []int16
	pre   ring
	pos   int64 // 16 kHz samples written to the stream
	inUtt bool
	// uttQueued reports that the current utterance's start slot was
	// queued (the pre-roll may be empty, and so may the first frames).
	uttQueued bool
	uttStart  int64
	trail     int64 // trailing pad still to queue, -1 while speaking
	// quiet is the audio queued since the utterance's last voiced frame
	// (Voice.Prob >= quietProb); -1 before its first.
	quiet   int64
	lastEnd int64 // where the last utterance ended
	hints   *compiledHints
	plain   *plainSegmenter
	q       *queue // built at the first utterance

	// ch is the caller's channel (cepstral mean and band), used by the
	// decoding goroutine only (successive goroutines are ordered by the
	// queue's lock).
	ch channel

	wg        sync.WaitGroup
	startMu   sync.Mutex    // orders goroutine starts with abort
	giveUp    chan struct{} // closed by Close or abort
	closeOnce sync.Once
	closed    atomic.Bool
	aborted   atomic.Bool
	abortErr  atomic.Pointer[error]
	stopAfter func() bool
}

var (
	_ pipeline.RecognitionStream = (*stream)(nil)
	_ pipeline.VoiceWriter       = (*stream)(nil)
)

func newStream(ctx context.Context, r *Recognizer, cfg pipeline.RecognitionConfig, sink pipeline.TranscriptSink,
	hints *compiledHints) (*stream, error) {
	rate := cfg.Rate
	if rate == 0 {
		rate = audio.PipelineRate
	}
	s := &stream{r: r, ctx: ctx, sink: sink, rate: rate, hints: hints, trail: -1, ch: channel{band: initialBand(r.cfg.Band, rate)},
		log: r.log.With("call_id", cfg.CallID), giveUp: make(chan struct{})}
	if rate != 16000 {
		if !audio.SupportedRate(rate) {
			return nil, fmt.Errorf("%w: %d Hz (use 8000, 16000, 24000 or 48000)", ErrUnsupportedRate, rate)
		}
		res, err := audio.NewResampler(rate, 16000)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnsupportedRate, err)
		}
		s.res = res
		s.rbuf = make([]int16, 0, res.OutputLen(audio.SamplesFor(rate, pipeline.MaxFrameDuration)))
	}
	s.pre.buf = make([]int16, r.preRollSamples)
	s.stopAfter = context.AfterFunc(ctx, func() { s.abort(ctx.Err()) })
	return s, nil
}

// Write takes a frame without the session's voice activity: the stream
// finds speech itself with the energy detector and segmenter of package
// vad (see plainSegmenter), then proceeds as WriteVoice. Use it for audio
// from a file or a source with no voice activity detection.
func (s *stream) Write(f audio.Frame) error {
	samples, err := s.input(f)
	if err != nil {
		return err
	}
	if s.plain == nil {
		if s.plain, err = newPlainSegmenter(); err != nil {
			return err
		}
	}
	s.plain.write(samples, s.voice)
	return nil
}

// WriteVoice takes a frame with the session's voice activity for it. It
// does not block and, in steady state, does not allocate.
func (s *stream) WriteVoice(f audio.Frame, v pipeline.Voice) error {
	samples, err := s.input(f)
	if err != nil {
		return err
	}
	s.voice(samples, v)
	return nil
}

// input checks a frame and converts it to 16 kHz.
func (s *stream) input(f audio.Frame) ([]int16, error) {
	if s.closed.Load() || s.aborted.Load() {
		return nil, s.closedErr()
	}
	if f.Rate != s.rate {
		return nil, fmt.Errorf("%w: got %d Hz, the stream was opened at %d Hz", ErrBadFrame, f.Rate, s.rate)
	}
	if s.res == nil {
		return f.Samples, nil
	}
	if need := s.res.OutputLen(len(f.Samples)); need > cap(s.rbuf) {
		s.rbuf = make([]int16, 0, need)
	}
	s.rbuf = s.res.Process(s.rbuf[:0], f.Samples)
	return s.rbuf, nil
}

func (s *stream) closedErr() error {
	if p := s.abortErr.Load(); p != nil && *p != nil {
		return fmt.Errorf("%w: %w", ErrClosed, *p)
	}
	return fmt.Errorf("%w: stream closed", ErrClosed)
}

// quietProb is the speech probability under which a frame the session
// still reports as speech counts as quiet: the segmenter's hangover, which
// the utterance already holds when speech ends.
const quietProb = 0.5

// voice advances the stream by samples (16 kHz) with the session's voice
// activity: queue the pre-roll and the audio from speech onset; when
// speech ends, make sure the utterance holds max(v.Pad,
// Config.PostRoll) of audio after the last voiced frame (the quiet frames
// the session still called speech count), then end it.
func (s *stream) voice(samples []int16, v pipeline.Voice) {
	n := int64(len(samples))
	switch {
	case v.Speaking:
		if !s.inUtt {
			s.begin(s.pos, true)
		} else if s.pos-s.uttStart >= int64(s.r.maxUttSamples) {
			s.end(s.pos) // long speech: split into utterances
			s.begin(s.pos, false)
		}
		s.trail = -1
		switch {
		case v.Prob >= quietProb:
			s.quiet = 0
		case s.quiet >= 0: // only once a voiced frame shows the probabilities mean something
			s.quiet += n
		}
		s.enqueue(s.pos, samples)
	case s.inUtt:
		if s.trail < 0 {
			need := int64(max(audio.SamplesFor(16000, max(v.Pad, 0)), s.r.postRollSamples))
			s.trail = max(need-max(s.quiet, 0), 0)
		}
		k := min(n, s.trail)
		s.enqueue(s.pos, samples[:k])
		s.trail -= k
		if s.trail == 0 {
			s.end(s.pos + k)
		}
	}
	s.pre.write(samples)
	s.pos += n
}

// begin starts an utterance at stream position at, with the pre-roll
// before it (never before the previous utterance's end) when preRoll is set.
func (s *stream) begin(at int64, preRoll bool) {
	if s.q == nil {
		s.q = newQueue(s.r.backlogSamples)
	}
	s.inUtt, s.uttQueued, s.uttStart, s.quiet = true, false, at, -1
	if preRoll {
		from := max(s.lastEnd, at-int64(s.r.preRollSamples), s.pre.end-int64(s.pre.n))
		s.uttStart = min(from, at)
		s.pre.since(from, s.enqueue)
	}
}

// enqueue queues samples from stream position pos, in slots of at most
// maxSlotSamples; the utterance's first slot carries the start flag and
// the hints.
func (s *stream) enqueue(pos int64, samples []int16) {
	for len(samples) > 0 {
		k := min(len(samples), maxSlotSamples)
		sl := slot{pos: pos}
		if !s.uttQueued {
			sl.flags, sl.hints = slotStart, s.hints
		}
		s.push(sl, samples[:k])
		pos += int64(k)
		samples = samples[k:]
	}
}

// push queues a slot, starting the decoding goroutine when none runs
// (and the stream was not aborted: no goroutine starts after abort, so
// that waiting for the stream's goroutines after an abort is final).
func (s *stream) push(sl slot, samples []int16) {
	if sl.flags&slotStart != 0 {
		s.uttQueued = true
	}
	if !s.q.push(sl, samples) {
		return
	}
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if s.aborted.Load() {
		s.q.idle()
		return
	}
	s.wg.Add(1)
	go s.consume()
}

// end queues the end of the current utterance at stream position at.
func (s *stream) end(at int64) {
	if !s.uttQueued {
		s.push(slot{pos: at, flags: slotStart, hints: s.hints}, nil)
	}
	s.push(slot{pos: at, flags: slotEnd}, nil)
	s.inUtt, s.uttQueued, s.trail, s.lastEnd = false, false, -1, at
}

// SetHints replaces the hints for the caller's next utterance; an utterance
// already started keeps its hints. An invalid grammar is an error (wrapping
// ErrGrammar or ErrUnknownWord), and the next utterance is then decoded
// with open vocabulary and the valid phrases.
func (s *stream) SetHints(h pipeline.Hints) error {
	if s.closed.Load() || s.aborted.Load() {
		return s.closedErr()
	}
	c, err := s.r.compileHints(h)
	s.hints = c
	if err != nil {
		return fmt.Errorf("sphinx: hints: %w", err)
	}
	return nil
}

// Close ends the stream: an utterance in progress is finished with the
// audio written so far and its final result delivered (unless it is still
// waiting for a decoder, or ctx is done), then Close waits for the decoding
// goroutine and returns the decoder to the pool. It is idempotent.
func (s *stream) Close() error {
	if s.closed.Swap(true) {
		s.wg.Wait()
		return nil
	}
	if s.plain != nil {
		s.plain.flush(s.voice)
	}
	if s.inUtt && !s.aborted.Load() {
		s.end(s.pos)
	}
	s.closeOnce.Do(func() { close(s.giveUp) })
	s.wg.Wait()
	s.stopAfter()
	s.release()
	return nil
}

// abort stops the stream at once, delivering no more results: the stream's
// context ended (err is its error) or the recognizer closed. It runs on
// any goroutine and does not wait.
func (s *stream) abort(err error) {
	s.abortErr.CompareAndSwap(nil, &err)
	s.startMu.Lock()
	s.aborted.Store(true)
	s.startMu.Unlock()
	s.closeOnce.Do(func() { close(s.giveUp) })
}

// release unregisters the stream from its recognizer.
func (s *stream) release() { s.r.forget(s) }
