package stt_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/stt"
	"github.com/parley-voice/parley/stt/stttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const rate = 16000

// collector is a sink that records results.
type collector struct {
	mu  sync.Mutex
	got []stt.Transcript
}

func (c *collector) WriteTranscript(t stt.Transcript) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, t)
}

func (c *collector) finals() []stt.Transcript {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []stt.Transcript
	for _, t := range c.got {
		if t.Final {
			out = append(out, t)
		}
	}
	return out
}

// frame returns one 20 ms frame: a tone when loud, else silence.
func frame(loud bool, n int) audio.Frame {
	s := make([]int16, 320)
	if loud {
		for i := range s {
			s[i] = int16(6000 * math.Sin(2*math.Pi*300*float64(n*320+i)/rate))
		}
	}
	return audio.Frame{Rate: rate, Samples: s}
}

// speak writes silence, then speech, then silence to w with matching voice
// activity, and returns the frame count.
func speak(t *testing.T, w stt.VoiceWriter, n0, silenceBefore, speech, silenceAfter int) int {
	t.Helper()
	n := n0
	write := func(count int, speaking bool) {
		for range count {
			if err := w.WriteVoice(frame(speaking, n), stt.Voice{Speaking: speaking, Prob: map[bool]float32{true: 1}[speaking]}); err != nil {
				t.Fatalf("WriteVoice: %v", err)
			}
			n++
		}
	}
	write(silenceBefore, false)
	write(speech, true)
	write(silenceAfter, false)
	return n
}

func TestUtteranceRecognizer(t *testing.T) {
	tr := &stttest.Transcriber{Script: []stttest.Result{{Text: "Yes."}, {Text: "where is my order"}}}
	r, err := stt.NewUtteranceRecognizer(tr, stt.WithPreRoll(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	st, err := r.Open(context.Background(), stt.Config{CallID: "c1", Rate: rate, Language: "en",
		Hints: stt.Hints{Grammar: stt.YesNoGrammar()}}, &c)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := st.(stt.VoiceWriter)
	n := speak(t, w, 0, 50, 40, 1) // 1 s silence, 800 ms speech
	pipelinetest.Eventually(t, func() bool { return len(c.finals()) == 1 }, "first final")
	if err := st.SetHints(stt.Hints{Phrases: []string{"order"}}); err != nil {
		t.Fatal(err)
	}
	speak(t, w, n, 10, 25, 1)
	pipelinetest.Eventually(t, func() bool { return len(c.finals()) == 2 }, "second final")

	f := c.finals()
	if f[0].Text != "Yes." || !f[0].Grammar {
		t.Errorf("first final = %+v, want grammar match of Yes.", f[0])
	}
	// Speech started at frame 50 (1 s); the pre-roll adds 200 ms before.
	if f[0].Start != 800*time.Millisecond || f[0].End != 1820*time.Millisecond {
		t.Errorf("first utterance spans %v-%v, want 800ms-1.82s", f[0].Start, f[0].End)
	}
	if f[1].Text != "where is my order" || f[1].Grammar {
		t.Errorf("second final = %+v", f[1])
	}
	calls := tr.Calls()
	if len(calls) != 2 {
		t.Fatalf("transcriber got %d utterances", len(calls))
	}
	if got := len(calls[0].Audio.Samples); got != (10+40+1)*320 {
		t.Errorf("first utterance has %d samples, want pre-roll + speech + end frame = %d", got, 51*320)
	}
	if calls[0].CallID != "c1" || calls[0].Language != "en" || len(calls[0].Hints.Phrases) == 0 {
		t.Errorf("first utterance = %+v: want call id, language and grammar phrases", calls[0].Hints)
	}
	if len(calls[1].Hints.Phrases) != 1 || calls[1].Hints.Grammar != "" {
		t.Errorf("second utterance hints = %+v, want the new hints", calls[1].Hints)
	}
}

func TestUtteranceRecognizerErrors(t *testing.T) {
	boom := errors.New("server down")
	tr := &stttest.Transcriber{Script: []stttest.Result{{Err: boom}}}
	r, _ := stt.NewUtteranceRecognizer(tr)
	var c collector
	st, err := r.Open(context.Background(), stt.Config{Rate: rate}, &c)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := st.(stt.VoiceWriter)
	n := speak(t, w, 0, 5, 10, 1)
	pipelinetest.Eventually(t, func() bool { return len(c.finals()) == 1 }, "empty final after the error")
	if f := c.finals()[0]; f.Text != "" {
		t.Errorf("final after error = %+v, want empty", f)
	}
	err = w.WriteVoice(frame(false, n), stt.Voice{})
	if !errors.Is(err, boom) {
		t.Errorf("write after a failure = %v, want the failure so the session reopens", err)
	}
	if err := st.SetHints(stt.Hints{Grammar: "not jsgf"}); !errors.Is(err, stt.ErrGrammar) {
		t.Errorf("SetHints(bad grammar) = %v", err)
	}
	if _, err := r.Open(context.Background(), stt.Config{Rate: rate, Hints: stt.Hints{Grammar: "x"}}, &c); !errors.Is(err, stt.ErrGrammar) {
		t.Errorf("Open(bad grammar) = %v", err)
	}
}

func TestUtteranceRecognizerTimeoutAndClose(t *testing.T) {
	hang := make(chan struct{})
	tr := &stttest.Transcriber{Script: []stttest.Result{{Text: "late", Wait: hang}, {Text: "never", Wait: hang}}}
	r, _ := stt.NewUtteranceRecognizer(tr, stt.WithUtteranceTimeout(50*time.Millisecond))
	var c collector
	st, _ := r.Open(context.Background(), stt.Config{Rate: rate}, &c)
	w := st.(stt.VoiceWriter)
	n := speak(t, w, 0, 2, 5, 1)
	pipelinetest.Eventually(t, func() bool { return len(c.finals()) == 1 }, "final after the timeout")
	// A second utterance is in flight when the stream closes: Close
	// returns without waiting for the transcriber.
	speak(t, w, n, 2, 5, 1)
	pipelinetest.Eventually(t, func() bool { return len(tr.Calls()) == 2 }, "second call")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := w.WriteVoice(frame(false, 0), stt.Voice{}); !errors.Is(err, stt.ErrClosed) {
		t.Errorf("write after close = %v", err)
	}
	close(hang)
}

func TestUtteranceRecognizerWriteWithoutVoice(t *testing.T) {
	tr := &stttest.Transcriber{Script: []stttest.Result{{Text: "hello"}}}
	r, _ := stt.NewUtteranceRecognizer(tr)
	var c collector
	st, _ := r.Open(context.Background(), stt.Config{Rate: rate}, &c)
	defer st.Close()
	for i := range 100 { // 0.4 s silence, 0.6 s tone, 1 s silence
		if err := st.Write(frame(i >= 20 && i < 50, i)); err != nil {
			t.Fatal(err)
		}
	}
	pipelinetest.Eventually(t, func() bool { return len(c.finals()) == 1 }, "final from the energy rule")
	if c.finals()[0].Text != "hello" {
		t.Errorf("final = %+v", c.finals()[0])
	}
}

func TestUtteranceOptionsValidate(t *testing.T) {
	tests := []struct {
		desc string
		opt  stt.UtteranceOption
	}{
		{"negative pre-roll", stt.WithPreRoll(-time.Second)},
		{"tiny max utterance", stt.WithMaxUtterance(time.Millisecond)},
		{"zero timeout", stt.WithUtteranceTimeout(0)},
		{"zero queue", stt.WithUtteranceQueue(0)},
		{"nil logger", stt.WithUtteranceLogger(nil)},
	}
	for _, tc := range tests {
		if _, err := stt.NewUtteranceRecognizer(&stttest.Transcriber{}, tc.opt); !errors.Is(err, stt.ErrInvalidConfig) {
			t.Errorf("%s: err = %v", tc.desc, err)
		}
	}
	if _, err := stt.NewUtteranceRecognizer(nil); !errors.Is(err, stt.ErrInvalidConfig) {
		t.Errorf("nil transcriber: err = %v", err)
	}
}
