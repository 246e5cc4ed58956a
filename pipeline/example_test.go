package pipeline_test

import (
	"context"
	"fmt"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// A call wired with the test kit's engines and loopback transport: the caller
// asks for a refund and the bot answers.
func Example() {
	clock := pipelinetest.NewClock(time.Time{})
	recognizer := &pipelinetest.Recognizer{Utterances: []string{"I want a refund."}}
	agent := &pipelinetest.Agent{Replies: [][]pipeline.Response{pipelinetest.Say("Sure, I can help with that.")}}
	s, err := pipeline.NewSession(context.Background(), pipeline.DefaultConfig(),
		pipeline.WithCallID("call-001"), pipeline.WithClock(clock),
		pipeline.WithDetector(&pipelinetest.EnergyDetector{}), pipeline.WithRecognizer(recognizer),
		pipeline.WithAgent(agent), pipeline.WithSynthesizer(&pipelinetest.Synthesizer{}))
	if err != nil {
		panic(err)
	}
	events := pipelinetest.Record(s.Subscribe(0))
	caller := pipelinetest.NewScript(pipelinetest.Pause(200*time.Millisecond), pipelinetest.Talk(time.Second),
		pipelinetest.Pause(3*time.Second))
	line := pipelinetest.NewLoopback(s, caller, 0)
	for !caller.Done() {
		if _, err := line.Step(clock.Now()); err != nil {
			panic(err)
		}
		clock.Advance(20 * time.Millisecond)
		want := s.Stats().FramesIn
		pipelinetest.Poll(time.Second, func() bool { return s.Stats().FramesProcessed == want })
		if events.Count("end_of_turn") == 1 && line.Stats().BotFrames == 0 {
			pipelinetest.Poll(time.Second, func() bool { return s.Buffered() >= 600*time.Millisecond })
		}
	}
	if err := s.Close(); err != nil {
		panic(err)
	}
	<-events.Done()
	for _, m := range s.History() {
		fmt.Printf("%s: %s\n", m.Role, m.Text)
	}
	fmt.Println("bot frames:", line.Stats().BotFrames)
	// Output:
	// caller: I want a refund.
	// bot: Sure, I can help with that.
	// bot frames: 30
}
