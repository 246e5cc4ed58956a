package vad

import (
	"context"
	"fmt"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// SegmenterConfig tunes the Segmenter. Start from DefaultSegmenterConfig.
type SegmenterConfig struct {
	// OnsetThreshold is the probability at or above which speech may start,
	// in (0, 1]. Default 0.5.
	OnsetThreshold float32 `yaml:"onset_threshold"`
	// OffsetThreshold is the probability below which speech may end, in
	// (0, OnsetThreshold]; the gap between the two is the hysteresis that
	// keeps a wavering probability from flapping. Default 0.35.
	OffsetThreshold float32 `yaml:"offset_threshold"`
	// MinSpeech is how long the probability must stay at or above
	// OffsetThreshold, from a frame at or above OnsetThreshold, before
	// speech is declared: longer rejects more clicks and coughs, and delays
	// every onset by as much. Default 100ms.
	MinSpeech time.Duration `yaml:"min_speech"`
	// MinSilence is how long the probability must stay below
	// OnsetThreshold, from a frame below OffsetThreshold, before the end of
	// speech is declared: longer bridges pauses between words and delays
	// every end by as much. Default 300ms.
	MinSilence time.Duration `yaml:"min_silence"`
	// SpeechPad widens every segment by this much on both sides (a start is
	// never moved before the previous end nor before the stream began), so
	// that soft onsets and endings are kept. Default 60ms.
	SpeechPad time.Duration `yaml:"speech_pad"`
}

// DefaultSegmenterConfig returns the defaults documented on SegmenterConfig.
func DefaultSegmenterConfig() SegmenterConfig {
	return SegmenterConfig{
		OnsetThreshold:  0.5,
		OffsetThreshold: 0.35,
		MinSpeech:       100 * time.Millisecond,
		MinSilence:      300 * time.Millisecond,
		SpeechPad:       60 * time.Millisecond,
	}
}

// Validate reports a value out of range, wrapped in ErrInvalidConfig.
func (c SegmenterConfig) Validate() error {
	switch {
	case !(c.OnsetThreshold > 0 && c.OnsetThreshold <= 1):
		return fmt.Errorf("%w: segmenter.onset_threshold %v must be in (0, 1]", ErrInvalidConfig, c.OnsetThreshold)
	case !(c.OffsetThreshold > 0 && c.OffsetThreshold <= c.OnsetThreshold):
		return fmt.Errorf("%w: segmenter.offset_threshold %v must be in (0, onset_threshold %v]",
			ErrInvalidConfig, c.OffsetThreshold, c.OnsetThreshold)
	case c.MinSpeech < 0 || c.MinSilence < 0 || c.SpeechPad < 0:
		return fmt.Errorf("%w: segmenter durations must not be negative (min_speech %v, min_silence %v, speech_pad %v)",
			ErrInvalidConfig, c.MinSpeech, c.MinSilence, c.SpeechPad)
	}
	return nil
}

// EventKind says what a Segmenter decided on a frame.
type EventKind uint8

// Event kinds.
const (
	// NoEvent means the state did not change.
	NoEvent EventKind = iota
	// SpeechStart means speech was declared; Event.At is where it began.
	SpeechStart
	// SpeechEnd means the end of speech was declared; Event.At is where it
	// ended.
	SpeechEnd
)

func (k EventKind) String() string {
	switch k {
	case SpeechStart:
		return "speech_start"
	case SpeechEnd:
		return "speech_end"
	}
	return "none"
}

// Event is a Segmenter decision.
type Event struct {
	Kind EventKind
	// At is the stream time the event refers to, padded by SpeechPad: for
	// SpeechStart it lies MinSpeech+SpeechPad or more before the frame that
	// declared it (keep that much audio buffered to transcribe from the true
	// start); for SpeechEnd it lies between MinSilence and
	// MinSilence-SpeechPad before it.
	At time.Duration
}

// Segment is one stretch of speech, in stream time.
type Segment struct {
	Start, End time.Duration
}

type segState uint8

const (
	stSilence segState = iota
	stMaybeSpeech
	stSpeech
	stMaybeSilence
)

// Segmenter turns per-frame speech probabilities into speech start and end
// decisions with hysteresis, minimum durations and padding. Its clock is the
// sum of the frame durations pushed (no wall clock), so it runs the same live
// and on files. Push allocates nothing. A Segmenter is not safe for
// concurrent use.
type Segmenter struct {
	cfg      SegmenterConfig
	state    segState
	now      time.Duration // end of the last frame pushed
	candAt   time.Duration // start of the pending speech or silence
	lastEnd  time.Duration // end of the last declared segment
	hasEnded bool
}

// NewSegmenter returns a Segmenter; cfg must pass Validate.
func NewSegmenter(cfg SegmenterConfig) (*Segmenter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Segmenter{cfg: cfg}, nil
}

// Push advances the clock by one frame of duration d scored p, and returns
// the decision it led to (Kind NoEvent most of the time).
func (s *Segmenter) Push(p float32, d time.Duration) Event {
	start := s.now
	s.now += d
	c := &s.cfg
	switch s.state {
	case stSilence:
		if p < c.OnsetThreshold {
			return Event{}
		}
		s.state, s.candAt = stMaybeSpeech, start
		return s.confirmSpeech()
	case stMaybeSpeech:
		if p < c.OffsetThreshold {
			s.state = stSilence
			return Event{}
		}
		return s.confirmSpeech()
	case stSpeech:
		if p >= c.OffsetThreshold {
			return Event{}
		}
		s.state, s.candAt = stMaybeSilence, start
		return s.confirmSilence()
	default: // stMaybeSilence
		if p >= c.OnsetThreshold {
			s.state = stSpeech
			return Event{}
		}
		return s.confirmSilence()
	}
}

func (s *Segmenter) confirmSpeech() Event {
	if s.now-s.candAt < s.cfg.MinSpeech {
		return Event{}
	}
	s.state = stSpeech
	at := max(s.candAt-s.cfg.SpeechPad, 0)
	if s.hasEnded {
		at = max(at, s.lastEnd)
	}
	return Event{Kind: SpeechStart, At: at}
}

func (s *Segmenter) confirmSilence() Event {
	if s.now-s.candAt < s.cfg.MinSilence {
		return Event{}
	}
	return s.end(min(s.candAt+s.cfg.SpeechPad, s.now))
}

func (s *Segmenter) end(at time.Duration) Event {
	s.state = stSilence
	s.lastEnd, s.hasEnded = at, true
	return Event{Kind: SpeechEnd, At: at}
}

// Flush ends the stream: if speech is in progress it returns its SpeechEnd
// (at the pending silence plus SpeechPad, or now); otherwise NoEvent. The
// Segmenter is then in silence and may continue.
func (s *Segmenter) Flush() Event {
	switch s.state {
	case stSpeech:
		return s.end(s.now)
	case stMaybeSilence:
		return s.end(min(s.candAt+s.cfg.SpeechPad, s.now))
	}
	s.state = stSilence
	return Event{}
}

// InSpeech reports whether speech has been declared and not yet ended.
func (s *Segmenter) InSpeech() bool { return s.state == stSpeech || s.state == stMaybeSilence }

// Now returns the stream time: the total duration pushed since the last
// Reset.
func (s *Segmenter) Now() time.Duration { return s.now }

// Reset returns the Segmenter to silence at time zero.
func (s *Segmenter) Reset() { *s = Segmenter{cfg: s.cfg} }

// collector gathers a Segmenter's events into segments.
type collector struct {
	start time.Duration
	out   []Segment
}

func (c *collector) add(ev Event) {
	switch ev.Kind {
	case SpeechStart:
		c.start = ev.At
	case SpeechEnd:
		c.out = append(c.out, Segment{Start: c.start, End: ev.At})
	}
}

// SegmentProbabilities runs a Segmenter over probs, one per frame of
// duration frame, and returns the segments (the last one ended by Flush).
func SegmentProbabilities(probs []float32, frame time.Duration, cfg SegmenterConfig) ([]Segment, error) {
	s, err := NewSegmenter(cfg)
	if err != nil {
		return nil, err
	}
	var c collector
	for _, p := range probs {
		c.add(s.Push(p, frame))
	}
	c.add(s.Flush())
	return c.out, nil
}

// DetectSegments scores pcm (16 kHz mono) with d in 20 ms frames and returns
// its speech segments. A trailing part shorter than a millisecond is
// ignored. d is Reset first and left at the end of pcm. It checks ctx every
// second of audio and returns ctx.Err() once it is done.
func DetectSegments(ctx context.Context, d Detector, pcm []int16, cfg SegmenterConfig) ([]Segment, error) {
	s, err := NewSegmenter(cfg)
	if err != nil {
		return nil, err
	}
	d.Reset()
	frame := audio.SamplesFor(audio.PipelineRate, audio.FrameDuration)
	perMS := audio.PipelineRate / 1000
	var c collector
	for off := 0; off+perMS <= len(pcm); off += frame {
		if off%audio.PipelineRate == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		n := min(frame, (len(pcm)-off)/perMS*perMS)
		f := audio.Frame{Rate: audio.PipelineRate, Samples: pcm[off : off+n]}
		p, err := d.Process(f)
		if err != nil {
			return nil, fmt.Errorf("frame at %v: %w", time.Duration(off)*time.Second/audio.PipelineRate, err)
		}
		c.add(s.Push(p, f.Duration()))
	}
	c.add(s.Flush())
	return c.out, nil
}
