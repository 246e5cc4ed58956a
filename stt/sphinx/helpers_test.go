package sphinx

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// The tests share one recognizer for decoding (each decoder takes about
// 0.5 s and 90 MB to load); tests that count decoders or drive the pool
// open their own.
var (
	sharedOnce sync.Once
	sharedRec  *Recognizer
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedRec != nil {
		if err := sharedRec.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the shared recognizer:", err)
			code = 1
		}
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "leaked goroutines:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// modelOrSkip skips the test when the model is not installed.
func modelOrSkip(t testing.TB) {
	t.Helper()
	if _, err := findModel(resolveModelDir("", os.LookupEnv)); err != nil {
		t.Skipf("pocketsphinx model not installed (run make deps): %v", err)
	}
}

// shared returns the shared recognizer.
func shared(t testing.TB) *Recognizer {
	t.Helper()
	modelOrSkip(t)
	sharedOnce.Do(func() { sharedRec, sharedErr = New(WithMaxDecoders(2), WithPreloadDecoders(1)) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedRec
}

// newRecognizer returns a recognizer of its own, closed at the end of the
// test.
func newRecognizer(t testing.TB, opts ...Option) *Recognizer {
	t.Helper()
	modelOrSkip(t)
	r, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// clip is a test recording and what it says.
type clip struct {
	name string
	text string
	pcm  []int16 // 16 kHz
}

// loadClip reads testdata/name and its transcript from
// testdata/transcripts.tsv.
func loadClip(t testing.TB, name string) clip {
	t.Helper()
	w, err := audio.ReadWAVFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if w.Rate != 16000 {
		t.Fatalf("%s: %d Hz, want 16000", name, w.Rate)
	}
	return clip{name: name, text: transcripts(t)[name], pcm: w.Mono(nil)}
}

func transcripts(t testing.TB) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "transcripts.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := make(map[string]string)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, text, ok := strings.Cut(sc.Text(), "\t"); ok {
			out[name] = text
		}
	}
	return out
}

// silence returns d of a quiet line at 16 kHz: deterministic white noise
// of about -60 dBFS, like a phone line between words.
func silence(d time.Duration) []int16 {
	s := make([]int16, audio.SamplesFor(16000, d))
	x := uint32(12345)
	for i := range s {
		x = x*1664525 + 1013904223
		s[i] = int16(int(x>>16)%61 - 30)
	}
	return s
}

// concat joins pieces of audio.
func concat(pieces ...[]int16) []int16 {
	var out []int16
	for _, p := range pieces {
		out = append(out, p...)
	}
	return out
}

// wordErrors is the word-level edit distance between ref and hyp.
func wordErrors(ref, hyp []string) int {
	d := make([]int, len(hyp)+1)
	for j := range d {
		d[j] = j
	}
	for i := 1; i <= len(ref); i++ {
		prev := d[0]
		d[0] = i
		for j := 1; j <= len(hyp); j++ {
			cur := d[j]
			c := 1
			if ref[i-1] == hyp[j-1] {
				c = 0
			}
			d[j] = min(d[j]+1, d[j-1]+1, prev+c)
			prev = cur
		}
	}
	return d[len(hyp)]
}

// collector is a TranscriptSink that records results.
type collector struct {
	mu  sync.Mutex
	all []pipeline.Transcript
}

func (c *collector) WriteTranscript(t pipeline.Transcript) {
	c.mu.Lock()
	c.all = append(c.all, t)
	c.mu.Unlock()
}

func (c *collector) results() []pipeline.Transcript {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]pipeline.Transcript(nil), c.all...)
}

func (c *collector) finals() []pipeline.Transcript {
	var out []pipeline.Transcript
	for _, t := range c.results() {
		if t.Final {
			out = append(out, t)
		}
	}
	return out
}

// waitFinals waits until n finals arrived.
func (c *collector) waitFinals(t testing.TB, n int) []pipeline.Transcript {
	t.Helper()
	pipelinetest.Eventually(t, func() bool { return len(c.finals()) >= n }, "%d final results", n)
	return c.finals()
}

// speechSpan returns where a clip's speech lies, from its energy: the first
// and last 10 ms frame louder than a fixed threshold.
func speechSpan(pcm []int16) (start, end int) {
	start, end = -1, 0
	for i := 0; i+samplesPerFrame <= len(pcm); i += samplesPerFrame {
		var e int64
		for _, s := range pcm[i : i+samplesPerFrame] {
			e += int64(s) * int64(s)
		}
		if e/samplesPerFrame > 300*300 {
			if start < 0 {
				start = i
			}
			end = i + samplesPerFrame
		}
	}
	return max(start, 0), end
}

// feedVoice writes pcm to a stream in 20 ms frames with a speaking state
// true inside [from, to) samples, as a session's segmenter would report it
// (late by confirm at the start, late by hangover at the end).
func feedVoice(t testing.TB, st pipeline.VoiceWriter, pcm []int16, from, to int, pad time.Duration) {
	t.Helper()
	n := audio.SamplesFor(16000, audio.FrameDuration)
	confirm := audio.SamplesFor(16000, 100*time.Millisecond)
	hangover := audio.SamplesFor(16000, 300*time.Millisecond)
	for i := 0; i < len(pcm); i += n {
		j := min(i+n, len(pcm))
		speaking := i >= from+confirm && i < to+hangover
		if err := st.WriteVoice(audio.Frame{Rate: 16000, Samples: pcm[i:j]}, pipeline.Voice{Prob: 0.9, Speaking: speaking, Pad: pad}); err != nil {
			t.Fatal(err)
		}
	}
}

// openStream opens a stream on r with a collector, closed at the end of the
// test.
func openStream(t testing.TB, r *Recognizer, ctx context.Context, cfg pipeline.RecognitionConfig) (*stream, *collector) {
	t.Helper()
	c := &collector{}
	st, err := r.Open(ctx, cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st.(*stream), c
}
