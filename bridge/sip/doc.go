// Package sip connects SIP calls to Parley: a user agent built on
// github.com/emiago/sipgo that answers inbound calls, places outbound ones
// and hands each call to a bridge.Handler, with its audio on a
// bridge/rtp session.
//
// # Inbound calls
//
// An INVITE gets 100 Trying at once. Unless the server is full or draining
// (503 with Retry-After), the caller is authenticated when sip.auth lists
// users (digest, 401 with a nonce, stale nonces and replays challenged
// again), the session timer is negotiated (RFC 4028; 422 below 90 s), the
// SDP offer is answered by the call's rtp.Session (488 with a Warning when
// no codec fits, 400 for SDP that does not parse), and the handler's Accept
// decides (bridge.ErrBusy 503, bridge.ErrRejected 403, other errors 500).
// The call then rings (180) for sip.ring and is answered with 200 OK and the
// SDP answer; the 200 is retransmitted until the ACK. An INVITE without SDP
// gets an offer in the 200 and its answer is taken from the ACK. A CANCEL
// before the answer gets 200 and the INVITE 487.
//
// During the call: BYE ends it (Done closed, Err nil); re-INVITE and UPDATE
// apply a new offer (hold, resume, a new address) or refresh the session;
// INFO with application/dtmf-relay or application/dtmf delivers keypad
// digits; OPTIONS is answered with Allow and Accept. The server ends the
// call with a BYE and a Reason header on Hangup, after a Transfer (REFER,
// then the NOTIFY that reports the new call answered), when the media times
// out (bridge.ErrMediaTimeout) and when the session timer runs out
// (ErrSessionExpired).
//
// # Malformed messages
//
// Over UDP every datagram is parsed before sipgo sees it: a request that
// does not parse (a bad header, a body shorter than Content-Length) gets a
// stateless 400 with the problem in a Warning header, and anything else
// that is not SIP is dropped. Requests that parse are checked for the
// headers RFC 3261 section 8.1.1 requires and their agreement (CSeq method,
// From tag), supported schemes, extensions and body types (400, 416, 420,
// 415), and handlers contain panics to their request, so one bad message
// cannot stop the server.
//
// # Outbound calls
//
// Server.Dial sends an INVITE with an SDP offer, follows 1xx responses,
// answers digest challenges with sip.outbound credentials, acknowledges the
// 200, and hands the answered call to a handler (Direction Outbound).
// Refusals return a *StatusError naming the status.
package sip
