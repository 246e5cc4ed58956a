package ws

import "errors"

// Sentinel errors of this package (wrapped; test with errors.Is). A call
// ended by one of them reports it from Call.Err.
var (
	// ErrInvalidConfig means a Config field is out of range; the message
	// names the field as it appears in parley.yaml (twilio.x) and the
	// accepted values.
	ErrInvalidConfig = errors.New("ws: invalid configuration")
	// ErrInvalidOption means a functional option was given an unusable
	// value (a nil logger, pacer or clock).
	ErrInvalidOption = errors.New("ws: invalid option")
	// ErrMalformedMessage means a text message that is not valid JSON.
	ErrMalformedMessage = errors.New("ws: malformed JSON message")
	// ErrBadMessage means a JSON message that is not a usable Twilio Media
	// Streams message: a missing event, a member of the wrong type, a
	// binary frame, media before start, base64 garbage, an unknown keypad
	// digit.
	ErrBadMessage = errors.New("ws: bad Media Streams message")
	// ErrTooManyErrors ends a call after more bad messages than
	// twilio.max_bad_messages; the stream does not speak the Media
	// Streams protocol (check the TwiML <Stream> url points at the right
	// server).
	ErrTooManyErrors = errors.New("ws: too many bad messages")
	// ErrUnsupportedFormat ends a call whose start message announces audio
	// other than audio/x-mulaw at 8000 Hz mono, the only format Twilio
	// streams and this transport decodes.
	ErrUnsupportedFormat = errors.New("ws: unsupported media format (want audio/x-mulaw, 8000 Hz, mono)")
	// ErrStartTimeout ends a stream that sent no start message within
	// twilio.start_timeout of connecting.
	ErrStartTimeout = errors.New("ws: no start message")
	// ErrMessageTooBig ends a stream that sent a message larger than
	// twilio.max_message_size (the peer was sent close code 1009).
	ErrMessageTooBig = errors.New("ws: message too big")
	// ErrConnectionLost ends a call whose WebSocket broke without a close
	// handshake (a reset, a failed or timed-out write).
	ErrConnectionLost = errors.New("ws: connection lost")
	// ErrPeerClosed ends a call the far end closed with an error code
	// (anything but 1000 normal closure, 1001 going away or no code); the
	// message carries the code and reason.
	ErrPeerClosed = errors.New("ws: closed by the far end with an error")
	// ErrBadSignature refuses (HTTP 403) an upgrade request whose
	// X-Twilio-Signature is missing or does not match twilio.auth_token
	// and twilio.public_url.
	ErrBadSignature = errors.New("ws: missing or invalid X-Twilio-Signature")
	// ErrClosed means the Twilio transport was closed: new streams get
	// HTTP 503 and running calls end with it.
	ErrClosed = errors.New("ws: transport closed")
)
