package webrtc

import "errors"

// Sentinel errors of the WHIP transport (wrapped; test with errors.Is).
var (
	// ErrInvalidConfig means a Config field is out of range; the message
	// names the field as it appears in parley.yaml (webrtc.x) and the
	// accepted values.
	ErrInvalidConfig = errors.New("webrtc: invalid configuration")
	// ErrInvalidOption means a functional option was given a value New
	// cannot use (a nil logger, a relative base path); the message names
	// the option.
	ErrInvalidOption = errors.New("webrtc: invalid option")
	// ErrBadOffer means a WHIP POST whose body is not an SDP offer this
	// server can answer: unparsable SDP, no Opus audio, or audio the
	// browser does not send. It is answered with HTTP 400 and the reason.
	ErrBadOffer = errors.New("webrtc: bad SDP offer")
	// ErrClosed means the WHIP endpoint was closed (the server is
	// shutting down); new calls are refused with HTTP 503.
	ErrClosed = errors.New("webrtc: WHIP endpoint closed")
	// ErrBadDigit means a keypad message on the "dtmf" data channel that
	// holds something other than 1 to 32 keypad characters (0-9, *, #,
	// A-D); the message is ignored.
	ErrBadDigit = errors.New("webrtc: not a keypad digit")
)
