package sphinx

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// padded returns a clip between stretches of silence, and where its speech
// is.
func padded(c clip, before, after time.Duration) (pcm []int16, from, to int) {
	lead := silence(before)
	pcm = concat(lead, c.pcm, silence(after))
	from, to = speechSpan(pcm)
	return pcm, from, to
}

// maxStreamingWER bounds the word error rate of the retail sentences
// streamed, each as the first utterance of a new call (the hardest case:
// the channel is not known yet). Measured 0.024 (1 error in 42 words).
const maxStreamingWER = 0.15

func TestStreamWriteVoice(t *testing.T) {
	r := shared(t)
	var errs, words int
	for i, name := range retailClips {
		c := loadClip(t, name)
		pad := []time.Duration{60 * time.Millisecond, 0}[i%2] // the session's default padding, and none
		pcm, from, to := padded(c, time.Second, time.Second)
		st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{CallID: name, Rate: 16000})
		feedVoice(t, st, pcm, from, to, pad)
		col.waitFinals(t, 1)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		all := col.results()
		f := all[len(all)-1]
		e := wordErrors(strings.Fields(c.text), strings.Fields(f.Text))
		t.Logf("%s: %q (%d errors, %d partials)", name, f.Text, e, len(all)-1)
		errs += e
		words += len(strings.Fields(c.text))
		checkStreamResults(t, name, all, pcm, from)
	}
	wer := float64(errs) / float64(words)
	t.Logf("streaming word error rate %.3f (%d/%d)", wer, errs, words)
	if wer > maxStreamingWER {
		t.Errorf("streaming word error rate %.3f above %.2f", wer, maxStreamingWER)
	}
}

// checkStreamResults checks the results of one utterance: partials with
// changing text, then one final whose span and words lie in the audio.
func checkStreamResults(t *testing.T, name string, all []pipeline.Transcript, pcm []int16, from int) {
	t.Helper()
	if len(all) < 2 || !all[len(all)-1].Final {
		t.Errorf("%s: results %+v, want partials then one final", name, all)
		return
	}
	for i, p := range all[:len(all)-1] {
		if p.Final || p.Text == "" || (i > 0 && p.Text == all[i-1].Text) {
			t.Errorf("%s: partial %d %+v final, empty or unchanged", name, i, p)
		}
	}
	f := all[len(all)-1]
	total := sampleTime(int64(len(pcm)))
	if f.Start < sampleTime(int64(from))-DefaultPreRoll || f.End > total || f.End <= f.Start {
		t.Errorf("%s: final span [%v, %v] outside the speech %v..%v", name, f.Start, f.End, sampleTime(int64(from)), total)
	}
	for _, w := range f.Words {
		if w.Start < f.Start || w.End > f.End {
			t.Errorf("%s: word %q [%v, %v] outside the final [%v, %v]", name, w.Text, w.Start, w.End, f.Start, f.End)
		}
	}
}

func TestSilenceCostsNoDecoder(t *testing.T) {
	r := newRecognizer(t, WithMaxDecoders(1), WithPreloadDecoders(0))
	st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{Rate: 16000})
	quiet := silence(5 * time.Second)
	feedVoice(t, st, quiet, len(quiet), len(quiet), 60*time.Millisecond)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	stats := r.Stats()
	if stats.Pool.Acquired != 0 || stats.Pool.Loads != 0 || stats.Utterances != 0 {
		t.Errorf("silence used the pool: %+v", stats)
	}
	if st.q != nil {
		t.Errorf("silence allocated the utterance queue")
	}
	if n := len(col.results()); n != 0 {
		t.Errorf("%d results for silence", n)
	}
}

func TestStreamPlainWrite(t *testing.T) {
	r := shared(t)
	c := loadClip(t, "return_slt.wav")
	pcm := concat(silence(time.Second), c.pcm, silence(1500*time.Millisecond))
	st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{Rate: 16000})
	for i := 0; i < len(pcm); i += 480 { // 30 ms writes: the stream frames them itself
		if err := st.Write(audio.Frame{Rate: 16000, Samples: pcm[i:min(i+480, len(pcm))]}); err != nil {
			t.Fatal(err)
		}
	}
	f := col.waitFinals(t, 1)[0]
	if e := wordErrors(strings.Fields(c.text), strings.Fields(f.Text)); e > 1 {
		t.Errorf("final %q, %d errors against %q", f.Text, e, c.text)
	}
}

func TestSetHintsApplyToNextUtterance(t *testing.T) {
	r := shared(t)
	yes, no := loadClip(t, "yes_slt.wav"), loadClip(t, "no_rms.wav")
	st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{Rate: 16000})
	pcm, from, to := padded(yes, 500*time.Millisecond, 800*time.Millisecond)
	half := (from + to) / 2 / 320 * 320
	feedVoice(t, st, pcm[:half], from, to, 60*time.Millisecond)
	if err := st.SetHints(pipeline.Hints{Grammar: yesNoGrammar}); err != nil { // mid-utterance
		t.Fatal(err)
	}
	feedVoice(t, st, pcm[half:], from-half, to-half, 60*time.Millisecond)
	first := col.waitFinals(t, 1)[0]
	if first.Grammar {
		t.Errorf("the utterance under way took the new grammar: %+v", first)
	}
	pcm, from, to = padded(no, 200*time.Millisecond, 800*time.Millisecond)
	feedVoice(t, st, pcm, from, to, 60*time.Millisecond)
	// With line noise after it, "no" often comes out as "nope" (its "p"
	// is a closure and a short burst); both answer no.
	second := col.waitFinals(t, 2)[1]
	if !second.Grammar || (second.Text != "no" && second.Text != "nope") {
		t.Errorf("next utterance: %q grammar=%v, want no or nope from the grammar", second.Text, second.Grammar)
	}
	err := st.SetHints(pipeline.Hints{Grammar: "#JSGF V1.0; grammar g; public <a> = blorfle | yes;", Phrases: []string{"yes"}})
	var uw *UnknownWordError
	if !errors.As(err, &uw) || len(uw.Words) != 1 || uw.Words[0] != "blorfle" {
		t.Fatalf("SetHints with an unknown word: %v, want an UnknownWordError for blorfle", err)
	}
	if st.hints == nil || st.hints.grammar != nil || len(st.hints.phrases) != 1 {
		t.Errorf("after a bad grammar the stream keeps %+v, want open vocabulary with the phrases", st.hints)
	}
}

func TestCloseMidUtterance(t *testing.T) {
	r := newRecognizer(t, WithMaxDecoders(1), WithPreloadDecoders(1))
	c := loadClip(t, "agent_rms.wav")
	pcm, from, _ := padded(c, 500*time.Millisecond, 0)
	cut := from + (len(pcm)-from)/2
	st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{Rate: 16000})
	feedVoice(t, st, pcm[:cut], from, len(pcm)+16000, 60*time.Millisecond)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	finals := col.finals()
	if len(finals) != 1 {
		t.Fatalf("%d finals after Close mid-utterance, want 1", len(finals))
	}
	if finals[0].Text == "" || !strings.HasPrefix(c.text, strings.Fields(finals[0].Text)[0]) {
		t.Errorf("final %q does not start like %q", finals[0].Text, c.text)
	}
	if err := st.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := st.WriteVoice(audio.Frame{Rate: 16000, Samples: pcm[:320]}, pipeline.Voice{}); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteVoice after Close: %v, want ErrClosed", err)
	}
	if s := r.Stats().Pool; s.InUse != 0 || s.Loaded != 1 {
		t.Errorf("pool after Close: %+v, want the decoder back", s)
	}
}

func TestCancelMidUtterance(t *testing.T) {
	r := newRecognizer(t, WithMaxDecoders(1), WithPreloadDecoders(1))
	c := loadClip(t, "agent_rms.wav")
	pcm, from, _ := padded(c, 500*time.Millisecond, 0)
	ctx, cancel := context.WithCancel(context.Background())
	st, col := openStream(t, r, ctx, pipeline.RecognitionConfig{Rate: 16000})
	feedVoice(t, st, pcm, from, len(pcm)+16000, 60*time.Millisecond)
	cancel()
	pipelinetest.Eventually(t, func() bool {
		return st.WriteVoice(audio.Frame{Rate: 16000, Samples: pcm[:320]}, pipeline.Voice{Speaking: true}) != nil
	}, "writes fail after the context ended")
	err := st.WriteVoice(audio.Frame{Rate: 16000, Samples: pcm[:320]}, pipeline.Voice{})
	if !errors.Is(err, ErrClosed) || !errors.Is(err, context.Canceled) {
		t.Errorf("write after cancel: %v, want ErrClosed and context.Canceled", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	n := len(col.results())
	if s := r.Stats().Pool; s.InUse != 0 {
		t.Errorf("pool after cancel: %+v, want the decoder back", s)
	}
	if len(col.finals()) != 0 {
		t.Errorf("a final after the context ended: %+v", col.finals())
	}
	if len(col.results()) != n {
		t.Errorf("results kept coming after Close")
	}
}

func TestConcurrentStreamsSmallPool(t *testing.T) {
	// Streams queue for the two decoders; on a loaded machine the wait can
	// pass the default acquire timeout, which TestAcquireTimeout covers.
	r := newRecognizer(t, WithMaxDecoders(2), WithPreloadDecoders(0), WithBacklog(10*time.Second),
		WithAcquireTimeout(time.Minute))
	names := []string{"order_slt.wav", "return_slt.wav", "hours_rms.wav", "damaged_slt.wav", "address_kal.wav"}
	var wg sync.WaitGroup
	results := make([]*collector, len(names))
	for i, name := range names {
		c := loadClip(t, name)
		st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{CallID: name, Rate: 16000})
		results[i] = col
		wg.Add(1)
		go func() {
			defer wg.Done()
			pcm, from, to := padded(c, 300*time.Millisecond, 600*time.Millisecond)
			feedVoice(t, st, pcm, from, to, 60*time.Millisecond)
		}()
	}
	wg.Wait()
	for i, col := range results {
		f := col.waitFinals(t, 1)[0]
		want := transcripts(t)[names[i]]
		if e := wordErrors(strings.Fields(want), strings.Fields(f.Text)); e > 2 {
			t.Errorf("%s: %q, %d errors against %q", names[i], f.Text, e, want)
		}
	}
	if s := r.Stats(); s.Pool.Loads > 2 || s.Pool.Acquired != uint64(len(names)) || s.DroppedAudio != 0 {
		t.Errorf("stats %+v: want at most 2 decoders, %d acquisitions, nothing dropped", s, len(names))
	}
}

func TestAcquireTimeout(t *testing.T) {
	clock := pipelinetest.NewClock(time.Time{})
	r := newRecognizer(t, WithMaxDecoders(1), WithPreloadDecoders(1), WithAcquireTimeout(2*time.Second), WithClock(clock))
	held, err := r.pool.acquire(context.Background(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := loadClip(t, "order_slt.wav")
	pcm, from, to := padded(c, 300*time.Millisecond, 600*time.Millisecond)
	st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{Rate: 16000})
	feedVoice(t, st, pcm, from, to, 60*time.Millisecond)
	pipelinetest.Eventually(t, func() bool { return clock.Tickers() == 1 }, "the utterance waits for a decoder")
	clock.Advance(2 * time.Second)
	f := col.waitFinals(t, 1)[0]
	r.pool.release(held, true)
	if f.Text != "" {
		t.Errorf("final %q for an utterance that got no decoder, want empty", f.Text)
	}
	if s := r.Stats(); s.Busy != 1 || s.Pool.Timeouts != 1 {
		t.Errorf("stats %+v, want one busy utterance", s)
	}
	// The stream recovers once a decoder is free.
	pcm, from, to = padded(loadClip(t, "yes_slt.wav"), 300*time.Millisecond, 600*time.Millisecond)
	feedVoice(t, st, pcm, from, to, 60*time.Millisecond)
	if f := col.waitFinals(t, 2)[1]; f.Text != "yes" {
		t.Errorf("after the pool freed up: %q, want \"yes\"", f.Text)
	}
}

func TestBacklogOverflow(t *testing.T) {
	r := newRecognizer(t, WithMaxDecoders(1), WithPreloadDecoders(1), WithBacklog(300*time.Millisecond))
	held, err := r.pool.acquire(context.Background(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := loadClip(t, "agent_rms.wav")
	pcm, from, to := padded(c, 300*time.Millisecond, 600*time.Millisecond)
	st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{Rate: 16000})
	feedVoice(t, st, pcm, from, to, 60*time.Millisecond)
	r.pool.release(held, true)
	finals := col.waitFinals(t, 1)
	if len(finals) != 1 {
		t.Fatalf("%d finals, want 1", len(finals))
	}
	f := finals[0]
	if s := r.Stats(); s.DroppedAudio < time.Second {
		t.Errorf("dropped %v, want most of the utterance", s.DroppedAudio)
	}
	total := sampleTime(int64(len(pcm)))
	if f.Start < total-2*time.Second || f.End > total {
		t.Errorf("final [%v, %v] %q: want the newest audio only (recording %v)", f.Start, f.End, f.Text, total)
	}
}

func TestMaxUtteranceSplits(t *testing.T) {
	r := newRecognizer(t, WithMaxDecoders(1), WithPreloadDecoders(1), WithMaxUtterance(time.Second))
	c := loadClip(t, "refund_kal.wav")
	st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{Rate: 16000})
	pcm := concat(silence(300*time.Millisecond), c.pcm)
	feedVoice(t, st, pcm, 0, len(pcm), 0) // speaking throughout
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	finals := col.finals()
	if len(finals) < 2 {
		t.Fatalf("%d finals for %v of speech with 1s utterances", len(finals), sampleTime(int64(len(pcm))))
	}
	for i := 1; i < len(finals); i++ {
		if finals[i].Start < finals[i-1].End {
			t.Errorf("finals %d and %d overlap: [%v, %v] [%v, %v]", i-1, i, finals[i-1].Start, finals[i-1].End,
				finals[i].Start, finals[i].End)
		}
	}
}

func TestStream8kHz(t *testing.T) {
	r := shared(t)
	c := loadClip(t, "return_slt.wav")
	pcm, from, to := padded(c, 500*time.Millisecond, 800*time.Millisecond)
	pcm8, err := audio.Resample(nil, pcm, 16000, 8000)
	if err != nil {
		t.Fatal(err)
	}
	st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{Rate: 8000})
	confirm, hangover := 800, 2400 // 100 ms and 300 ms at 8 kHz
	for i := 0; i < len(pcm8); i += 160 {
		speaking := i >= from/2+confirm && i < to/2+hangover
		f := audio.Frame{Rate: 8000, Samples: pcm8[i:min(i+160, len(pcm8))]}
		if err := st.WriteVoice(f, pipeline.Voice{Speaking: speaking, Pad: 60 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.WriteVoice(audio.Frame{Rate: 16000, Samples: pcm[:320]}, pipeline.Voice{}); !errors.Is(err, ErrBadFrame) {
		t.Errorf("a 16 kHz frame on an 8 kHz stream: %v, want ErrBadFrame", err)
	}
	f := col.waitFinals(t, 1)[0]
	if e := wordErrors(strings.Fields(c.text), strings.Fields(f.Text)); e > 2 {
		t.Errorf("8 kHz stream: %q, %d errors against %q", f.Text, e, c.text)
	}
}

func TestOpenErrors(t *testing.T) {
	r := newRecognizer(t, WithMaxDecoders(1), WithPreloadDecoders(0))
	closed := newRecognizer(t, WithMaxDecoders(1), WithPreloadDecoders(0))
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc string
		r    *Recognizer
		cfg  pipeline.RecognitionConfig
		sink pipeline.TranscriptSink
		want error
	}{
		{"a language the model does not speak", r, pipeline.RecognitionConfig{Rate: 16000, Language: "zh"}, &collector{}, ErrUnsupportedLanguage},
		{"a rate that cannot be converted", r, pipeline.RecognitionConfig{Rate: 11025}, &collector{}, ErrUnsupportedRate},
		{"no sink", r, pipeline.RecognitionConfig{Rate: 16000}, nil, ErrInvalidConfig},
		{"a closed recognizer", closed, pipeline.RecognitionConfig{Rate: 16000}, &collector{}, ErrClosed},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			st, err := tc.r.Open(context.Background(), tc.cfg, tc.sink)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open: %v, want %v", err, tc.want)
			}
			if st != nil {
				t.Errorf("a stream with an error")
			}
		})
	}
	for _, lang := range []string{"", "en", "en-US", "en_GB"} {
		h := pipeline.Hints{Grammar: "yes | no", Phrases: []string{"yes"}} // an invalid grammar does not fail Open
		st, err := r.Open(context.Background(), pipeline.RecognitionConfig{Language: lang, Hints: h}, &collector{})
		if err != nil {
			t.Errorf("language %q: %v", lang, err)
			continue
		}
		if hs := st.(*stream).hints; hs == nil || hs.grammar != nil || len(hs.phrases) != 1 {
			t.Errorf("first turn's hints %+v, want the phrases without the grammar", hs)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestRecognizerCloseEndsStreams(t *testing.T) {
	r, err := New(WithMaxDecoders(1), WithPreloadDecoders(1))
	if err != nil {
		modelOrSkip(t)
		t.Fatal(err)
	}
	c := loadClip(t, "agent_rms.wav")
	pcm, from, _ := padded(c, 300*time.Millisecond, 0)
	st, _ := openStream(t, r, context.Background(), pipeline.RecognitionConfig{Rate: 16000})
	feedVoice(t, st, pcm, from, len(pcm)+16000, 60*time.Millisecond)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := st.WriteVoice(audio.Frame{Rate: 16000, Samples: pcm[:320]}, pipeline.Voice{}); !errors.Is(err, ErrClosed) {
		t.Errorf("write after the recognizer closed: %v, want ErrClosed", err)
	}
	if _, err := r.Transcribe(context.Background(), audio.Frame{Rate: 16000, Samples: pcm}, pipeline.Hints{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Transcribe after Close: %v, want ErrClosed", err)
	}
	if s := r.Stats(); s.Pool.Loaded != 0 || s.Streams != 0 {
		t.Errorf("after Close: %+v, want no decoder and no stream", s)
	}
}
