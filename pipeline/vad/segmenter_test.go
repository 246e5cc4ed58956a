package vad

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

const ms = time.Millisecond

// seq builds a probability sequence from runs of (value, frames).
func seq(runs ...any) []float32 {
	var out []float32
	for i := 0; i < len(runs); i += 2 {
		v := float32(runs[i].(float64))
		for n := 0; n < runs[i+1].(int); n++ {
			out = append(out, v)
		}
	}
	return out
}

func TestSegmenterDecisions(t *testing.T) {
	base := SegmenterConfig{OnsetThreshold: 0.5, OffsetThreshold: 0.35, MinSpeech: 100 * ms, MinSilence: 200 * ms, SpeechPad: 40 * ms}
	cases := []struct {
		name  string
		cfg   SegmenterConfig
		probs []float32
		want  []Segment
	}{
		{"silence only", base, seq(0.1, 50), nil},
		{"one utterance", base, seq(0.0, 10, 0.9, 20, 0.0, 20),
			[]Segment{{200*ms - 40*ms, 600*ms + 40*ms}}},
		{"blip shorter than min speech", base, seq(0.0, 10, 0.9, 4, 0.0, 20), nil},
		{"blip that dips below offset", base, seq(0.0, 10, 0.9, 3, 0.2, 1, 0.9, 3, 0.0, 20), nil},
		{"onset held above offset counts", base, seq(0.0, 10, 0.6, 1, 0.4, 4, 0.0, 20),
			[]Segment{{160 * ms, 300*ms + 40*ms}}},
		{"value between thresholds does not start", base, seq(0.0, 5, 0.45, 30, 0.0, 5), nil},
		{"short pause is bridged", base, seq(0.0, 5, 0.9, 10, 0.1, 8, 0.9, 10, 0.0, 20),
			[]Segment{{60 * ms, 660*ms + 40*ms}}},
		{"long pause splits", base, seq(0.0, 5, 0.9, 10, 0.1, 15, 0.9, 10, 0.0, 20),
			[]Segment{{60 * ms, 300*ms + 40*ms}, {600*ms - 40*ms, 800*ms + 40*ms}}},
		{"hysteresis keeps speech between thresholds", base, seq(0.0, 5, 0.9, 10, 0.4, 30, 0.0, 20),
			[]Segment{{60 * ms, 900*ms + 40*ms}}},
		{"pause between thresholds still ends speech", base, seq(0.0, 5, 0.9, 10, 0.2, 1, 0.45, 20, 0.0, 5),
			[]Segment{{60 * ms, 300*ms + 40*ms}}},
		{"pad does not reach before the stream", base, seq(0.9, 10, 0.0, 20),
			[]Segment{{0, 200*ms + 40*ms}}},
		{"pad does not overlap the previous segment", SegmenterConfig{OnsetThreshold: 0.5, OffsetThreshold: 0.35, MinSpeech: 20 * ms, MinSilence: 60 * ms, SpeechPad: 100 * ms},
			seq(0.9, 5, 0.0, 4, 0.9, 5, 0.0, 10),
			// Ends are clamped to the frame that declared them, starts to the
			// previous end.
			[]Segment{{0, 160 * ms}, {160 * ms, 340 * ms}}},
		{"speech running at the end is flushed", base, seq(0.0, 5, 0.9, 10),
			[]Segment{{60 * ms, 300 * ms}}},
		{"pending silence at the end is flushed with pad", base, seq(0.0, 5, 0.9, 10, 0.0, 5),
			[]Segment{{60 * ms, 340 * ms}}},
		{"zero durations react on one frame", SegmenterConfig{OnsetThreshold: 0.5, OffsetThreshold: 0.5},
			seq(0.0, 2, 0.9, 1, 0.0, 2, 0.9, 2),
			[]Segment{{40 * ms, 60 * ms}, {100 * ms, 140 * ms}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SegmentProbabilities(c.probs, 20*ms, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestSegmenterEventsStream(t *testing.T) {
	s, err := NewSegmenter(DefaultSegmenterConfig())
	if err != nil {
		t.Fatal(err)
	}
	probs := seq(0.0, 10, 0.9, 30, 0.0, 30)
	var events []Event
	var at []time.Duration
	for _, p := range probs {
		if ev := s.Push(p, 20*ms); ev.Kind != NoEvent {
			events = append(events, ev)
			at = append(at, s.Now())
		}
	}
	want := []Event{{SpeechStart, 200*ms - 60*ms}, {SpeechEnd, 800*ms + 60*ms}}
	if !slices.Equal(events, want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	// Declared MinSpeech after the onset, and MinSilence after the offset.
	if wantAt := []time.Duration{300 * ms, 1100 * ms}; !slices.Equal(at, wantAt) {
		t.Errorf("declared at %v, want %v", at, wantAt)
	}
	if s.InSpeech() {
		t.Error("InSpeech after SpeechEnd")
	}
	s.Reset()
	if s.Now() != 0 || s.InSpeech() {
		t.Errorf("after Reset: now %v, in speech %v", s.Now(), s.InSpeech())
	}
	if ev := s.Flush(); ev.Kind != NoEvent {
		t.Errorf("Flush in silence: %v", ev)
	}
}

func TestSegmenterConfigValidate(t *testing.T) {
	d := DefaultSegmenterConfig()
	cases := []struct {
		name   string
		modify func(*SegmenterConfig)
		ok     bool
	}{
		{"defaults", func(*SegmenterConfig) {}, true},
		{"equal thresholds", func(c *SegmenterConfig) { c.OffsetThreshold = c.OnsetThreshold }, true},
		{"zero onset", func(c *SegmenterConfig) { c.OnsetThreshold = 0 }, false},
		{"onset above one", func(c *SegmenterConfig) { c.OnsetThreshold = 1.5 }, false},
		{"offset above onset", func(c *SegmenterConfig) { c.OffsetThreshold = 0.6 }, false},
		{"zero offset", func(c *SegmenterConfig) { c.OffsetThreshold = 0 }, false},
		{"negative min speech", func(c *SegmenterConfig) { c.MinSpeech = -ms }, false},
		{"negative min silence", func(c *SegmenterConfig) { c.MinSilence = -ms }, false},
		{"negative pad", func(c *SegmenterConfig) { c.SpeechPad = -ms }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := d
			c.modify(&cfg)
			_, err := NewSegmenter(cfg)
			if c.ok && err != nil {
				t.Errorf("unexpected error %v", err)
			}
			if !c.ok && !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("got %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestSegmenterDoesNotAllocate(t *testing.T) {
	s, err := NewSegmenter(DefaultSegmenterConfig())
	if err != nil {
		t.Fatal(err)
	}
	probs := seq(0.0, 10, 0.9, 30, 0.0, 30)
	i := 0
	if allocs := testing.AllocsPerRun(500, func() {
		s.Push(probs[i%len(probs)], 20*ms)
		i++
	}); allocs != 0 {
		t.Errorf("Push allocates %v times", allocs)
	}
}

func TestDetectSegmentsHandlesPartialFrames(t *testing.T) {
	// 1 s of pseudo-speech after 1 s of quiet noise, and a tail of 330
	// samples (20 ms plus 10 samples: the 10 are ignored).
	x := pcm(mix(concat(silence(1), pseudoSpeech(21, -25, 1), silence(1)), whiteNoise(22, -60, 3)))
	x = append(x, make([]int16, 330)...)
	segs, err := DetectSegments(context.Background(), NewEnergy(), x, DefaultSegmenterConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 1 {
		t.Fatalf("segments %v, want one", segs)
	}
	if s := segs[0]; s.Start < 900*ms || s.Start > 1100*ms || s.End < 1900*ms || s.End > 2400*ms {
		t.Errorf("segment %v, want about 1s-2s", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := DetectSegments(ctx, NewEnergy(), x, DefaultSegmenterConfig()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
