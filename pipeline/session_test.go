package pipeline_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// call is a session driven frame by frame through a loopback transport on a
// fake clock. Every step waits until the session's loop has handled the
// frame, so turn-taking is deterministic.
type call struct {
	t       *testing.T
	clock   *pipelinetest.Clock
	s       *pipeline.Session
	lb      *pipelinetest.Loopback
	rec     *pipelinetest.Recorder
	agent   *pipelinetest.Agent
	synth   *pipelinetest.Synthesizer
	recog   *pipelinetest.Recognizer
	mu      sync.Mutex
	metrics []pipeline.TurnMetrics
}

type setup struct {
	script     []pipelinetest.Segment
	utterances []string
	agent      *pipelinetest.Agent
	synth      *pipelinetest.Synthesizer
	cfg        func(*pipeline.Config)
	opts       []pipeline.Option
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newCall(t *testing.T, st setup) *call {
	t.Helper()
	c := &call{t: t, clock: pipelinetest.NewClock(time.Time{}), agent: st.agent, synth: st.synth,
		recog: &pipelinetest.Recognizer{Utterances: st.utterances}}
	if c.agent == nil {
		c.agent = &pipelinetest.Agent{}
	}
	if c.synth == nil {
		c.synth = &pipelinetest.Synthesizer{}
	}
	cfg := pipeline.DefaultConfig()
	if st.cfg != nil {
		st.cfg(&cfg)
	}
	opts := append([]pipeline.Option{
		pipeline.WithClock(c.clock), pipeline.WithCallID("call-test"), pipeline.WithLogger(quiet()),
		pipeline.WithDetector(&pipelinetest.EnergyDetector{}), pipeline.WithRecognizer(c.recog),
		pipeline.WithAgent(c.agent), pipeline.WithSynthesizer(c.synth),
		pipeline.WithFlusher(pipeline.FlusherFunc(func() { c.lb.Flush() })),
		pipeline.WithMetrics(func(m pipeline.TurnMetrics) {
			c.mu.Lock()
			c.metrics = append(c.metrics, m)
			c.mu.Unlock()
		}),
	}, st.opts...)
	s, err := pipeline.NewSession(context.Background(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	c.s = s
	c.lb = pipelinetest.NewLoopback(s, pipelinetest.NewScript(st.script...), 0)
	c.rec = pipelinetest.Record(s.Subscribe(4096))
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		<-c.rec.Done()
	})
	pipelinetest.Eventually(t, func() bool { return c.clock.Tickers() == 1 }, "session ticker")
	return c
}

// step pushes one caller frame, pulls one bot frame, advances the clock by
// 20 ms, and waits until the session has handled the frame and the recorder
// has every event published by then.
func (c *call) step() bool {
	c.t.Helper()
	bot, err := c.lb.Step(c.clock.Now())
	if err != nil {
		c.t.Fatal(err)
	}
	c.clock.Advance(20 * ms)
	var events uint64
	pipelinetest.Eventually(c.t, func() bool {
		st := c.s.Stats()
		events = st.Events
		return st.FramesProcessed+st.FramesDropped == st.FramesIn
	}, "loop catching up")
	pipelinetest.Eventually(c.t, func() bool { return c.rec.LastSeq() >= events }, "recorder catching up")
	return bot
}

// stepUntil steps until cond holds, at most limit of call time.
func (c *call) stepUntil(limit time.Duration, what string, cond func() bool) {
	c.t.Helper()
	for range int(limit / (20 * ms)) {
		if cond() {
			return
		}
		c.step()
	}
	if !cond() {
		buf := make([]byte, 1<<20)
		c.t.Log(string(buf[:runtime.Stack(buf, true)]))
		c.t.Fatalf("no %s within %v; events %v; stats %+v; loopback %+v; buffered %v; err %v; %s", what, limit, c.rec.Kinds(),
			c.s.Stats(), c.lb.Stats(), c.s.Buffered(), c.s.Err(), c.s.DebugOutput())
	}
}

func (c *call) steps(d time.Duration) {
	c.t.Helper()
	for range int(d / (20 * ms)) {
		c.step()
	}
}

// awaitAudio waits until d of bot audio is synthesized and queued.
func (c *call) awaitAudio(d time.Duration) {
	c.t.Helper()
	pipelinetest.Eventually(c.t, func() bool { return c.s.Buffered() >= d }, "%v of bot audio (have %v)", d, c.s.Buffered())
}

func (c *call) turnMetrics() []pipeline.TurnMetrics {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]pipeline.TurnMetrics(nil), c.metrics...)
}

func (c *call) has(kind string, n int) func() bool {
	return func() bool { return c.rec.Count(kind) >= n }
}

func history(msgs []pipeline.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(string(m.Role) + ": " + m.Text)
		if m.Interrupted {
			b.WriteString(" [interrupted]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestSessionConversation(t *testing.T) {
	c := newCall(t, setup{
		script:     []pipelinetest.Segment{pipelinetest.Pause(600 * ms), pipelinetest.Talk(800 * ms), pipelinetest.Pause(3 * time.Second)},
		utterances: []string{"I want to return my jacket."},
		agent:      &pipelinetest.Agent{Replies: [][]pipeline.Response{pipelinetest.Say("Sure.", "What is your order number?")}},
	})
	if err := c.s.Say("Hi, thanks for calling."); err != nil {
		t.Fatal(err)
	}
	c.awaitAudio(400 * ms)
	c.stepUntil(2*time.Second, "end of turn", c.has("end_of_turn", 1))
	c.awaitAudio(600 * ms)
	c.stepUntil(2*time.Second, "second turn's end", c.has("bot_speech_stopped", 2))
	pipelinetest.Eventually(t, func() bool { return len(c.agent.Requests()) == 1 }, "agent request")

	want := "bot: Hi, thanks for calling.\ncaller: I want to return my jacket.\nbot: Sure. What is your order number?\n"
	if got := history(c.s.History()); got != want {
		t.Errorf("history:\n%s\nwant:\n%s", got, want)
	}
	reqs := c.agent.Requests()
	if len(reqs) != 1 || reqs[0].Text != "I want to return my jacket." || len(reqs[0].History) != 2 || reqs[0].Turn != 2 {
		t.Errorf("agent requests %+v", reqs)
	}
	if st := c.lb.Stats(); st.BotFrames != 50 || st.Flushes != 0 {
		t.Errorf("loopback stats %+v, want 50 bot frames (20 + 30) and no flush", st)
	}
	eots := pipelinetest.Of[pipeline.EndOfTurnEvent](c.rec)
	if len(eots) != 1 || eots[0].Reason != pipeline.EndComplete || eots[0].Turn != 2 || eots[0].Silence != 360*ms {
		t.Errorf("end of turn events %+v", eots)
	}
	tm := c.turnMetrics()
	if len(tm) != 2 || tm[0].Trigger != pipeline.TriggerSay || tm[1].Outcome != pipeline.OutcomeCompleted {
		t.Fatalf("turn metrics %+v", tm)
	}
	if d, ok := tm[1].Overhead(); !ok || d != 20*ms {
		t.Errorf("turn overhead %v %v, want 20ms (the next frame after the decision)", d, ok)
	}
	if h := c.rec.Events()[0].Header(); h.CallID != "call-test" || h.Seq != 1 {
		t.Errorf("first event header %+v", h)
	}
}

// bargeInSetup is a caller who says "Hello.", then speaks over the bot's
// twelve-word answer once it has played a little over four words.
func bargeInSetup(interruption string, talk time.Duration) setup {
	return setup{
		script: []pipelinetest.Segment{pipelinetest.Pause(200 * ms), pipelinetest.Talk(600 * ms),
			pipelinetest.Pause(700 * ms), pipelinetest.Talk(talk), pipelinetest.Pause(5 * time.Second)},
		utterances: []string{"Hello.", interruption},
		agent: &pipelinetest.Agent{Replies: [][]pipeline.Response{
			pipelinetest.Say("One two three four five six seven eight nine ten eleven twelve.")}},
	}
}

func TestSessionBargeInCancelsTurn(t *testing.T) {
	st := bargeInSetup("Wait, stop.", 400*ms)
	st.agent.Linger = true
	st.cfg = func(c *pipeline.Config) { c.OutputBuffer = 500 * ms }
	c := newCall(t, st)
	c.stepUntil(2*time.Second, "end of turn", c.has("end_of_turn", 1))
	c.awaitAudio(500 * ms)
	c.stepUntil(2*time.Second, "barge-in", c.has("barge_in", 1))
	if c.step() {
		t.Fatal("bot audio one frame after the barge-in decision")
	}
	c.stepUntil(time.Second, "interruption", c.has("interruption", 1))
	pipelinetest.Eventually(t, func() bool { return len(c.agent.Cancelled()) == 1 && len(c.synth.Cancelled()) == 1 },
		"agent and synthesizer contexts cancelled")
	if err := c.agent.Cancelled()[0]; !errors.Is(err, context.Canceled) {
		t.Errorf("agent saw %v", err)
	}

	if st := c.lb.Stats(); st.BotFrames != 21 || st.Flushes != 1 {
		t.Errorf("loopback %+v, want 21 bot frames and 1 flush", st)
	}
	// The onset is at the start of the first speech frame's audio; the
	// bot frame handed over as the fourth speech frame came in was the last.
	if cut := c.lb.CutOffs(); len(cut) != 1 || cut[0] != 80*ms {
		t.Errorf("cut-offs %v, want [80ms]", cut)
	}
	m := c.turnMetrics()[0]
	if d, ok := m.CutOff(); !ok || d > 100*ms || m.Outcome != pipeline.OutcomeInterrupted {
		t.Errorf("turn metrics %+v cut-off %v", m, d)
	}
	in := pipelinetest.Of[pipeline.InterruptionEvent](c.rec)
	if len(in) != 1 || in[0].Heard != "One two three four" || in[0].Merged {
		t.Errorf("interruption events %+v", in)
	}

	c.stepUntil(3*time.Second, "answer to the interruption", c.has("end_of_turn", 2))
	want := "caller: Hello.\nbot: One two three four [interrupted]\ncaller: Wait, stop.\n"
	if got := history(c.s.History()); got != want {
		t.Errorf("history:\n%s\nwant:\n%s", got, want)
	}
	pipelinetest.Eventually(t, func() bool { return len(c.agent.Requests()) == 2 }, "second agent request")
	if reqs := c.agent.Requests(); history(reqs[1].History) != want {
		t.Errorf("second agent request %+v", reqs[1])
	}
}

func TestSessionResumes(t *testing.T) {
	tests := []struct {
		name      string
		words     string
		talk      time.Duration
		reason    pipeline.ResumeReason
		resumedBy time.Duration // when the resume is decided, from the barge-in
	}{
		{"backchannel", "uh huh", 300 * ms, pipeline.ResumeBackchannel, 520 * ms},
		{"false interruption", "", 200 * ms, pipeline.ResumeFalseInterruption, 1120 * ms},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := bargeInSetup(tc.words, tc.talk)
			st.agent.Replies[0] = pipelinetest.Say("One two three four five six seven eight.")
			var ready atomic.Int32 // audio became playable: the answer's start, then the resume
			st.opts = append(st.opts, pipeline.WithAudioReady(func() { ready.Add(1) }))
			c := newCall(t, st)
			c.stepUntil(2*time.Second, "end of turn", c.has("end_of_turn", 1))
			c.awaitAudio(800 * ms)
			c.stepUntil(2*time.Second, "barge-in", c.has("barge_in", 1))
			bargeAt := c.clock.Now()
			c.stepUntil(2*time.Second, "resume", c.has("resume", 1))
			if got := c.clock.Now().Sub(bargeAt); got != tc.resumedBy {
				t.Errorf("resumed %v after the barge-in, want %v", got, tc.resumedBy)
			}
			c.stepUntil(2*time.Second, "end of the bot's turn", c.has("bot_speech_stopped", 1))

			r := pipelinetest.Of[pipeline.ResumeEvent](c.rec)
			if len(r) != 1 || r[0].Reason != tc.reason || r[0].From != "One two three four" {
				t.Errorf("resume events %+v", r)
			}
			// 21 frames before the pause, then word five again from its start.
			if st := c.lb.Stats(); st.BotFrames != 41 || st.Flushes != 1 {
				t.Errorf("loopback %+v, want 41 bot frames and 1 flush", st)
			}
			want := "caller: Hello.\nbot: One two three four five six seven eight.\n"
			if got := history(c.s.History()); got != want {
				t.Errorf("history:\n%s\nwant:\n%s", got, want)
			}
			if n := c.rec.Count("interruption"); n != 0 || len(c.agent.Cancelled()) != 0 {
				t.Errorf("%d interruptions, agent cancelled %v", n, c.agent.Cancelled())
			}
			if n := ready.Load(); n != 2 {
				t.Errorf("audio-ready notified %d times, want 2 (answer start, resume)", n)
			}
		})
	}
}

func TestSessionBargeInWhileThinking(t *testing.T) {
	gate := make(chan struct{})
	c := newCall(t, setup{
		script: []pipelinetest.Segment{pipelinetest.Pause(200 * ms), pipelinetest.Talk(600 * ms),
			pipelinetest.Pause(500 * ms), pipelinetest.Talk(600 * ms), pipelinetest.Pause(3 * time.Second)},
		utterances: []string{"I want to return my jacket.", "Actually, an exchange."},
		agent:      &pipelinetest.Agent{Gate: gate},
	})
	c.stepUntil(2*time.Second, "end of turn", c.has("end_of_turn", 1))
	c.stepUntil(2*time.Second, "interruption", c.has("interruption", 1))
	pipelinetest.Eventually(t, func() bool { return len(c.agent.Cancelled()) == 1 }, "agent context cancelled")
	close(gate)
	in := pipelinetest.Of[pipeline.InterruptionEvent](c.rec)
	if len(in) != 1 || !in[0].Merged || in[0].Heard != "" {
		t.Errorf("interruption %+v, want merged with nothing heard", in)
	}
	if h := c.s.History(); len(h) != 0 {
		t.Errorf("history %v, want the caller's turn reopened", h)
	}
	c.stepUntil(3*time.Second, "combined end of turn", c.has("end_of_turn", 2))
	combined := "I want to return my jacket. Actually, an exchange."
	pipelinetest.Eventually(t, func() bool { return len(c.agent.Requests()) == 2 }, "second agent request")
	if reqs := c.agent.Requests(); reqs[1].Text != combined {
		t.Errorf("agent requests %+v, want the second with %q", reqs, combined)
	}
	if h := c.s.History(); len(h) != 1 || h[0].Text != combined || h[0].Role != pipeline.RoleCaller {
		t.Errorf("history %+v", h)
	}
	if st := c.lb.Stats(); st.Flushes != 0 || st.BotFrames != 0 {
		t.Errorf("loopback %+v: nothing was playing, nothing to flush", st)
	}
}

func TestSessionCloseDuringTurn(t *testing.T) {
	gate := make(chan struct{})
	c := newCall(t, setup{
		script:     []pipelinetest.Segment{pipelinetest.Pause(200 * ms), pipelinetest.Talk(600 * ms), pipelinetest.Pause(2 * time.Second)},
		utterances: []string{"Hello."},
		agent:      &pipelinetest.Agent{Gate: gate},
	})
	c.stepUntil(2*time.Second, "end of turn", c.has("end_of_turn", 1))
	if err := c.s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	<-c.s.Done()
	if got := c.agent.Cancelled(); len(got) != 1 || !errors.Is(got[0], context.Canceled) {
		t.Errorf("agent saw %v", got)
	}
	if err := c.s.PushAudio(silentFrame()); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("PushAudio after Close = %v", err)
	}
	if c.s.NextFrame(make([]int16, 320)) {
		t.Error("NextFrame after Close returned audio")
	}
	if !errors.Is(c.s.Err(), pipeline.ErrClosed) {
		t.Errorf("Err() = %v", c.s.Err())
	}
	<-c.rec.Done()
	ev := c.rec.Events()
	if last := ev[len(ev)-1]; last.Kind() != "call_ended" {
		t.Errorf("last event %q", last.Kind())
	}
	m := c.turnMetrics()
	if len(m) != 1 || m[0].Outcome != pipeline.OutcomeClosed {
		t.Errorf("metrics %+v", m)
	}
}

func silentFrame() audio.Frame { return audio.NewFrame(audio.PipelineRate, audio.FrameDuration) }
