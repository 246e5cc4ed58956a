package sip

import (
	"errors"
	"fmt"
)

// Sentinel errors of the package, returned wrapped with details (test with
// errors.Is). Calls also end with the bridge package's errors
// (bridge.ErrMediaTimeout) and controls on ended calls return
// bridge.ErrCallEnded.
var (
	// ErrInvalidConfig means a Config field or an Option argument is out
	// of range; the message names the field as it appears in parley.yaml
	// (sip.udp) or the option.
	ErrInvalidConfig = errors.New("sip: invalid configuration")
	// ErrClosed means the Server was used after Close or Shutdown.
	ErrClosed = errors.New("sip: server closed")
	// ErrAlreadyServing means Serve was called while the Server was
	// already serving; call it once.
	ErrAlreadyServing = errors.New("sip: server already serving")
	// ErrBadTarget means a Dial or Transfer target that is not a SIP URI
	// (sip:user@host[:port]), a tel: URI or a phone number.
	ErrBadTarget = errors.New("sip: bad target")
	// ErrCallFailed means an outbound call was refused or not answered;
	// the *StatusError that wraps it carries the far end's status.
	ErrCallFailed = errors.New("sip: call failed")
	// ErrTransferFailed means the far end refused a REFER or reported that
	// the transferred call failed; the call goes on.
	ErrTransferFailed = errors.New("sip: transfer failed")
	// ErrSessionExpired ends a call whose session timer (RFC 4028) ran out
	// without a refresh: the far end or the path to it is gone.
	ErrSessionExpired = errors.New("sip: session timer expired")
	// ErrNoACK ends an answered call whose 200 OK was never acknowledged
	// (RFC 3261 section 13.3.1.4): the caller did not get the answer.
	ErrNoACK = errors.New("sip: no ACK for the 200 OK")
	// ErrNotAnswered means a control that needs an answered call
	// (SendDTMF, Transfer) on a call that still rings.
	ErrNotAnswered = errors.New("sip: call not answered yet")
	// ErrBadDigits means SendDTMF was given a character that is not a
	// keypad digit (0-9, *, #, A-D).
	ErrBadDigits = errors.New("sip: not a keypad digit")
	// ErrBadAnswer ends a call whose SDP answer (in a 200 OK or an ACK)
	// could not be used; the far end's media is incompatible.
	ErrBadAnswer = errors.New("sip: unusable SDP answer")
)

// errNotDTMF marks an INFO body of a type that carries no keypad digit
// (answered 415 with Accept).
var errNotDTMF = errors.New("INFO body is not application/dtmf-relay or application/dtmf")

// StatusError is a final SIP response that refused a request this package
// sent: an outbound INVITE (it wraps ErrCallFailed) or a REFER (it wraps
// ErrTransferFailed).
type StatusError struct {
	// Method is the refused request's method (INVITE, REFER).
	Method string
	// Code and Reason are the response's status line, e.g. 486 "Busy Here".
	Code   int
	Reason string
	// err is the sentinel the error wraps.
	err error
}

// Error says which request was refused and how.
func (e *StatusError) Error() string {
	return fmt.Sprintf("%v: %s answered %d %s", e.err, e.Method, e.Code, e.Reason)
}

// Unwrap returns the sentinel (ErrCallFailed or ErrTransferFailed).
func (e *StatusError) Unwrap() error { return e.err }
