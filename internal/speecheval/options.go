package speecheval

import (
	"fmt"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
)

// Option adjusts an evaluation (EvalStream, EvalTranscriber,
// MeasureSynthesizer); each documents the options it reads. An option out
// of range makes the evaluation fail with ErrInvalidOption.
type Option func(*options) error

type options struct {
	band        Band
	streamRate  int // 0: the band's
	realTime    bool
	concurrency int
	newVAD      func() (vad.Detector, error) // nil: the known speech span
	seg         vad.SegmenterConfig
	clock       pipeline.Clock
}

func buildOptions(opts []Option) (*options, error) {
	o := &options{
		band:        Wideband,
		concurrency: 1,
		newVAD:      func() (vad.Detector, error) { return vad.NewEnergy(), nil },
		seg:         vad.DefaultSegmenterConfig(),
		clock:       pipeline.SystemClock(),
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// WithBand sets the band the clips are recognized in (default Wideband).
func WithBand(b Band) Option {
	return func(o *options) error {
		if b != Wideband && b != Telephone {
			return fmt.Errorf("%w: band %d, want Wideband or Telephone", ErrInvalidOption, b)
		}
		o.band = b
		return nil
	}
}

// WithStreamRate makes EvalStream open its streams at rate Hz (8000,
// 16000, 24000 or 48000) and write the band's audio converted to it with
// the pipeline's resampler, as a transport does: a session opens its
// recognition streams at 16 kHz whatever the caller's codec, so telephone
// audio reaches them upsampled. 0 (the default) opens them at the band's
// rate.
func WithStreamRate(rate int) Option {
	return func(o *options) error {
		if rate != 0 && !audio.SupportedRate(rate) {
			return fmt.Errorf("%w: stream rate %d Hz, want 8000, 16000, 24000 or 48000", ErrInvalidOption, rate)
		}
		o.streamRate = rate
		return nil
	}
}

// WithRealTime paces the frames of each clip in real time, one 20 ms frame
// per tick of the clock, as a call delivers them; EvalStream then measures
// the final results' latency. Off (the default), frames are written as
// fast as the stream takes them, which measures accuracy and CPU in a
// fraction of the audio's duration: give the recognizer a backlog longer
// than the longest clip, so that it drops no audio.
func WithRealTime(on bool) Option {
	return func(o *options) error {
		o.realTime = on
		return nil
	}
}

// WithConcurrency sets how many clips are evaluated at once, each on its
// own stream (a call of its own), in [1, 256]. Default 1.
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 256 {
			return fmt.Errorf("%w: concurrency %d, want [1, 256]", ErrInvalidOption, n)
		}
		o.concurrency = n
		return nil
	}
}

// WithVAD sets the voice activity that EvalStream hands a
// pipeline.VoiceWriter stream with each frame, as a session does: newVAD
// builds one detector per clip (it scores 16 kHz frames; telephone audio
// is upsampled for it, as the session's transport does) and cfg segments
// its scores. A nil newVAD uses the clip's known speech span instead,
// reported late by cfg.MinSpeech at the start and cfg.MinSilence at the
// end, as a segmenter would. The default is package vad's energy detector
// with vad.DefaultSegmenterConfig, the session's defaults.
func WithVAD(newVAD func() (vad.Detector, error), cfg vad.SegmenterConfig) Option {
	return func(o *options) error {
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidOption, err)
		}
		o.newVAD, o.seg = newVAD, cfg
		return nil
	}
}

// WithClock sets the clock that paces real-time evaluations and times
// results (default the system clock). A nil clock is an error.
func WithClock(c pipeline.Clock) Option {
	return func(o *options) error {
		if c == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalidOption)
		}
		o.clock = c
		return nil
	}
}

// frameDuration is the frame the evaluations write: the pipeline's.
const frameDuration = 20 * time.Millisecond
