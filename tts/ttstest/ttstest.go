// Package ttstest has a fake of the tts contract for tests: a scripted
// synthesizer that speaks each word as a short tone, one chunk per word, and
// can fail, stall or hold its answer on cue.
package ttstest

import (
	"context"
	"math"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/tts"
)

// Synthesizer is a scripted tts.Synthesizer. It speaks every word of a
// request as WordAudio of a tone (its pitch set by Pitch, so tests can tell
// providers apart), one chunk per word with the word's byte range. It is
// safe for concurrent use.
type Synthesizer struct {
	// WordAudio is the audio per word; 0 means 100ms.
	WordAudio time.Duration
	// Pitch is the tone's frequency in Hz; 0 means 440.
	Pitch float64
	// Err, when set, is returned after FailAfter words were spoken.
	Err error
	// FailAfter is the number of words spoken before Err is returned.
	FailAfter int
	// Stall, when set, makes the synthesizer go quiet after StallAfter
	// words until a value is received on Stall or its context ends.
	Stall chan struct{}
	// StallAfter is the number of words spoken before stalling.
	StallAfter int
	// VoiceList is what Voices returns.
	VoiceList []tts.Voice

	mu       sync.Mutex
	requests []tts.Request
	cut      int
}

// Synthesize speaks req.Text word by word.
func (s *Synthesizer) Synthesize(ctx context.Context, req tts.Request, w tts.Writer) error {
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	tone := s.tone(req.Rate)
	words := 0
	for start, end := range wordSpans(req.Text) {
		if s.Err != nil && words == s.FailAfter {
			return s.Err
		}
		if s.Stall != nil && words == s.StallAfter {
			select {
			case <-s.Stall:
			case <-ctx.Done():
				s.cancelled()
				return ctx.Err()
			}
		}
		if err := w.WriteSpeech(tts.Chunk{Audio: audio.Frame{Rate: req.Rate, Samples: tone}, TextStart: start, TextEnd: end}); err != nil {
			if ctx.Err() != nil {
				s.cancelled()
				return ctx.Err()
			}
			return err
		}
		words++
	}
	if s.Err != nil && words == s.FailAfter {
		return s.Err
	}
	return nil
}

func (s *Synthesizer) cancelled() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cut++
}

func (s *Synthesizer) tone(rate int) []int16 {
	d, pitch := s.WordAudio, s.Pitch
	if d <= 0 {
		d = 100 * time.Millisecond
	}
	if pitch <= 0 {
		pitch = 440
	}
	t := make([]int16, audio.SamplesFor(rate, d))
	for i := range t {
		t[i] = int16(8000 * math.Sin(2*math.Pi*pitch*float64(i)/float64(rate)))
	}
	return t
}

// Requests returns the requests received, oldest first.
func (s *Synthesizer) Requests() []tts.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tts.Request(nil), s.requests...)
}

// Cancelled returns how many calls ended by their context.
func (s *Synthesizer) Cancelled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cut
}

// Voices returns VoiceList.
func (s *Synthesizer) Voices() []tts.Voice { return s.VoiceList }

// wordSpans yields the byte range of each whitespace-separated word.
func wordSpans(text string) func(yield func(int, int) bool) {
	return func(yield func(int, int) bool) {
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
			if !yield(start, i) {
				return
			}
		}
	}
}
