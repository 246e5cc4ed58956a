package pipeline_test

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/pipeline/vad"
)

// BenchmarkPushAudio measures one caller frame from PushAudio through the
// loop (queue, pure-Go VAD, recognizer write, turn detector), waiting for the
// loop to finish it: per-frame cost plus the hand-off between goroutines.
func BenchmarkPushAudio(b *testing.B) {
	s, err := pipeline.NewSession(context.Background(), pipeline.Config{}, pipeline.WithLogger(quiet()),
		pipeline.WithDetector(vad.NewEnergy()), pipeline.WithRecognizer(&pipelinetest.Recognizer{}))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	f := audio.NewFrame(audio.PipelineRate, audio.FrameDuration)
	for i := range f.Samples {
		f.Samples[i] = int16(i%7) * 3 // faint noise
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		want := s.Stats().FramesIn + 1
		if err := s.PushAudio(f); err != nil {
			b.Fatal(err)
		}
		for s.Stats().FramesProcessed < want {
			runtime.Gosched()
		}
	}
}

// BenchmarkSessionNextFrame measures the outbound path: one 20 ms frame of
// bot speech pulled by a pacer through an outbound interceptor. Each bot turn
// (200 s of speech) is synthesized into the output before its frames are
// pulled; the synthesis is not timed.
func BenchmarkSessionNextFrame(b *testing.B) {
	var done atomic.Int64
	s, err := pipeline.NewSession(context.Background(), pipeline.Config{OutputBuffer: 5 * time.Minute},
		pipeline.WithLogger(quiet()), pipeline.WithDetector(&pipelinetest.EnergyDetector{}),
		pipeline.WithRecognizer(&pipelinetest.Recognizer{}), pipeline.WithSynthesizer(&pipelinetest.Synthesizer{}),
		pipeline.WithInterceptors(&pipeline.NoOpInterceptor{}),
		pipeline.WithMetrics(func(pipeline.TurnMetrics) { done.Add(1) }))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const words = 2000
	long := strings.Repeat("word ", words)
	said := int64(0)
	refill := func() {
		pipelinetest.Poll(pipelinetest.DefaultWait, func() bool { return done.Load() == said })
		if err := s.Say(long); err != nil {
			b.Fatal(err)
		}
		said++
		pipelinetest.Poll(pipelinetest.DefaultWait, func() bool { return s.Buffered() == words*100*time.Millisecond })
	}
	dst := make([]int16, 320)
	refill()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if !s.NextFrame(dst) {
			b.StopTimer()
			refill()
			b.StartTimer()
			s.NextFrame(dst)
		}
	}
}

// BenchmarkLoopbackStep measures one frame of a call in both directions
// through the loopback transport (push a caller frame, pull a bot frame),
// waiting for the loop to handle the caller frame.
func BenchmarkLoopbackStep(b *testing.B) {
	synth := &pipelinetest.Synthesizer{}
	s, err := pipeline.NewSession(context.Background(), pipeline.Config{}, pipeline.WithLogger(quiet()),
		pipeline.WithDetector(vad.NewEnergy()), pipeline.WithRecognizer(&pipelinetest.Recognizer{}),
		pipeline.WithSynthesizer(synth))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	lb := pipelinetest.NewLoopback(s, pipelinetest.NewScript(), 0)
	clock := pipeline.SystemClock()
	if err := s.Say(strings.Repeat("word ", 2000)); err != nil {
		b.Fatal(err)
	}
	pipelinetest.Poll(pipelinetest.DefaultWait, func() bool { return s.Buffered() > 0 })
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		want := s.Stats().FramesIn + 1
		if _, err := lb.Step(clock.Now()); err != nil {
			b.Fatal(err)
		}
		for s.Stats().FramesProcessed < want {
			runtime.Gosched()
		}
	}
}
