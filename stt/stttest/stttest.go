// Package stttest has fakes of the stt contract for tests: a scripted
// streaming Recognizer that follows the session's voice activity and honours
// grammars, and a scripted Transcriber.
package stttest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/stt"
)

// Result is one scripted recognition result.
type Result struct {
	// Text is the recognised text; empty means no words.
	Text string
	// Confidence is reported as is; 0 means 0.9.
	Confidence float32
	// Alternatives are the n-best list after Text.
	Alternatives []stt.Alternative
	// Err, for a Transcriber, is returned instead of a transcript.
	Err error
	// Wait, when set, holds the Transcriber's answer until a value is
	// received or the call's context ends.
	Wait chan struct{}
}

// Recognizer is a scripted stt.Recognizer. Its streams implement
// stt.VoiceWriter: each stretch of speech (Voice.Speaking) is recognised as
// the next Result of the script, with a partial result holding its first
// word when speech starts and the final when speech ends. A result whose
// text matches the grammar of the stream's hints is marked Grammar; one
// that does not match is still delivered (as an engine that rejects out of
// grammar speech would). Words get evenly spread timings over the speech.
// After the script, speech is recognised as no words. It is safe for
// concurrent use.
type Recognizer struct {
	// Script is the results, in order, shared by all streams opened.
	Script []Result
	// OpenErr, when set, is returned by Open.
	OpenErr error

	mu      sync.Mutex
	next    int
	streams []*Stream
}

// Open starts a stream.
func (r *Recognizer) Open(ctx context.Context, cfg stt.Config, sink stt.Sink) (stt.Stream, error) {
	if r.OpenErr != nil {
		return nil, r.OpenErr
	}
	s := &Stream{r: r, cfg: cfg, sink: sink, hints: []stt.Hints{cfg.Hints}}
	r.mu.Lock()
	r.streams = append(r.streams, s)
	r.mu.Unlock()
	return s, nil
}

// Streams returns the streams opened, oldest first.
func (r *Recognizer) Streams() []*Stream {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Stream(nil), r.streams...)
}

func (r *Recognizer) take() Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next >= len(r.Script) {
		return Result{}
	}
	r.next++
	return r.Script[r.next-1]
}

// Stream is a stream of Recognizer.
type Stream struct {
	r    *Recognizer
	cfg  stt.Config
	sink stt.Sink

	mu       sync.Mutex
	hints    []stt.Hints
	pos      time.Duration
	speaking bool
	start    time.Duration
	cur      Result
	frames   int
	closed   bool
	failErr  error
}

// Write treats every frame as silence: the fake needs voice activity.
func (s *Stream) Write(f audio.Frame) error { return s.WriteVoice(f, stt.Voice{}) }

// WriteVoice follows the session's voice activity.
func (s *Stream) WriteVoice(f audio.Frame, v stt.Voice) error {
	s.mu.Lock()
	if s.failErr != nil {
		defer s.mu.Unlock()
		return s.failErr
	}
	if s.closed {
		s.mu.Unlock()
		return stt.ErrClosed
	}
	s.frames++
	s.pos += f.Duration()
	var out []stt.Transcript
	switch {
	case v.Speaking && !s.speaking:
		s.speaking, s.start, s.cur = true, s.pos-f.Duration(), s.r.take()
		if w := strings.Fields(s.cur.Text); len(w) > 0 {
			out = append(out, stt.Transcript{Text: w[0], Confidence: 0.5, Start: s.start})
		}
	case !v.Speaking && s.speaking:
		s.speaking = false
		out = append(out, s.final())
	}
	s.mu.Unlock()
	for _, t := range out {
		s.sink.WriteTranscript(t)
	}
	return nil
}

func (s *Stream) final() stt.Transcript {
	res, h := s.cur, s.hints[len(s.hints)-1]
	t := stt.Transcript{Text: res.Text, Final: true, Confidence: res.Confidence, Start: s.start, End: s.pos,
		Alternatives: res.Alternatives, Language: s.cfg.Language}
	if t.Confidence == 0 && t.Text != "" {
		t.Confidence = 0.9
	}
	if h.Grammar != "" && t.Text != "" {
		if g, err := stt.ParseGrammar(h.Grammar); err == nil {
			t.Grammar = g.Match(t.Text)
		}
	}
	words := strings.Fields(t.Text)
	for i, w := range words {
		span := (t.End - t.Start) / time.Duration(len(words))
		t.Words = append(t.Words, stt.Word{Text: w, Start: t.Start + time.Duration(i)*span,
			End: t.Start + time.Duration(i+1)*span, Confidence: t.Confidence})
	}
	return t
}

// SetHints records h; it fails for an invalid grammar, as engines do.
func (s *Stream) SetHints(h stt.Hints) error {
	if h.Grammar != "" {
		if _, err := stt.ParseGrammar(h.Grammar); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hints = append(s.hints, h)
	return nil
}

// Hints returns the stream's hints, the opening ones first.
func (s *Stream) Hints() []stt.Hints {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]stt.Hints(nil), s.hints...)
}

// Emit delivers t now from the calling goroutine.
func (s *Stream) Emit(t stt.Transcript) { s.sink.WriteTranscript(t) }

// Fail makes later writes return err.
func (s *Stream) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failErr = err
}

// Frames returns how many frames were written.
func (s *Stream) Frames() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frames
}

// Close closes the stream.
func (s *Stream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// Closed reports whether Close was called.
func (s *Stream) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// ErrScriptDone is returned by a Transcriber asked for more results than
// its script has.
var ErrScriptDone = errors.New("stttest: transcriber script exhausted")

// Transcriber is a scripted stt.Transcriber: each call returns the next
// Result (after its Wait, if any). It records the utterances it received.
// It is safe for concurrent use.
type Transcriber struct {
	// Script is the results, in order.
	Script []Result

	mu    sync.Mutex
	next  int
	calls []stt.Utterance
}

// Transcribe returns the next scripted result.
func (t *Transcriber) Transcribe(ctx context.Context, u stt.Utterance) (stt.Transcript, error) {
	t.mu.Lock()
	u.Audio.Samples = append([]int16(nil), u.Audio.Samples...)
	t.calls = append(t.calls, u)
	var res Result
	var ok bool
	if t.next < len(t.Script) {
		res, ok = t.Script[t.next], true
		t.next++
	}
	t.mu.Unlock()
	if !ok {
		return stt.Transcript{}, ErrScriptDone
	}
	if res.Wait != nil {
		select {
		case <-res.Wait:
		case <-ctx.Done():
			return stt.Transcript{}, ctx.Err()
		}
	}
	if res.Err != nil {
		return stt.Transcript{}, res.Err
	}
	conf := res.Confidence
	if conf == 0 && res.Text != "" {
		conf = 0.9
	}
	return stt.Transcript{Text: res.Text, Final: true, Confidence: conf, Alternatives: res.Alternatives}, nil
}

// Calls returns the utterances received, oldest first (with copies of
// their audio).
func (t *Transcriber) Calls() []stt.Utterance {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]stt.Utterance(nil), t.calls...)
}
