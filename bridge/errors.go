package bridge

import "errors"

// Sentinel errors of the bridge contract (wrapped, test with errors.Is).
var (
	// ErrBusy refuses a call because the server is at its call limit or
	// shutting down; the caller should retry later or elsewhere.
	ErrBusy = errors.New("bridge: busy")
	// ErrRejected refuses a call that is not allowed (unknown number,
	// failed authentication, a disabled channel).
	ErrRejected = errors.New("bridge: call rejected")
	// ErrUnsupported means the call's transport cannot do what was asked
	// (a transfer over WebRTC, DTMF to a media WebSocket).
	ErrUnsupported = errors.New("bridge: not supported by this transport")
	// ErrMediaTimeout ends a call whose far end sent no audio for longer
	// than the transport's media timeout (a dead phone, a lost network).
	ErrMediaTimeout = errors.New("bridge: no media from the far end")
	// ErrCallEnded means a control (Transfer, SendDTMF) on a call that has
	// already ended.
	ErrCallEnded = errors.New("bridge: call ended")
)
