package pipeline

import "errors"

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
var (
	// ErrClosed means the session was closed (or its context ended); start
	// a new session for a new call.
	ErrClosed = errors.New("pipeline: session closed")
	// ErrInvalidConfig means a configuration value or option out of range;
	// the message names the field and the accepted range.
	ErrInvalidConfig = errors.New("pipeline: invalid configuration")
	// ErrMissingEngine means a session was created without an engine it
	// needs: pass WithDetector and WithRecognizer always, and
	// WithSynthesizer whenever WithAgent is given.
	ErrMissingEngine = errors.New("pipeline: missing engine")
	// ErrBadFrame means a frame that is not at audio.PipelineRate or not a
	// whole number of milliseconds up to MaxFrameDuration; resample and
	// split frames at the transport edge.
	ErrBadFrame = errors.New("pipeline: bad frame")
	// ErrBadChunk means a synthesizer wrote a chunk at the wrong sample
	// rate or with text offsets outside the request's text or going
	// backwards; fix the synthesizer adapter.
	ErrBadChunk = errors.New("pipeline: bad speech chunk")
	// ErrBusy means the session's command queue is full; retry after the
	// session has caught up.
	ErrBusy = errors.New("pipeline: session busy")
	// ErrAgentTimeout is the cancellation cause of an agent that did not
	// produce its first response within Config.AgentTimeout.
	ErrAgentTimeout = errors.New("pipeline: agent did not answer in time")
	// ErrTurnEnded means a write for a bot turn that has already ended or
	// was cancelled.
	ErrTurnEnded = errors.New("pipeline: bot turn ended")
	// ErrBotDisabled means Say or Reply on a session whose bot is disabled
	// (see Session.SetBotEnabled) or that has no agent or synthesizer.
	ErrBotDisabled = errors.New("pipeline: bot disabled")
	// ErrBadDigit means PushDTMF was given a character that is not a
	// keypad digit; transports map RFC 4733 events 0-15 to "0-9*#A-D".
	ErrBadDigit = errors.New("pipeline: not a keypad digit")
)
