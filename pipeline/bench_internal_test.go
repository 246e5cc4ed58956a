package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// stoppedClock never moves and its tickers never fire, so a session's loop
// stays idle while a benchmark drives its per-frame path directly.
type stoppedClock struct{}

func (stoppedClock) Now() time.Time                 { return time.Unix(0, 0) }
func (stoppedClock) NewTicker(time.Duration) Ticker { return stoppedTicker{} }

type stoppedTicker struct{}

func (stoppedTicker) C() <-chan time.Time { return nil }
func (stoppedTicker) Stop()               {}

type constDetector struct{ p float32 }

func (d *constDetector) Process(audio.Frame) (float32, error) { return d.p, nil }
func (d *constDetector) Reset()                               {}
func (d *constDetector) Close() error                         { return nil }

type nullRecognizer struct{}

func (nullRecognizer) Open(context.Context, RecognitionConfig, TranscriptSink) (RecognitionStream, error) {
	return nullStream{}, nil
}

type nullStream struct{}

func (nullStream) Write(audio.Frame) error { return nil }
func (nullStream) SetHints(Hints) error    { return nil }
func (nullStream) Close() error            { return nil }

// BenchmarkInboundFrame measures the loop's work for one caller frame
// (inbound interceptors, VAD, recognizer write, turn detector) in steady
// state: within silence, and within the caller's speech.
func BenchmarkInboundFrame(b *testing.B) {
	for _, bc := range []struct {
		name string
		prob float32
	}{{"silence", 0}, {"speech", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := NewSession(context.Background(), Config{}, WithClock(stoppedClock{}),
				WithDetector(&constDetector{p: bc.prob}), WithRecognizer(nullRecognizer{}))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			l := &s.loop
			frame := audio.Frame{Rate: audio.PipelineRate, Samples: l.frame[:320]}
			for range 50 { // settle into the steady state
				l.now += audio.FrameDuration
				_ = s.inTap.WriteAudio(frame)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				l.now += audio.FrameDuration
				_ = s.inTap.WriteAudio(frame)
			}
		})
	}
}
