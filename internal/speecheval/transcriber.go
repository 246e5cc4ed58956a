package speecheval

import (
	"context"
	"fmt"

	"github.com/parley-voice/parley/stt"
)

// TranscribeFunc recognizes one recording and returns its text; for
// example a closure over stt/sphinx's Recognizer.Transcribe, or an
// stt.Transcriber through FromTranscriber. It must honour ctx and must not
// keep u.Audio.Samples.
type TranscribeFunc func(ctx context.Context, u stt.Utterance) (string, error)

// FromTranscriber adapts an stt.Transcriber.
func FromTranscriber(t stt.Transcriber) TranscribeFunc {
	return func(ctx context.Context, u stt.Utterance) (string, error) {
		tr, err := t.Transcribe(ctx, u)
		return tr.Text, err
	}
}

// EvalTranscriber recognizes every clip, whole, with fn in the band of
// WithBand, and scores the texts. Results carry the wall time of each
// call in Decode and no latency. WithConcurrency clips run at once.
// It returns ctx's error when ctx ends first, and an error wrapping
// ErrRecognition when fn fails.
func EvalTranscriber(ctx context.Context, fn TranscribeFunc, clips []Clip, opts ...Option) (Report, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return Report{}, err
	}
	o.realTime = false
	return run(ctx, clips, o, func(ctx context.Context, c *Clip) (Result, error) {
		start := o.clock.Now()
		hyp, err := fn(ctx, stt.Utterance{CallID: c.ID + "@" + c.Voice, Audio: c.Audio(o.band), Language: c.Language})
		if err != nil {
			if ctx.Err() != nil {
				return Result{}, ctx.Err()
			}
			return Result{}, fmt.Errorf("%w: %s: %w", ErrRecognition, c.ID, err)
		}
		return Result{ID: c.ID, Voice: c.Voice, Ref: c.Text, Hyp: hyp, Score: Compare(c.Text, hyp),
			Audio: c.Duration(), Finals: 1, Decode: o.clock.Now().Sub(start)}, nil
	})
}
