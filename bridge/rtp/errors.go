package rtp

import "errors"

// Sentinel errors of the package, returned wrapped with details (test with
// errors.Is). The wrapping message says what was wrong and what to do.
var (
	// ErrInvalidConfig means a Config field or an Option argument is out
	// of range; the message names the field as it appears in parley.yaml
	// (rtp.port_min) or the option.
	ErrInvalidConfig = errors.New("rtp: invalid configuration")
	// ErrNoPorts means every RTP port pair of the configured range is in
	// use (or held by another process). It maps to SIP 503: the caller
	// should retry later; the operator should widen rtp.port_min ..
	// rtp.port_max or lower the call limit.
	ErrNoPorts = errors.New("rtp: no free RTP port")
	// ErrBadSDP means an SDP body that cannot be parsed. It maps to SIP
	// 400 Bad Request.
	ErrBadSDP = errors.New("rtp: malformed SDP")
	// ErrNoCodec means an SDP offer or answer with no acceptable audio
	// stream: no codec in common, only secure or unsupported transports
	// (RTP/SAVP, WebRTC), or an address this host cannot send to. It maps
	// to SIP 488 Not Acceptable Here.
	ErrNoCodec = errors.New("rtp: no acceptable audio codec")
	// ErrState means a call made in the wrong state: Start before the
	// media was negotiated, Start twice, SetAnswer without an Offer.
	ErrState = errors.New("rtp: wrong session state")
	// ErrClosed means the Session was used after Close (or after its
	// media ended).
	ErrClosed = errors.New("rtp: session closed")
	// ErrBadDigit means SendDTMF was given a character that is not a
	// keypad digit (0-9, *, #, A-D).
	ErrBadDigit = errors.New("rtp: not a keypad digit")
	// ErrDTMFQueueFull means SendDTMF was given more digits than the
	// bounded send queue holds (MaxPendingDTMF); send fewer at a time.
	ErrDTMFQueueFull = errors.New("rtp: too many DTMF digits queued")
)
