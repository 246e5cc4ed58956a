package vad

import "errors"

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
var (
	// ErrModelNotFound means the Silero VAD model file is not at any of the
	// paths searched. The message names them; `make deps` installs the model
	// at models/silero_vad_v5.onnx.
	ErrModelNotFound = errors.New("vad: silero model file not found")
	// ErrRuntimeUnavailable means the ONNX Runtime shared library (shipped in
	// the github.com/k2-fsa/sherpa-onnx-go-linux module) could not be loaded.
	ErrRuntimeUnavailable = errors.New("vad: onnx runtime unavailable")
	// ErrBadModel means the model file loaded but is not a Silero VAD v5
	// model (wrong inputs or outputs, or it fails a trial inference).
	ErrBadModel = errors.New("vad: not a silero vad v5 model")
	// ErrInference means ONNX Runtime failed while scoring a window.
	ErrInference = errors.New("vad: inference failed")
	// ErrBadFrame means a frame that is not 16 kHz mono PCM16 of a whole
	// number of milliseconds.
	ErrBadFrame = errors.New("vad: frame must be 16 kHz and a whole number of milliseconds")
	// ErrClosed means the Detector, Model or Factory was already closed.
	ErrClosed = errors.New("vad: closed")
	// ErrUnknownDetector means a detector name other than silero, gated or
	// energy.
	ErrUnknownDetector = errors.New("vad: unknown detector (want silero, gated or energy)")
	// ErrInvalidConfig means a configuration value or option out of range;
	// the message names the field and the accepted range.
	ErrInvalidConfig = errors.New("vad: invalid configuration")
)
