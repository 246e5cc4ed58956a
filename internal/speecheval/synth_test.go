package speecheval

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/tts/ttstest"
)

func TestMeasureSynthesizer(t *testing.T) {
	clk := pipelinetest.NewClock(time.Time{})
	// A synthesizer that takes 30 ms of (fake) time before each chunk.
	slow := pipelineSynth(func(ctx context.Context, req pipeline.SpeechRequest, w pipeline.SpeechWriter) error {
		return (&ttstest.Synthesizer{}).Synthesize(ctx, req, pipeline.SpeechWriterFunc(func(c pipeline.SpeechChunk) error {
			clk.Advance(30 * time.Millisecond)
			return w.WriteSpeech(c)
		}))
	})
	r, err := MeasureSynthesizer(context.Background(), Voice{Name: "fake", Synth: slow},
		[]string{"where is my order", "yes"}, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.FirstChunk) != 2 || r.FirstChunkQuantile(0.5) != 30*time.Millisecond || r.FirstChunkQuantile(0.95) != 30*time.Millisecond {
		t.Errorf("first chunks %v, want 30ms each", r.FirstChunk)
	}
	// 5 words of 100 ms took 5 x 30 ms.
	if r.Audio != 500*time.Millisecond || r.Wall != 150*time.Millisecond || r.RTF() != 0.3 {
		t.Errorf("audio %v wall %v rtf %v, want 500ms, 150ms, 0.3", r.Audio, r.Wall, r.RTF())
	}
}

func TestMeasureSynthesizerErrors(t *testing.T) {
	mute := pipelineSynth(func(context.Context, pipeline.SpeechRequest, pipeline.SpeechWriter) error { return nil })
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		desc  string
		ctx   context.Context
		synth pipeline.Synthesizer
		texts []string
		want  error
	}{
		{"no texts", context.Background(), &ttstest.Synthesizer{}, nil, ErrInvalidOption},
		{"a failing synthesizer", context.Background(), &ttstest.Synthesizer{Err: errors.New("down")}, []string{"yes"}, ErrSynthesis},
		{"no audio", context.Background(), mute, []string{"yes"}, ErrSynthesis},
		{"cancelled", cancelled, &ttstest.Synthesizer{Stall: make(chan struct{})}, []string{"yes"}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := MeasureSynthesizer(tc.ctx, Voice{Name: "v", Synth: tc.synth}, tc.texts)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestQuantile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	tests := []struct {
		desc string
		ds   []time.Duration
		q    float64
		want time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one value", ms(7), 0.95, 7 * time.Millisecond},
		{"median of an odd count", ms(5, 1, 3), 0.5, 3 * time.Millisecond},
		{"median of an even count is the lower middle", ms(4, 1, 3, 2), 0.5, 2 * time.Millisecond},
		{"p95 of twenty", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), 0.95, 19 * time.Millisecond},
		{"above one is the maximum", ms(1, 9), 2, 9 * time.Millisecond},
		{"below zero is the minimum", ms(1, 9), -1, time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := Quantile(tc.ds, tc.q); got != tc.want {
				t.Errorf("Quantile(%v, %v) = %v, want %v", tc.ds, tc.q, got, tc.want)
			}
		})
	}
}

func TestReportRates(t *testing.T) {
	r := Report{RealTime: true, Audio: 10 * time.Second, CPU: 3 * time.Second, Wall: 5 * time.Second,
		Results: make([]Result, 4)}
	if got := r.RTF(); got != 0.3 {
		t.Errorf("RTF %v, want 0.3", got)
	}
	// 3 s of CPU over 5 s with 2 streams at once: 0.3 of a core each.
	if got := r.CPUPerStream(2); got < 0.2999 || got > 0.3001 {
		t.Errorf("CPU per stream %v, want 0.3", got)
	}
	r.RealTime = false
	if got := r.CPUPerStream(2); got != 0 {
		t.Errorf("CPU per stream %v outside real time, want 0", got)
	}
}
