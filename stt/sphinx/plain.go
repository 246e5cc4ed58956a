package sphinx

import (
	"fmt"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
)

// plainSegmenter finds speech for streams written with Write (no session
// voice activity): the energy detector of package vad scores each 20 ms
// frame and a vad.Segmenter with the settings below turns the scores into
// the speaking state WriteVoice would have received. The energy detector
// needs no model and costs a few microseconds per frame; it learns the
// noise floor over the first 200 ms, so audio should not start with speech
// at its very first frame (files from a phone line or a recorder do not).
type plainSegmenter struct {
	det   *vad.Energy
	seg   *vad.Segmenter
	pad   time.Duration
	frame []int16 // the 20 ms frame being filled
	prob  float32 // the last frame's score
}

// plainSegmenterConfig is the segmentation of plain writes: the vad
// defaults, with a longer minimum silence so that pauses inside a
// sentence do not split it, and more padding for soft word endings.
func plainSegmenterConfig() vad.SegmenterConfig {
	c := vad.DefaultSegmenterConfig()
	c.MinSilence = 500 * time.Millisecond
	c.SpeechPad = 200 * time.Millisecond
	return c
}

func newPlainSegmenter() (*plainSegmenter, error) {
	seg, err := vad.NewSegmenter(plainSegmenterConfig())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	n := audio.SamplesFor(16000, audio.FrameDuration)
	return &plainSegmenter{det: vad.NewEnergy(), seg: seg, pad: plainSegmenterConfig().SpeechPad,
		frame: make([]int16, 0, n)}, nil
}

// write scores samples (16 kHz) in 20 ms frames and hands each frame with
// its speaking state to voice.
func (p *plainSegmenter) write(samples []int16, voice func([]int16, pipeline.Voice)) {
	for len(samples) > 0 {
		k := min(len(samples), cap(p.frame)-len(p.frame))
		p.frame = append(p.frame, samples[:k]...)
		samples = samples[k:]
		if len(p.frame) < cap(p.frame) {
			return
		}
		prob, err := p.det.Process(audio.Frame{Rate: 16000, Samples: p.frame})
		if err != nil {
			prob = 0 // cannot happen with whole 20 ms frames; treat as silence
		}
		p.seg.Push(prob, audio.FrameDuration)
		p.prob = prob
		voice(p.frame, pipeline.Voice{Prob: prob, Speaking: p.seg.InSpeech(), Pad: p.pad})
		p.frame = p.frame[:0]
	}
}

// flush hands over the last partial frame, with the current state.
func (p *plainSegmenter) flush(voice func([]int16, pipeline.Voice)) {
	if len(p.frame) > 0 {
		voice(p.frame, pipeline.Voice{Prob: p.prob, Speaking: p.seg.InSpeech(), Pad: p.pad})
		p.frame = p.frame[:0]
	}
}
