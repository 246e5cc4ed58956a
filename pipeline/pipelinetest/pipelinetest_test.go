package pipelinetest

import (
	"context"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

const ms = time.Millisecond

func TestScriptOnsets(t *testing.T) {
	s := NewScript(Pause(30*ms), Talk(40*ms), Pause(10*ms), Voice(make([]int16, 160)), Talk(20*ms))
	if got := s.Duration(); got != 110*ms {
		t.Errorf("Duration() = %v", got)
	}
	dst := make([]int16, 320)
	var got []int
	for !s.Done() {
		got = append(got, s.NextCallerFrame(dst))
	}
	// Speech starts 30 ms in (sample 160 of frame 1) and again at 80 ms
	// (sample 0 of frame 4); the voice clip runs straight into the tone.
	want := []int{-1, 160, -1, -1, 0, -1}
	if len(got) != len(want) {
		t.Fatalf("onsets %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("onsets %v, want %v", got, want)
		}
	}
	if s.NextCallerFrame(dst) != -1 || dst[0] != 0 {
		t.Error("a finished script does not play silence")
	}
}

func TestScriptSamples(t *testing.T) {
	// The samples a script plays do not depend on the frame size: each
	// segment plays its own audio (a clip repeated to fill its duration,
	// the tone carried on across speech segments, or zeros), and frames
	// that straddle segments are cut where the segments meet.
	clip := make([]int16, 100)
	for i := range clip {
		clip[i] = int16(1000 + i)
	}
	segs := []Segment{Pause(3 * ms), Voice(clip), Talk(5 * ms), Pause(2 * ms), {Dur: 17 * ms, Speech: true, Samples: clip}, Talk(4 * ms)}
	want := scriptReference(segs)
	cases := []struct {
		desc  string
		frame int
	}{
		{"one sample at a time", 1},
		{"frames shorter than every segment", 7},
		{"10 ms frames", 160},
		{"20 ms frames", 320},
		{"frames longer than the script", 2000},
	}
	for _, tc := range cases {
		s := NewScript(segs...)
		var got []int16
		dst := make([]int16, tc.frame)
		for len(got) < len(want)+tc.frame {
			s.NextCallerFrame(dst)
			got = append(got, dst...)
		}
		for i, v := range got {
			w := int16(0) // silence after the script
			if i < len(want) {
				w = want[i]
			}
			if v != w {
				t.Fatalf("%s: sample %d = %d, want %d", tc.desc, i, v, w)
			}
		}
	}
}

// scriptReference builds the samples segs play, one by one.
func scriptReference(segs []Segment) []int16 {
	tone := callerTone()
	var out []int16
	tpos := 0
	for _, g := range segs {
		n := audio.SamplesFor(audio.PipelineRate, g.Dur)
		if g.Dur == 0 {
			n = len(g.Samples)
		}
		for i := range n {
			switch {
			case g.Samples != nil:
				out = append(out, g.Samples[i%len(g.Samples)])
			case g.Speech:
				out = append(out, tone[tpos])
				tpos = (tpos + 1) % len(tone)
			default:
				out = append(out, 0)
			}
		}
	}
	return out
}

// botTarget is a session stand-in that plays bot audio for the steps in
// between start and stop.
type botTarget struct {
	step, start, stop int
	pushed            int
}

func (b *botTarget) PushAudio(audio.Frame) error { b.pushed++; return nil }

func (b *botTarget) NextFrame(dst []int16) bool {
	b.step++
	return b.step > b.start && b.step <= b.stop
}

func TestLoopbackCutOffsAndLateness(t *testing.T) {
	// The bot speaks at steps 3..10 (frames handed over at 40..180 ms);
	// the caller starts speaking 5 ms into the frame sent at 100 ms.
	target := &botTarget{start: 2, stop: 10}
	caller := NewScript(Pause(85*ms), Talk(time.Second))
	lb := NewLoopback(target, caller, 4)
	t0 := time.Unix(100, 0)
	for i := range 20 {
		now := t0.Add(time.Duration(i) * 20 * ms)
		if i == 7 {
			now = now.Add(15 * ms) // one late bot frame
		}
		if _, err := lb.Step(now); err != nil {
			t.Fatal(err)
		}
	}
	st := lb.Stats()
	if st.Steps != 20 || st.BotFrames != 8 || st.LateFrames != 1 || st.MaxLate != 15*ms || target.pushed != 20 {
		t.Errorf("stats %+v, pushed %d", st, target.pushed)
	}
	if runs := lb.Runs(); len(runs) != 1 || runs[0].Frames != 8 || runs[0].End.Sub(t0) != 180*ms {
		t.Errorf("runs %+v", runs)
	}
	onsets := lb.Onsets()
	if len(onsets) != 1 || onsets[0].Sub(t0) != 65*ms {
		t.Fatalf("onsets %v, want one at 65 ms (frame sent at 80 ms)", onsets)
	}
	if cut := lb.CutOffs(); len(cut) != 1 || cut[0] != 115*ms {
		t.Errorf("cut-offs %v, want [115ms]", cut)
	}
	lb.Flush()
	if lb.Stats().Flushes != 1 {
		t.Error("flush not counted")
	}
}

func TestClockTickers(t *testing.T) {
	c := NewClock(time.Time{})
	tk := c.NewTicker(50 * ms)
	c.Advance(40 * ms)
	select {
	case <-tk.C():
		t.Fatal("ticked early")
	default:
	}
	c.Advance(200 * ms) // several periods: one tick, like time.Ticker
	if got := <-tk.C(); !got.Equal(c.Now()) {
		t.Errorf("tick at %v, want %v", got, c.Now())
	}
	select {
	case <-tk.C():
		t.Fatal("missed ticks were queued")
	default:
	}
	tk.Stop()
	if c.Tickers() != 0 {
		t.Error("stopped ticker still registered")
	}
}

func TestSynthesizerChunksWords(t *testing.T) {
	s := &Synthesizer{FramesPerWord: 2}
	var chunks []pipeline.SpeechChunk
	text := "  Hello,  wide world "
	err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: text, Rate: audio.PipelineRate},
		pipeline.SpeechWriterFunc(func(c pipeline.SpeechChunk) error { chunks = append(chunks, c); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for _, c := range chunks {
		words = append(words, text[c.TextStart:c.TextEnd])
		if len(c.Audio.Samples) != 640 {
			t.Errorf("chunk of %d samples, want 640", len(c.Audio.Samples))
		}
	}
	if len(words) != 3 || words[0] != "Hello," || words[2] != "world" {
		t.Errorf("words %q", words)
	}
}

func TestRecognizerScript(t *testing.T) {
	r := &Recognizer{Utterances: []string{"hello there", ""}}
	var got []pipeline.Transcript
	st, err := r.Open(context.Background(), pipeline.RecognitionConfig{Rate: audio.PipelineRate},
		pipeline.TranscriptSinkFunc(func(tr pipeline.Transcript) { got = append(got, tr) }))
	if err != nil {
		t.Fatal(err)
	}
	script := NewScript(Talk(200*ms), Pause(100*ms), Talk(200*ms), Pause(100*ms))
	dst := make([]int16, 320)
	for !script.Done() {
		script.NextCallerFrame(dst)
		if err := st.Write(audio.Frame{Rate: audio.PipelineRate, Samples: dst}); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0].Text != "hello" || got[0].Final || got[1].Text != "hello there" || !got[1].Final {
		t.Errorf("results %+v, want a partial and a final, and nothing for the noise", got)
	}
	if err := st.Close(); err != nil || !r.Last().Closed() || r.Last().Frames() != 30 {
		t.Errorf("close %v, closed %v, frames %d", err, r.Last().Closed(), r.Last().Frames())
	}
}

func TestScriptedDetector(t *testing.T) {
	d := NewScriptedDetector(SilenceSpan(40*ms), SpeechSpan(20*ms), Span{Prob: 0.4, Dur: 20 * ms})
	f := audio.NewFrame(audio.PipelineRate, audio.FrameDuration)
	var got []float32
	for range 5 {
		p, err := d.Process(f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	want := []float32{0, 0, 1, 0.4, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("probabilities %v, want %v", got, want)
		}
	}
	d.Reset()
	if p, _ := d.Process(f); p != 0 || d.Frames() != 6 {
		t.Errorf("after Reset: %v, %d frames", p, d.Frames())
	}
	if d.Close() != nil || !d.Closed() {
		t.Error("Close")
	}
}
