package espeak

import (
	"context"
	"runtime/cgo"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
)

// recorder is a SpeechWriter that keeps copies of the chunks it receives.
// hook, when set, is called with the number of chunks received so far and
// its error is returned to the synthesizer.
type recorder struct {
	mu     sync.Mutex
	chunks []pipeline.SpeechChunk
	hook   func(n int) error
}

func (r *recorder) WriteSpeech(c pipeline.SpeechChunk) error {
	r.mu.Lock()
	c.Audio = c.Audio.Clone()
	r.chunks = append(r.chunks, c)
	n, hook := len(r.chunks), r.hook
	r.mu.Unlock()
	if hook != nil {
		return hook(n)
	}
	return nil
}

func (r *recorder) got() []pipeline.SpeechChunk {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.chunks)
}

// samples concatenates the chunks' audio.
func samples(chunks []pipeline.SpeechChunk) []int16 {
	var out []int16
	for _, c := range chunks {
		out = append(out, c.Audio.Samples...)
	}
	return out
}

// newSynth returns a Synthesizer closed at the end of the test.
func newSynth(t testing.TB, opts ...Option) *Synthesizer {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// speak synthesizes req and returns the chunks.
func speak(t testing.TB, s *Synthesizer, req pipeline.SpeechRequest) []pipeline.SpeechChunk {
	t.Helper()
	var r recorder
	if err := s.Synthesize(context.Background(), req, &r); err != nil {
		t.Fatalf("Synthesize(%q): %v", req.Text, err)
	}
	return r.got()
}

// checkChunks verifies the chunk contract for text: audio at rate, text
// ranges contiguous from 0 to the end of the text, never going backwards,
// word chunks holding a letter or digit, ranges on character boundaries,
// and no word cut between chunks.
func checkChunks(t *testing.T, text string, rate int, chunks []pipeline.SpeechChunk) {
	t.Helper()
	checkChunksCut(t, text, rate, chunks, false)
}

// checkChunksCut is checkChunks, allowing chunks to end between two
// letters when cuts is set (in scripts without spaces every character is a
// word).
func checkChunksCut(t *testing.T, text string, rate int, chunks []pipeline.SpeechChunk, cuts bool) {
	t.Helper()
	if len(chunks) == 0 {
		t.Fatalf("no chunks for %q", text)
	}
	prev, audioLen := 0, 0
	for i, c := range chunks {
		if c.Audio.Rate != rate {
			t.Fatalf("chunk %d at %d Hz, want %d", i, c.Audio.Rate, rate)
		}
		audioLen += len(c.Audio.Samples)
		if c.TextStart != prev || c.TextEnd < c.TextStart || c.TextEnd > len(text) {
			t.Fatalf("chunk %d range [%d, %d) after %d in %d bytes", i, c.TextStart, c.TextEnd, prev, len(text))
		}
		prev = c.TextEnd
		if c.TextEnd == c.TextStart {
			continue
		}
		if !hasWord(text[c.TextStart:c.TextEnd]) {
			t.Errorf("chunk %d %q speaks no word", i, text[c.TextStart:c.TextEnd])
		}
		if !utf8.RuneStart(text[c.TextStart]) || c.TextEnd < len(text) && !utf8.RuneStart(text[c.TextEnd]) {
			t.Errorf("chunk %d range [%d, %d) is not on character boundaries", i, c.TextStart, c.TextEnd)
		}
		if !cuts && cutsWord(text, c.TextEnd) {
			t.Errorf("chunk %d ends inside a word: %q|%q", i, text[c.TextStart:c.TextEnd], text[c.TextEnd:])
		}
	}
	if prev != len(text) {
		t.Errorf("chunks cover %q of %q", text[:prev], text)
	}
	if audioLen == 0 {
		t.Errorf("no audio for %q", text)
	}
}

func hasWord(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}

// cutsWord reports whether offset b falls between two letters or digits
// of a spaced script (a Han character is a word of its own).
func cutsWord(text string, b int) bool {
	if b <= 0 || b >= len(text) {
		return false
	}
	before, _ := utf8.DecodeLastRuneInString(text[:b])
	after, _ := utf8.DecodeRuneInString(text[b:])
	alnum := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }
	return alnum(before) && alnum(after) && !unspaced(before) && !unspaced(after)
}

// speechFraction runs the energy voice activity detector over 16 kHz
// audio (after half a second of silence, from which it learns the noise
// floor) and returns the fraction of 20 ms frames it scores as speech.
func speechFraction(t *testing.T, pcm []int16) float64 {
	t.Helper()
	det := vad.NewEnergy()
	defer det.Close()
	frame := audio.SamplesFor(audio.Rate16k, audio.FrameDuration)
	lead := make([]int16, audio.Rate16k/2)
	for i := 0; i+frame <= len(lead); i += frame {
		if _, err := det.Process(audio.Frame{Rate: audio.Rate16k, Samples: lead[i : i+frame]}); err != nil {
			t.Fatal(err)
		}
	}
	speech, frames := 0, 0
	for i := 0; i+frame <= len(pcm); i += frame {
		p, err := det.Process(audio.Frame{Rate: audio.Rate16k, Samples: pcm[i : i+frame]})
		if err != nil {
			t.Fatal(err)
		}
		frames++
		if p >= 0.5 {
			speech++
		}
	}
	if frames == 0 {
		return 0
	}
	return float64(speech) / float64(frames)
}

// duration returns how long the chunks last.
func duration(chunks []pipeline.SpeechChunk) time.Duration {
	var d time.Duration
	for _, c := range chunks {
		d += c.Audio.Duration()
	}
	return d
}

// words counts the white-space separated tokens of s holding a letter or
// a digit.
func words(s string) int {
	n := 0
	for _, f := range strings.Fields(s) {
		if hasWord(f) {
			n++
		}
	}
	return n
}

// newHandle returns a cgo handle for j, deleted at the end of the test.
func newHandle(t *testing.T, j *job) cgo.Handle {
	h := cgo.NewHandle(j)
	t.Cleanup(h.Delete)
	return h
}
