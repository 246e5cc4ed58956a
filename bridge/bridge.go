// Package bridge is how calls get in and out of Parley: the contract
// between the transports (bridge/sip, bridge/webrtc, bridge/ws) and the
// server that runs a pipeline.Session for each call.
//
// A transport owns the network side of a call: signalling, codecs, jitter
// buffering, resampling and pacing. When a call arrives it asks the
// server's Handler for an Endpoint, then pushes the caller's audio to it
// as 20 ms frames at audio.PipelineRate and pulls the bot's audio from it
// once per 20 ms tick of a shared audio.Pacer. The server controls the
// call through the Call the transport gave it: hang up, transfer, send
// keypad digits, flush buffered bot audio after a barge-in.
//
//	transport                          server
//	---------                          ------
//	call arrives  -- Accept(ctx, Call) -->  builds a session
//	              <-- Endpoint ----------
//	caller frame  -- PushAudio --------->
//	keypad digit  -- PushDTMF ---------->
//	pacer tick    -- NextFrame --------->   bot audio or silence
//	              <-- Flush / Hangup / Transfer / SendDTMF
//	call over     -- Done() closed ----->   closes the session, stores the record
package bridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Channel names, as they appear in call records (Info.Channel).
const (
	// ChannelSIP is a call over SIP and RTP (bridge/sip).
	ChannelSIP = "sip"
	// ChannelWebRTC is a browser call over WebRTC (bridge/webrtc).
	ChannelWebRTC = "webrtc"
	// ChannelTwilio is a call streamed over a WebSocket in the Twilio
	// Media Streams protocol (bridge/ws).
	ChannelTwilio = "twilio"
)

// Directions of a call (Info.Direction).
const (
	// Inbound is a call the caller placed to Parley.
	Inbound = "inbound"
	// Outbound is a call Parley placed.
	Outbound = "outbound"
)

// Info describes a call as its transport knows it. Transports fill it
// before calling Handler.Accept and do not change it afterwards.
type Info struct {
	// ID identifies the call in records, logs and URLs. Transports set it
	// with NewID; it never comes from the network (a SIP Call-ID or a
	// Twilio CallSid goes in Params).
	ID string
	// Channel is one of the Channel constants.
	Channel string
	// Direction is Inbound or Outbound.
	Direction string
	// From and To are the parties as the transport names them: SIP URIs
	// (sip:alice@example.com), phone numbers, or empty when the transport
	// has none (a browser).
	From, To string
	// Remote is the far end's network address (host:port) for logs.
	Remote string
	// Codec is the negotiated audio codec as "name/rate", for example
	// "PCMU/8000" or "opus/48000".
	Codec string
	// Started is when the call was accepted, on the transport's clock.
	Started time.Time
	// Params holds transport details worth keeping with the record: the
	// SIP Call-ID ("sip_call_id") and X- headers, the Twilio "call_sid",
	// "stream_sid" and customParameters. Keys are lower case. The map is
	// the transport's; readers must not modify it.
	Params map[string]string
}

// Endpoint is the engine side of one call, which the transport feeds and
// drains. A *pipeline.Session is an Endpoint. All methods are safe for
// concurrent use and never block on the network or the engines.
type Endpoint interface {
	// PushAudio hands over the caller's next frame: audio.PipelineRate
	// (16 kHz), normally 20 ms. It copies the samples. The transport
	// decodes and resamples before calling it, and keeps calling it with
	// silence (or concealment) when packets are lost, so that the
	// endpoint's clock keeps running.
	PushAudio(f audio.Frame) error
	// PushDTMF hands over one keypad digit the caller pressed ('0'-'9',
	// '*', '#', 'A'-'D'), once per key press (at the end of an RFC 4733
	// event, a SIP INFO, a Twilio dtmf message).
	PushDTMF(digit byte) error
	// NextFrame fills dst (samples at audio.PipelineRate, normally 20 ms)
	// with the bot's next audio and reports whether it is bot audio;
	// when it is false dst holds silence. The transport calls it once per
	// pacer tick and sends the result (or comfort noise, or nothing).
	NextFrame(dst []int16) bool
}

// Call is the transport side of one call, which the server controls.
// All methods are safe for concurrent use.
type Call interface {
	// Info describes the call. It is the same value for the whole call.
	Info() Info
	// Hangup ends the call: a SIP BYE (or a final response before the
	// call is answered), closing the WebRTC peer connection, closing the
	// media WebSocket. reason goes to the logs (and the SIP Reason
	// header). It returns once the far end was told or ctx is done; it is
	// idempotent.
	Hangup(ctx context.Context, reason string) error
	// Transfer hands the call to target (a SIP URI or phone number) by a
	// blind transfer, a SIP REFER; the call ends once the far end has
	// accepted the transfer. Transports that cannot transfer return
	// ErrUnsupported.
	Transfer(ctx context.Context, target string) error
	// SendDTMF plays keypad digits to the far end (RFC 4733 events on
	// SIP), for example to navigate another IVR. Transports that cannot
	// return ErrUnsupported.
	SendDTMF(digits string) error
	// Flush drops bot audio that the transport or the far end has
	// buffered but not yet played (a Twilio "clear"); the server calls it
	// on barge-in. It never blocks.
	Flush()
	// Done is closed once the call has ended for any reason: the far end
	// hung up, Hangup, Transfer, a media timeout, a transport error.
	Done() <-chan struct{}
	// Err says why the call ended once Done is closed: nil after a normal
	// hangup by either side, ErrMediaTimeout when no audio arrived for too
	// long, or the transport's error.
	Err() error
}

// AudioReadier is implemented by calls whose transport can start sending
// a new bot answer at once rather than at its next 20 ms tick (by kicking
// its pacer session). The server passes AudioReady to the session
// (pipeline.WithAudioReady), which calls it when the first audio of a bot
// turn is ready; it must not block.
type AudioReadier interface {
	AudioReady()
}

// Handler answers calls. The server implements it; transports call it.
type Handler interface {
	// Accept is called for each new call before it is answered. It
	// returns the Endpoint the transport connects the call's audio to, or
	// an error to refuse the call: ErrBusy (at capacity: SIP 503, HTTP
	// 503), ErrRejected (not allowed: SIP 403, HTTP 403), or any other
	// error (SIP 500, HTTP 500). ctx ends when the call ends. Accept must
	// return promptly (it builds the call's session; no network waits).
	// Once it returns an Endpoint the server watches c.Done() and
	// releases the call's resources when it is closed.
	Accept(ctx context.Context, c Call) (Endpoint, error)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, c Call) (Endpoint, error)

// Accept calls fn(ctx, c).
func (fn HandlerFunc) Accept(ctx context.Context, c Call) (Endpoint, error) { return fn(ctx, c) }

// NewID returns a new call ID: the UTC time to the second and 8 random
// hex digits ("20261123T140812-4f3a9c2b"), so that IDs sort by start time
// and are safe in file names and URLs.
func NewID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}
