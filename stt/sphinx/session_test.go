package sphinx

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/pipeline/vad"
)

// TestSessionEndToEnd drives a real pipeline.Session with this recognizer
// and the energy detector of package vad: the session segments the
// caller's speech and calls WriteVoice for every frame, and the agent gets
// the recognised turns. The first turn is answered with a yes/no grammar
// for the next one.
func TestSessionEndToEnd(t *testing.T) {
	r := shared(t)
	clock := pipelinetest.NewClock(time.Time{})
	agent := &pipelinetest.Agent{Replies: [][]pipeline.Response{
		{{Text: "Shall I look it up?", Hints: &pipeline.Hints{Grammar: yesNoGrammar}}},
		pipelinetest.Say("Done."),
	}}
	cfg := pipeline.DefaultConfig()
	// Decoding runs on the wall clock and the session on a fake one that
	// the test advances as fast as the loop goes: let the turn wait for
	// the recognizer's final as long as it takes.
	cfg.Turn.EndOfTurn.FinalTimeout = 10 * time.Second
	s, err := pipeline.NewSession(context.Background(), cfg,
		pipeline.WithClock(clock), pipeline.WithCallID("call-sphinx"),
		pipeline.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		pipeline.WithDetector(vad.NewEnergy()), pipeline.WithRecognizer(r),
		pipeline.WithAgent(agent), pipeline.WithSynthesizer(&pipelinetest.Synthesizer{}))
	if err != nil {
		t.Fatal(err)
	}
	rec := pipelinetest.Record(s.Subscribe(0))
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		<-rec.Done()
	}()

	order, yes := loadClip(t, "order_slt.wav"), loadClip(t, "yes_slt.wav")
	c := &sessionCaller{t: t, s: s, clock: clock, rec: rec}
	c.play(silence(time.Second))
	c.turn(order.pcm)
	c.play(silence(2 * time.Second)) // the bot answers meanwhile
	c.turn(yes.pcm)
	c.play(silence(time.Second))

	reqs := agent.Requests()
	if len(reqs) < 2 {
		t.Fatalf("%d agent requests, want 2 (events %v)", len(reqs), rec.Kinds())
	}
	if e := wordErrors(strings.Fields(order.text), strings.Fields(reqs[0].Text)); e > 1 {
		t.Errorf("first turn %q, want %q", reqs[0].Text, order.text)
	}
	if reqs[1].Text != "yes" {
		t.Errorf("second turn %q, want \"yes\"", reqs[1].Text)
	}
	var partials, grammarFinals int
	for _, ev := range pipelinetest.Of[pipeline.TranscriptEvent](rec) {
		switch {
		case !ev.Transcript.Final:
			partials++
		case ev.Transcript.Grammar:
			grammarFinals++
		}
	}
	if partials == 0 || grammarFinals != 1 {
		t.Errorf("%d partials and %d grammar finals, want some partials and one grammar final", partials, grammarFinals)
	}
}

// sessionCaller plays audio into a session on a fake clock, frame by
// frame, waiting for the session's loop to handle each frame, and plays
// the bot's audio out at the same pace.
type sessionCaller struct {
	t      *testing.T
	s      *pipeline.Session
	clock  *pipelinetest.Clock
	rec    *pipelinetest.Recorder
	frames uint64
	finals int
}

func (c *sessionCaller) play(pcm []int16) {
	c.t.Helper()
	n := audio.SamplesFor(16000, audio.FrameDuration)
	out := make([]int16, n)
	for i := 0; i+n <= len(pcm); i += n {
		c.s.NextFrame(out) // the transport plays the bot's audio
		if err := c.s.PushAudio(audio.Frame{Rate: 16000, Samples: pcm[i : i+n]}); err != nil {
			c.t.Fatal(err)
		}
		c.frames++
		want := c.frames
		pipelinetest.Eventually(c.t, func() bool { return c.s.Stats().FramesProcessed >= want }, "frame %d processed", want)
		c.clock.Advance(audio.FrameDuration)
	}
}

// turn plays one caller turn, then silence until the recognizer's final
// result for it arrives (at most 3 s of it). Finals with no words (noise
// the detector took for speech) do not count.
func (c *sessionCaller) turn(speech []int16) {
	c.t.Helper()
	c.play(speech)
	c.finals++
	quiet := silence(audio.FrameDuration)
	for range 150 {
		if c.countFinals() >= c.finals {
			return
		}
		c.play(quiet)
	}
	want := c.finals
	pipelinetest.Eventually(c.t, func() bool { return c.countFinals() >= want }, "final result %d", want)
}

func (c *sessionCaller) countFinals() int {
	n := 0
	for _, ev := range pipelinetest.Of[pipeline.TranscriptEvent](c.rec) {
		if ev.Transcript.Final && ev.Transcript.Text != "" {
			n++
		}
	}
	return n
}
