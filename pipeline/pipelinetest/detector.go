package pipelinetest

import (
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Span is a stretch of a ScriptedDetector's script: Prob for Dur of audio.
type Span struct {
	// Prob is the speech probability returned for every frame of the span.
	Prob float32
	// Dur is how long the span lasts.
	Dur time.Duration
}

// SpeechSpan returns a span of speech (probability 1) lasting d.
func SpeechSpan(d time.Duration) Span { return Span{Prob: 1, Dur: d} }

// SilenceSpan returns a span of silence (probability 0) lasting d.
func SilenceSpan(d time.Duration) Span { return Span{Prob: 0, Dur: d} }

// ScriptedDetector is a vad.Detector that returns speech probabilities from
// a script, whatever the audio: the probability of the span the frame's
// start falls in, and 0 after the script. Process does not allocate. It is
// not safe for concurrent use (nor is any Detector); Frames and Closed may be
// read from any goroutine.
type ScriptedDetector struct {
	spans  []Span
	pos    time.Duration
	frames atomic.Int64
	closed atomic.Bool
}

// NewScriptedDetector returns a detector that plays spans in order.
func NewScriptedDetector(spans ...Span) *ScriptedDetector {
	return &ScriptedDetector{spans: append([]Span(nil), spans...)}
}

// Process returns the scripted probability for f's position in the stream.
func (d *ScriptedDetector) Process(f audio.Frame) (float32, error) {
	at := d.pos
	d.pos += f.Duration()
	d.frames.Add(1)
	for _, s := range d.spans {
		if at < s.Dur {
			return s.Prob, nil
		}
		at -= s.Dur
	}
	return 0, nil
}

// Reset restarts the script.
func (d *ScriptedDetector) Reset() { d.pos = 0 }

// Close marks the detector closed.
func (d *ScriptedDetector) Close() error { d.closed.Store(true); return nil }

// Frames returns how many frames were processed.
func (d *ScriptedDetector) Frames() int { return int(d.frames.Load()) }

// Closed reports whether Close was called.
func (d *ScriptedDetector) Closed() bool { return d.closed.Load() }

// EnergyDetector is a vad.Detector that calls a frame speech (probability 1)
// when its mean absolute amplitude reaches Threshold, and silence otherwise:
// exact on the tone-and-silence audio of a Script. Process does not
// allocate.
type EnergyDetector struct {
	// Threshold is the mean absolute amplitude of speech; 0 means 500.
	Threshold int
	frames    atomic.Int64
	closed    atomic.Bool
}

// Process scores f by its mean absolute amplitude.
func (d *EnergyDetector) Process(f audio.Frame) (float32, error) {
	d.frames.Add(1)
	if len(f.Samples) > 0 && meanAbs(f.Samples) >= d.threshold() {
		return 1, nil
	}
	return 0, nil
}

func (d *EnergyDetector) threshold() int {
	if d.Threshold <= 0 {
		return 500
	}
	return d.Threshold
}

// Reset does nothing: the detector has no state.
func (d *EnergyDetector) Reset() {}

// Close marks the detector closed.
func (d *EnergyDetector) Close() error { d.closed.Store(true); return nil }

// Frames returns how many frames were processed.
func (d *EnergyDetector) Frames() int { return int(d.frames.Load()) }

// Closed reports whether Close was called.
func (d *EnergyDetector) Closed() bool { return d.closed.Load() }

func meanAbs(s []int16) int {
	if len(s) == 0 {
		return 0
	}
	var sum int
	for _, v := range s {
		if v < 0 {
			sum -= int(v)
		} else {
			sum += int(v)
		}
	}
	return sum / len(s)
}
