package pipeline_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// helloSetup is a caller who says "Hello." once.
func helloSetup(agent *pipelinetest.Agent) setup {
	return setup{
		script:     []pipelinetest.Segment{pipelinetest.Pause(200 * ms), pipelinetest.Talk(600 * ms), pipelinetest.Pause(5 * time.Second)},
		utterances: []string{"Hello."},
		agent:      agent,
	}
}

func TestSessionSlowSubscriberLosesEvents(t *testing.T) {
	c := newCall(t, helloSetup(nil))
	slow := c.s.Subscribe(1) // never read
	defer slow.Close()
	c.stepUntil(2*time.Second, "end of turn", c.has("end_of_turn", 1))
	c.awaitAudio(300 * ms) // "You said: Hello.."
	c.stepUntil(time.Second, "bot turn end", c.has("bot_speech_stopped", 1))
	if slow.Dropped() == 0 {
		t.Fatal("slow subscriber lost no events")
	}
	if got := c.s.Stats().EventsDropped; got != slow.Dropped() {
		t.Errorf("Stats.EventsDropped = %d, subscriber dropped %d", got, slow.Dropped())
	}
	if len(c.rec.Events()) < 8 {
		t.Errorf("fast subscriber got %d events", len(c.rec.Events()))
	}
}

// blockingDetector blocks on its first frame until released and records the
// first sample of every frame.
type blockingDetector struct {
	entered, release chan struct{}
	mu               sync.Mutex
	seen             []int16
}

func (d *blockingDetector) Process(f audio.Frame) (float32, error) {
	d.mu.Lock()
	d.seen = append(d.seen, f.Samples[0])
	first := len(d.seen) == 1
	d.mu.Unlock()
	if first {
		close(d.entered)
		<-d.release
	}
	return 0, nil
}
func (d *blockingDetector) Reset()       {}
func (d *blockingDetector) Close() error { return nil }

func TestSessionInboundOverflowDropsOldest(t *testing.T) {
	det := &blockingDetector{entered: make(chan struct{}), release: make(chan struct{})}
	cfg := pipeline.DefaultConfig()
	cfg.InboundQueue = 100 * time.Millisecond // 5 frames
	s, err := pipeline.NewSession(context.Background(), cfg, pipeline.WithDetector(det), pipeline.WithLogger(quiet()),
		pipeline.WithRecognizer(&pipelinetest.Recognizer{}), pipeline.WithClock(pipelinetest.NewClock(time.Time{})))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	frame := func(v int16) audio.Frame {
		f := audio.NewFrame(audio.PipelineRate, audio.FrameDuration)
		f.Samples[0] = v
		return f
	}
	if err := s.PushAudio(frame(0)); err != nil {
		t.Fatal(err)
	}
	<-det.entered
	for v := int16(1); v <= 20; v++ {
		if err := s.PushAudio(frame(v)); err != nil {
			t.Fatal(err)
		}
	}
	close(det.release)
	pipelinetest.Eventually(t, func() bool { return s.Stats().FramesProcessed == 6 }, "processing the queued frames")
	if st := s.Stats(); st.FramesIn != 21 || st.FramesDropped != 15 {
		t.Errorf("stats %+v, want 21 in and 15 dropped", st)
	}
	det.mu.Lock()
	defer det.mu.Unlock()
	want := []int16{0, 16, 17, 18, 19, 20}
	if len(det.seen) != len(want) {
		t.Fatalf("detector saw %v, want %v (the newest frames)", det.seen, want)
	}
	for i := range want {
		if det.seen[i] != want[i] {
			t.Fatalf("detector saw %v, want %v (the newest frames)", det.seen, want)
		}
	}
}

func TestSessionActionsAndHints(t *testing.T) {
	agent := &pipelinetest.Agent{Replies: [][]pipeline.Response{{
		{Action: pipeline.Intent{Name: "goodbye", Confidence: 0.9}},
		{Text: "Goodbye.", Hints: &pipeline.Hints{Phrases: []string{"yes", "no"}}},
		{Action: pipeline.EndCall{Reason: "resolved"}, AfterSpeech: true},
	}}}
	c := newCall(t, helloSetup(agent))
	c.stepUntil(2*time.Second, "end of turn", c.has("end_of_turn", 1))
	pipelinetest.Eventually(t, c.has("intent", 1), "intent published at once")
	c.awaitAudio(100 * ms)
	if c.rec.Count("end_call") != 0 {
		t.Fatal("end_call published before the goodbye was played")
	}
	c.stepUntil(time.Second, "end_call", c.has("end_call", 1))
	var playedAt, endCallAt uint64
	for _, e := range c.rec.Events() {
		switch e.Kind() {
		case "bot_speech_started":
			playedAt = e.Header().Seq
		case "end_call":
			endCallAt = e.Header().Seq
			if a := e.(pipeline.ActionEvent).Action.(pipeline.EndCall); a.Reason != "resolved" {
				t.Errorf("end call action %+v", a)
			}
		}
	}
	if playedAt == 0 || endCallAt < playedAt {
		t.Errorf("end_call (seq %d) before the bot spoke (seq %d)", endCallAt, playedAt)
	}
	if st := c.lb.Stats(); st.BotFrames != 5 {
		t.Errorf("%d bot frames before end_call, want 5", st.BotFrames)
	}
	h := c.recog.Last().Hints()
	if len(h) != 1 || len(h[0].Phrases) != 2 {
		t.Errorf("recognizer hints %+v", h)
	}
}

func TestSessionAgentTimeoutSpeaksErrorPrompt(t *testing.T) {
	st := helloSetup(&pipelinetest.Agent{Gate: make(chan struct{})})
	st.cfg = func(c *pipeline.Config) { c.AgentTimeout = time.Second }
	c := newCall(t, st)
	c.stepUntil(2*time.Second, "end of turn", c.has("end_of_turn", 1))
	c.steps(time.Second)
	pipelinetest.Eventually(t, c.has("error", 1), "agent error event")
	errs := pipelinetest.Of[pipeline.ErrorEvent](c.rec)
	if errs[0].Stage != "agent" || !errors.Is(errs[0].Err, pipeline.ErrAgentTimeout) {
		t.Errorf("error event %+v", errs[0])
	}
	c.awaitAudio(1100 * ms) // 11 words
	c.stepUntil(2*time.Second, "error prompt played", c.has("bot_speech_stopped", 1))
	if h := c.s.History(); len(h) != 2 || h[1].Text != pipeline.DefaultConfig().ErrorPrompt {
		t.Errorf("history %+v", h)
	}
	if m := c.turnMetrics(); len(m) != 1 || m[0].FirstText.OK {
		t.Errorf("metrics %+v: the agent never answered", m)
	}
}

func TestSessionRecognizerFailureReopens(t *testing.T) {
	c := newCall(t, helloSetup(nil))
	c.steps(100 * ms)
	first := c.recog.Last()
	first.Fail(errors.New("connection reset"))
	c.steps(500 * ms)
	if n := len(c.recog.Streams()); n != 1 {
		t.Fatalf("%d streams before the back-off elapsed", n)
	}
	c.steps(600 * ms)
	if n := len(c.recog.Streams()); n != 2 || !first.Closed() {
		t.Fatalf("%d streams after the back-off, first closed %v", n, first.Closed())
	}
	if st := c.s.Stats(); st.RecognizerErrors != 1 {
		t.Errorf("stats %+v", st)
	}
	if e := pipelinetest.Of[pipeline.ErrorEvent](c.rec); len(e) != 1 || e[0].Stage != "recognizer" {
		t.Errorf("error events %+v", e)
	}
}

func TestSessionListenOnly(t *testing.T) {
	c := newCall(t, helloSetup(nil))
	if err := c.s.SetBotEnabled(false); err != nil {
		t.Fatal(err)
	}
	if err := c.s.Say("hi"); !errors.Is(err, pipeline.ErrBotDisabled) {
		t.Errorf("Say while disabled = %v", err)
	}
	c.stepUntil(2*time.Second, "end of turn", c.has("end_of_turn", 1))
	c.steps(500 * ms)
	if eot := pipelinetest.Of[pipeline.EndOfTurnEvent](c.rec); eot[0].Turn != 0 {
		t.Errorf("end of turn %+v, want no bot turn", eot[0])
	}
	if len(c.agent.Requests()) != 0 || c.lb.Stats().BotFrames != 0 {
		t.Error("bot answered while disabled")
	}
	if h := c.s.History(); len(h) != 1 || h[0].Text != "Hello." {
		t.Errorf("history %+v", h)
	}
}

func TestSessionReplyCutsOffTurn(t *testing.T) {
	agent := &pipelinetest.Agent{Replies: [][]pipeline.Response{
		pipelinetest.Say("Welcome to the store, how can I help you today?"),
		pipelinetest.Say("Sorry, let me start over."),
	}}
	c := newCall(t, setup{script: []pipelinetest.Segment{pipelinetest.Pause(5 * time.Second)}, agent: agent})
	if err := c.s.Reply(); err != nil {
		t.Fatal(err)
	}
	c.awaitAudio(time.Second)
	c.steps(300 * ms)
	if err := c.s.Reply(); err != nil {
		t.Fatal(err)
	}
	pipelinetest.Eventually(t, c.has("turn_metrics", 1), "first turn cut off")
	c.awaitAudio(500 * ms)
	c.stepUntil(2*time.Second, "second reply", c.has("bot_speech_stopped", 2))
	want := "bot: Welcome to the [interrupted]\nbot: Sorry, let me start over.\n"
	if got := history(c.s.History()); got != want {
		t.Errorf("history:\n%s\nwant:\n%s", got, want)
	}
	if c.lb.Stats().Flushes != 1 {
		t.Errorf("flushes %d, want 1", c.lb.Stats().Flushes)
	}
	if reqs := c.agent.Requests(); len(reqs) != 2 || reqs[0].Text != "" {
		t.Errorf("requests %+v", reqs)
	}
}

// tap is an interceptor that counts frames on both paths.
type tap struct {
	pipeline.NoOpInterceptor
	in, out, bot int
	closed       bool
}

func (p *tap) BindInbound(_ pipeline.StreamInfo, next pipeline.AudioWriter) pipeline.AudioWriter {
	return pipeline.AudioWriterFunc(func(f audio.Frame) error { p.in++; return next.WriteAudio(f) })
}

func (p *tap) BindOutbound(_ pipeline.StreamInfo, next pipeline.AudioWriter) pipeline.AudioWriter {
	return pipeline.AudioWriterFunc(func(f audio.Frame) error {
		p.out++
		if f.Samples[100] != 0 {
			p.bot++
		}
		return next.WriteAudio(f)
	})
}

func (p *tap) Close() error { p.closed = true; return nil }

func TestSessionInterceptorsSeeBothPaths(t *testing.T) {
	p := &tap{}
	st := helloSetup(nil)
	st.opts = []pipeline.Option{pipeline.WithInterceptors(p)}
	c := newCall(t, st)
	c.stepUntil(2*time.Second, "end of turn", c.has("end_of_turn", 1))
	c.awaitAudio(300 * ms)
	c.stepUntil(time.Second, "bot turn end", c.has("bot_speech_stopped", 1))
	steps := c.lb.Stats().Steps
	if err := c.s.Close(); err != nil {
		t.Fatal(err)
	}
	if p.in != steps || p.out != steps || p.bot != c.lb.Stats().BotFrames || !p.closed {
		t.Errorf("tap in=%d out=%d bot=%d closed=%v; steps %d bot frames %d", p.in, p.out, p.bot, p.closed, steps, c.lb.Stats().BotFrames)
	}
}

func TestNewSessionErrors(t *testing.T) {
	recog := pipeline.WithRecognizer(&pipelinetest.Recognizer{})
	det := pipeline.WithDetector(&pipelinetest.EnergyDetector{})
	tests := []struct {
		name string
		cfg  pipeline.Config
		opts []pipeline.Option
		want error
	}{
		{"no detector", pipeline.Config{}, []pipeline.Option{recog}, pipeline.ErrMissingEngine},
		{"no recognizer", pipeline.Config{}, []pipeline.Option{det}, pipeline.ErrMissingEngine},
		{"agent without synthesizer", pipeline.Config{}, []pipeline.Option{det, recog, pipeline.WithAgent(&pipelinetest.Agent{})}, pipeline.ErrMissingEngine},
		{"bad config", pipeline.Config{OutputBuffer: time.Millisecond}, []pipeline.Option{det, recog}, pipeline.ErrInvalidConfig},
		{"bad tick", pipeline.Config{}, []pipeline.Option{det, recog, pipeline.WithTickInterval(time.Hour)}, pipeline.ErrInvalidConfig},
		{"recognizer fails to open", pipeline.Config{}, []pipeline.Option{det,
			pipeline.WithRecognizer(&pipelinetest.Recognizer{OpenErr: errors.New("no route")})}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := pipeline.NewSession(context.Background(), tc.cfg, tc.opts...)
			if err == nil {
				s.Close()
				t.Fatal("NewSession succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSessionRejectsBadFrames(t *testing.T) {
	c := newCall(t, helloSetup(nil))
	for _, f := range []audio.Frame{
		{Rate: 8000, Samples: make([]int16, 160)},
		{Rate: 16000, Samples: make([]int16, 100)},
		{Rate: 16000, Samples: make([]int16, 16*80)},
		{Rate: 16000},
	} {
		if err := c.s.PushAudio(f); !errors.Is(err, pipeline.ErrBadFrame) {
			t.Errorf("PushAudio(%d samples at %d Hz) = %v", len(f.Samples), f.Rate, err)
		}
	}
}

func TestSessionParentContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	s, err := pipeline.NewSession(ctx, pipeline.Config{}, pipeline.WithLogger(quiet()),
		pipeline.WithDetector(&pipelinetest.EnergyDetector{}), pipeline.WithRecognizer(&pipelinetest.Recognizer{}))
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("server shutting down")
	cancel(stop)
	<-s.Done()
	if !errors.Is(s.Err(), stop) {
		t.Errorf("Err() = %v", s.Err())
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}
