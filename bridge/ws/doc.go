// Package ws is the Twilio Media Streams transport: calls that reach Parley
// as a bidirectional Media Stream, the WebSocket that Twilio opens for the
// TwiML
//
//	<Response><Connect><Stream url="wss://voice.example.com/media/twilio">
//	  <Parameter name="from" value="{{From}}"/>
//	  <Parameter name="to" value="{{To}}"/>
//	</Stream></Connect></Response>
//
// New returns a *Twilio, an http.Handler the server mounts at Config.Path
// (the `twilio:` section of parley.yaml). Each stream becomes one
// bridge.Call, handed to the server's bridge.Handler.
//
// # Protocol
//
// Twilio sends JSON text messages
// (https://www.twilio.com/docs/voice/media-streams/websocket-messages):
// connected; start (streamSid, callSid, accountSid, tracks,
// customParameters, mediaFormat: audio/x-mulaw, 8000 Hz, 1 channel);
// media every 20 ms (track, chunk, timestamp in ms since the stream began,
// base64 mu-law payload; numbers arrive as strings); dtmf (one digit per
// key press); mark (the echo of a mark we sent, once the audio before it
// has played or was cleared); stop. This transport sends media (base64
// mu-law, 8 kHz mono, no header), mark after each bot talkspurt
// ("parley-1", "parley-2", ...) and clear on Flush (barge-in), which makes
// Twilio drop the audio it has buffered.
//
// Before the upgrade, ServeHTTP refuses browser origins not in
// twilio.allowed_origins (Twilio sends no Origin), requests without a valid
// X-Twilio-Signature when twilio.auth_token is set (HMAC-SHA1 of the
// stream URL as Twilio signs it, see Sign and Config.PublicURL), both with
// HTTP 403, and streams beyond twilio.max_calls with HTTP 503. After the
// start message it builds bridge.Info (Channel "twilio", Codec
// "PCMU/8000", Params call_sid, stream_sid, account_sid and
// "param_"+name for each custom parameter, From and To from the "from"
// and "to" parameters) and calls Handler.Accept. A refusal closes the
// WebSocket with a code and a reason naming the HTTP status a SIP or WHIP
// transport would answer: 1013 for bridge.ErrBusy ("busy (503)"), 1008
// for bridge.ErrRejected ("rejected (403)"), 1011 for anything else
// ("server error (500)"). Twilio then goes on with the TwiML after
// <Connect>.
//
// Caller audio: each payload is base64-decoded and mu-law-decoded into
// reused buffers, cut into 20 ms frames (Twilio's chunks are 20 ms; other
// sizes are re-framed), resampled to 16 kHz and pushed to the Endpoint.
// When a chunk's timestamp is 10 ms or more past the end of the previous
// one, the gap is pushed as silence first (at most twilio.media_timeout
// of it), so that the Endpoint's clock keeps time when Twilio skips.
//
// Bot audio: on every tick of the shared audio.Pacer the call pulls a
// frame with Endpoint.NextFrame; while it is bot audio the frame is
// resampled to 8 kHz, mu-law-encoded and queued as a media message.
// While NextFrame returns false nothing is sent (Twilio plays silence on
// underrun), except one frame at the end of a talkspurt that carries the
// resampler's tail, followed by a mark (twilio.mark_every). Mark echoes
// give CallStats.PlayedAudio and PlaybackLag: how much bot audio Twilio
// confirmed playing, and how far its playback was behind at the last
// mark. After a stall of the pacer (audio.Tick.Missed) up to five frames
// are sent at once, which Twilio buffers, so that the bot's audio does not
// fall behind the wall clock.
//
// Transfer and SendDTMF return bridge.ErrUnsupported: a Media Stream can
// do neither. Use Twilio's REST API (update the call with TwiML <Dial> or
// <Play digits>), or end the stream with Hangup and let the TwiML after
// <Connect> continue.
//
// # Ending a call
//
// A stop message, a close frame with code 1000, 1001 or none, and Hangup
// (close code 1000 with its reason, after the queued audio) end the call
// with Err nil. No media for twilio.media_timeout ends it with
// bridge.ErrMediaTimeout (checked on the pacer's ticks on the WithClock
// clock, and by a read deadline on the real clock, which pings keep alive
// so that a dead TCP connection is noticed); no start message within
// twilio.start_timeout closes the stream with 1008. A connection that
// breaks ends the call with ErrConnectionLost, another close code with
// ErrPeerClosed.
//
// # Bad input
//
// Malformed JSON, binary frames, media before start, base64 garbage and
// unknown keypad digits are logged with the call's call_id and a count,
// and close the stream after twilio.max_bad_messages (1007 for malformed
// JSON, 1003 for binary frames, 1008 otherwise). A start with a format
// other than audio/x-mulaw, 8000 Hz, mono closes it at once with 1003 and
// a reason naming the supported format. A message over
// twilio.max_message_size closes it with 1009. Unknown events are counted
// and ignored, so that events Twilio adds later do not break calls. The
// message decoder is a small JSON reader that validates the whole message,
// copies nothing and allocates nothing for media; FuzzMessage checks it
// against encoding/json.
//
// # Threading and queues
//
// Per call, the HTTP handler's goroutine reads the WebSocket, one writer
// goroutine owns every data write (gorilla/websocket allows one concurrent
// writer), and the pacer's worker runs the send function. No lock is held
// across network I/O; the send function never blocks. The send queue
// between the pacer and the writer holds twilio.send_queue messages (one
// second by default); when it is full the oldest message is dropped and
// counted (CallStats.Dropped): the far end's playout would only fall
// further behind. Flush empties the queue and schedules a clear, which
// the writer sends before anything queued after the Flush. Writes have a
// deadline (twilio.write_timeout); a write that fails ends the call.
//
// # Measured
//
// On the 2-core reference machine (AMD EPYC, shared; medians of 5 runs of
// go test -bench . -benchtime 2s; the host is noisy, so single runs vary
// by up to 2x):
//
//	BenchmarkInboundMedia   one 20 ms media message in    ~16 µs   0 allocs
//	BenchmarkDecodeMedia    the JSON decoder alone         ~1.2 µs  0 allocs
//	BenchmarkOutboundTick   one 20 ms bot frame out        ~12 µs   0 allocs
//
// Both audio paths spend about 90% of their time in the 8 <-> 16 kHz
// resampler. BenchmarkStreams (-benchtime 250x) runs real WebSockets over
// loopback with audio both ways every 20 ms, the simulated Twilio clients
// in the same process: 0.5-0.6% of one core per call at 50 calls and
// 0.31-0.41% at 200 calls (clients included, so an upper bound for the
// server), no queue drops. At 200 calls the process runs some 600
// goroutines on two cores and 3-20% of the pacer's sends start more than
// 10 ms late (0.1-0.5% at 50 calls); the simulated clients compete with
// the pacer for the CPU there.
// gorilla/websocket's NextReader allocates one small reader object per
// message read from the socket, the only allocation on the inbound path.
package ws
