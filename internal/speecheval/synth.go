package speecheval

import (
	"context"
	"fmt"
	"time"

	"github.com/parley-voice/parley/pipeline"
)

// SynthesisReport sums up MeasureSynthesizer.
type SynthesisReport struct {
	// Voice is the Voice.Name measured.
	Voice string
	// FirstChunk holds, per request, the time from the call to the first
	// chunk with audio: how long a caller waits for the bot's first
	// sound, the synthesizer's part of it.
	FirstChunk []time.Duration
	// Audio is the speech produced, Wall the time the requests took, and
	// CPU the process's CPU time over them.
	Audio, Wall, CPU time.Duration
}

// FirstChunkQuantile returns the q quantile (in [0, 1], nearest rank) of
// FirstChunk.
func (r *SynthesisReport) FirstChunkQuantile(q float64) time.Duration {
	return Quantile(r.FirstChunk, q)
}

// RTF returns the real-time factor: the synthesis time per second of
// speech produced (wall time, one request at a time).
func (r *SynthesisReport) RTF() float64 {
	if r.Audio <= 0 {
		return 0
	}
	return r.Wall.Seconds() / r.Audio.Seconds()
}

// MeasureSynthesizer speaks each text with v at 16 kHz, one request at a
// time (so that a request's times are its own), and measures the first
// chunk's latency and the real-time factor. It reads WithClock. It returns
// ctx's error when ctx ends first and an error wrapping ErrSynthesis when
// a request fails or writes no audio.
func MeasureSynthesizer(ctx context.Context, v Voice, texts []string, opts ...Option) (SynthesisReport, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return SynthesisReport{}, err
	}
	if len(texts) == 0 {
		return SynthesisReport{}, fmt.Errorf("%w: no text to speak", ErrInvalidOption)
	}
	r := SynthesisReport{Voice: v.Name}
	cpu := ProcessCPU()
	for _, text := range texts {
		var first time.Time
		var samples int
		start := o.clock.Now()
		w := pipeline.SpeechWriterFunc(func(c pipeline.SpeechChunk) error {
			if len(c.Audio.Samples) > 0 && first.IsZero() {
				first = o.clock.Now()
			}
			samples += len(c.Audio.Samples)
			return nil
		})
		if err := v.Synth.Synthesize(ctx, pipeline.SpeechRequest{Text: text, Rate: 16000, Voice: v.Voice}, w); err != nil {
			if ctx.Err() != nil {
				return SynthesisReport{}, ctx.Err()
			}
			return SynthesisReport{}, fmt.Errorf("%w: %q with %s: %w", ErrSynthesis, text, v.Name, err)
		}
		if first.IsZero() {
			return SynthesisReport{}, fmt.Errorf("%w: %q with %s: no audio", ErrSynthesis, text, v.Name)
		}
		r.Wall += o.clock.Now().Sub(start)
		r.FirstChunk = append(r.FirstChunk, first.Sub(start))
		r.Audio += samplesTime(samples)
	}
	r.CPU = ProcessCPU() - cpu
	return r, nil
}
