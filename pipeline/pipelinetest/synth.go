package pipelinetest

import (
	"context"
	"math"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Synthesizer is an instant pipeline.Synthesizer: it speaks every word as
// FramesPerWord 20 ms frames of a 440 Hz tone, one chunk per word tagged
// with the word's offsets. Chunks share one precomputed tone per rate, so
// synthesis does not allocate per chunk. With Gate set, each Synthesize
// first waits for a value on Gate (or for its context to end). It records the
// texts it was asked to speak and the context errors of calls cut short. It
// is safe for concurrent use.
type Synthesizer struct {
	// FramesPerWord is the audio per word; 0 means 5 (100 ms).
	FramesPerWord int
	// Amplitude is the tone's peak; 0 means 8000.
	Amplitude int16
	// Gate, when set, holds each Synthesize until a value is received.
	Gate chan struct{}
	// Err, when set, is returned by Synthesize instead of speaking.
	Err error

	mu      sync.Mutex
	tones   map[int][]int16
	texts   []string
	ctxErrs []error
}

// WordDuration returns the audio per word.
func (s *Synthesizer) WordDuration() time.Duration {
	return time.Duration(s.framesPerWord()) * audio.FrameDuration
}

func (s *Synthesizer) framesPerWord() int {
	if s.FramesPerWord <= 0 {
		return 5
	}
	return s.FramesPerWord
}

// Synthesize writes one tone chunk per word of req.Text.
func (s *Synthesizer) Synthesize(ctx context.Context, req pipeline.SpeechRequest, w pipeline.SpeechWriter) error {
	tone := s.begin(req)
	if s.Gate != nil {
		select {
		case <-s.Gate:
		case <-ctx.Done():
			return s.cut(ctx)
		}
	}
	if s.Err != nil {
		return s.Err
	}
	text := req.Text
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		start := i
		for i < len(text) {
			r, n = utf8.DecodeRuneInString(text[i:])
			if unicode.IsSpace(r) {
				break
			}
			i += n
		}
		c := pipeline.SpeechChunk{Audio: audio.Frame{Rate: req.Rate, Samples: tone}, TextStart: start, TextEnd: i}
		if err := w.WriteSpeech(c); err != nil {
			if ctx.Err() != nil {
				return s.cut(ctx)
			}
			return err
		}
	}
	return nil
}

// begin records the request and returns the tone of one word at its rate.
func (s *Synthesizer) begin(req pipeline.SpeechRequest) []int16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.texts = append(s.texts, req.Text)
	if t, ok := s.tones[req.Rate]; ok {
		return t
	}
	if s.tones == nil {
		s.tones = make(map[int][]int16)
	}
	amp := float64(s.Amplitude)
	if amp == 0 {
		amp = 8000
	}
	t := make([]int16, audio.SamplesFor(req.Rate, s.WordDuration()))
	for i := range t {
		t[i] = int16(amp * math.Sin(2*math.Pi*440*float64(i)/float64(req.Rate)))
	}
	s.tones[req.Rate] = t
	return t
}

func (s *Synthesizer) cut(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctxErrs = append(s.ctxErrs, ctx.Err())
	return ctx.Err()
}

// Texts returns the texts synthesized, oldest first.
func (s *Synthesizer) Texts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.texts...)
}

// Cancelled returns the context errors of the calls cut short by their
// context, oldest first.
func (s *Synthesizer) Cancelled() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.ctxErrs...)
}
