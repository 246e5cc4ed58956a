package pipelinetest

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Recognizer is a scripted pipeline.Recognizer. Each stream it opens hears
// the audio by its energy (tone or voice against silence) and recognises
// Utterances in order, one per stretch of speech: a partial result with the
// utterance's first word once PartialAfter of speech was heard, and the final
// result once FinalAfter of silence followed the speech. An empty utterance
// recognises nothing (noise). After the script, speech is recognised as
// nothing. Tests can also deliver results at will with
// RecognizerStream.Emit. It is safe for concurrent use.
type Recognizer struct {
	// Utterances are the texts recognised, in order.
	Utterances []string
	// PartialAfter is the speech heard before the partial result; 0 means
	// 100ms, negative means no partial results.
	PartialAfter time.Duration
	// FinalAfter is the silence after speech before the final result; 0
	// means 40ms.
	FinalAfter time.Duration
	// Threshold is the mean absolute amplitude of speech; 0 means 500.
	Threshold int
	// OpenErr, when set, is returned by Open.
	OpenErr error

	mu      sync.Mutex
	streams []*RecognizerStream
}

// Open starts a stream that delivers its results to sink.
func (r *Recognizer) Open(ctx context.Context, cfg pipeline.RecognitionConfig, sink pipeline.TranscriptSink) (pipeline.RecognitionStream, error) {
	if r.OpenErr != nil {
		return nil, r.OpenErr
	}
	st := &RecognizerStream{ctx: ctx, cfg: cfg, sink: sink, utterances: append([]string(nil), r.Utterances...),
		partialAfter: r.PartialAfter, finalAfter: r.FinalAfter, threshold: r.Threshold}
	if st.partialAfter == 0 {
		st.partialAfter = 100 * time.Millisecond
	}
	if st.finalAfter == 0 {
		st.finalAfter = 40 * time.Millisecond
	}
	if st.threshold <= 0 {
		st.threshold = 500
	}
	st.firstWords = make([]string, len(st.utterances))
	for i, u := range st.utterances {
		if f := strings.Fields(u); len(f) > 0 {
			st.firstWords[i] = f[0]
		}
	}
	r.mu.Lock()
	r.streams = append(r.streams, st)
	r.mu.Unlock()
	return st, nil
}

// Streams returns the streams opened so far, oldest first.
func (r *Recognizer) Streams() []*RecognizerStream {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*RecognizerStream(nil), r.streams...)
}

// Last returns the most recently opened stream, or nil.
func (r *Recognizer) Last() *RecognizerStream {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.streams) == 0 {
		return nil
	}
	return r.streams[len(r.streams)-1]
}

// RecognizerStream is a stream opened by Recognizer. Write does not allocate.
type RecognizerStream struct {
	ctx          context.Context
	cfg          pipeline.RecognitionConfig
	sink         pipeline.TranscriptSink
	utterances   []string
	firstWords   []string
	partialAfter time.Duration
	finalAfter   time.Duration
	threshold    int

	// Owned by the writing goroutine.
	next      int
	inSpeech  bool
	speech    time.Duration
	silence   time.Duration
	partialed bool

	frames  atomic.Int64
	closed  atomic.Bool
	failErr atomic.Pointer[error]
	mu      sync.Mutex
	hints   []pipeline.Hints
}

// Write hears one frame and may deliver a result.
func (s *RecognizerStream) Write(f audio.Frame) error {
	if p := s.failErr.Load(); p != nil {
		return *p
	}
	s.frames.Add(1)
	d := f.Duration()
	if meanAbs(f.Samples) >= s.threshold {
		if !s.inSpeech {
			s.inSpeech, s.speech, s.partialed = true, 0, false
		}
		s.speech += d
		s.silence = 0
		if !s.partialed && s.partialAfter > 0 && s.speech >= s.partialAfter && s.next < len(s.firstWords) {
			s.partialed = true
			if w := s.firstWords[s.next]; w != "" {
				s.sink.WriteTranscript(pipeline.Transcript{Text: w, Confidence: 0.5})
			}
		}
		return nil
	}
	if !s.inSpeech {
		return nil
	}
	s.silence += d
	if s.silence >= s.finalAfter {
		s.inSpeech = false
		if s.next < len(s.utterances) {
			if u := s.utterances[s.next]; u != "" {
				s.sink.WriteTranscript(pipeline.Transcript{Text: u, Final: true, Confidence: 0.9})
			}
			s.next++
		}
	}
	return nil
}

// Emit delivers t to the session now, from the calling goroutine.
func (s *RecognizerStream) Emit(t pipeline.Transcript) { s.sink.WriteTranscript(t) }

// Fail makes every later Write return err.
func (s *RecognizerStream) Fail(err error) { s.failErr.Store(&err) }

// SetHints records h.
func (s *RecognizerStream) SetHints(h pipeline.Hints) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hints = append(s.hints, h)
	return nil
}

// Hints returns the hints set so far, oldest first; the stream's initial
// hints are in Config.
func (s *RecognizerStream) Hints() []pipeline.Hints {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]pipeline.Hints(nil), s.hints...)
}

// Config returns the configuration the stream was opened with.
func (s *RecognizerStream) Config() pipeline.RecognitionConfig { return s.cfg }

// Close marks the stream closed.
func (s *RecognizerStream) Close() error { s.closed.Store(true); return nil }

// Closed reports whether Close was called.
func (s *RecognizerStream) Closed() bool { return s.closed.Load() }

// Frames returns how many frames were written.
func (s *RecognizerStream) Frames() int { return int(s.frames.Load()) }
