// Package vad detects voice activity in 16 kHz mono PCM16 audio.
//
// A Detector scores frames one at a time with a speech probability; a
// Segmenter turns those probabilities into speech start and end events with
// hysteresis, minimum durations and padding. Three detectors are provided,
// built per call by a Factory from the YAML-facing Config:
//
//   - Silero runs Silero VAD v5 (the model file of the npm package
//     @ricky0123/vad-web) on every 32 ms window.
//   - Energy is a pure-Go statistical detector (per-bin likelihood ratios
//     over an adaptive noise floor, with tone and stationarity rejection):
//     the fallback when Silero is unavailable, and the cheap stage of Gate.
//   - Gate runs Energy on every frame and Silero only around possible speech
//     (the default): Silero's accuracy, at about a tenth of its CPU on idle
//     lines.
//
// # How Silero is run
//
// The model runs on the ONNX Runtime shared library (1.17) that the
// github.com/k2-fsa/sherpa-onnx-go-linux module ships and links, called
// through its C API (ort.go), rather than through sherpa-onnx's
// VoiceActivityDetector. That detector only reports a boolean per window
// after its own state machine (the first window over the threshold never
// counts, and zero minimum durations are replaced by 0.25 s and 0.5 s
// defaults), holds a whole ONNX Runtime session per stream (about 10 MB, and
// 200 ms to create), and copies the current speech segment on every call.
// Calling the runtime directly gives the model's probability for every
// window with no added delay, one session shared by all streams (a stream
// costs a few kilobytes of recurrent state), and no allocation per frame.
// A test checks that both paths reach the same decisions window for window.
//
// Two things make a window cheap (see silero_graph.go and silero_batch.go):
//
//   - The published graph holds the 8 kHz and 16 kHz networks behind
//     control flow that costs ONNX Runtime about 200 µs per window. At load
//     the 16 kHz network is rebuilt on the same weights (its STFT as an FFT
//     in C, the rest as a flat graph of matrix products), checked against
//     the published graph on a test signal, and used instead: about 75 µs
//     for a window alone.
//   - The windows that streams submit while an inference is running are
//     scored together in the next one (group commit, no timers): about
//     20-25 µs per window in batches of 16 or more, with no added delay for
//     a stream that is alone.
//
// Detectors are not safe for concurrent use: each call owns its own. Models
// and factories are.
package vad

import "github.com/parley-voice/parley/pipeline/audio"

// Detector scores successive frames of one audio stream.
//
// A Detector holds per-stream state (noise floor, recurrent model state), so
// each call needs its own; a Detector is not safe for concurrent use.
type Detector interface {
	// Process consumes the next frame (16 kHz mono, any whole number of
	// milliseconds; 20 ms on the call path) and returns the probability in
	// [0, 1] that it holds speech. Process must not allocate in steady state.
	Process(f audio.Frame) (float32, error)
	// Reset forgets the stream so the Detector can score a new one.
	Reset()
	// Close releases the Detector's resources. It is idempotent.
	Close() error
}
