// Package webrtc lets browsers call Parley: a WHIP endpoint (RFC 9725)
// built on pion/webrtc that turns each POSTed offer into a
// bridge.Call, feeds the caller's Opus audio to the call's
// bridge.Endpoint as 20 ms frames at 16 kHz, and sends the bot's audio
// back as Opus.
//
// # Signalling
//
// The server mounts a *WHIP at /whip and /whip/. A client POSTs a complete
// SDP offer (Content-Type: application/sdp) and gets 201 Created with the
// answer, Location: /whip/{call id} and an ETag; DELETE on that URL hangs
// up. This server does not trickle: the answer carries every candidate
// (gathering waits up to gather_timeout), and PATCH, which RFC 9725 uses
// for trickle ICE and ICE restarts, is answered 405 Method Not Allowed
// with an Allow header. Clients must therefore wait for their own ICE
// gathering before POSTing, and start a new session to recover from a
// lost connection. OPTIONS answers CORS preflights with Accept-Post.
// With webrtc.token set, every request but OPTIONS needs
// "Authorization: Bearer <token>" (401 otherwise).
//
// Refusals: 415 for another content type, 413 for an offer over 64 KiB,
// 400 for SDP that does not parse (the parser's message), has no Opus
// audio, or does not send audio; 503 with Retry-After at max_calls, when
// the handler returns bridge.ErrBusy or after Close; 403 for
// bridge.ErrRejected; 500 for other handler errors.
//
// # Media
//
// One pion API (media engine, setting engine, interceptor registry) serves
// all calls: Opus and RFC 4733 telephone-event only, RTCP sender and
// receiver reports, host candidates on the configured addresses
// (loopback included by default), a UDP port range, no mDNS. Each call
// has:
//
//   - a track reader goroutine (pion's OnTrack goroutine): track.Read into
//     a reused buffer, RTP parsed into a reused packet, Opus pushed into
//     an audio.JitterBuffer (adaptive 40-300 ms, Opus FEC and PLC for
//     lost packets, decoding at 16 kHz), telephone-event packets turned
//     into key presses at the end of each event;
//   - a send function on the shared audio.Pacer: every 20 ms it takes the
//     bot's next frame with Endpoint.NextFrame, copies it into a bounded
//     queue (8 frames, 160 ms; drop-oldest when full, counted), and wakes
//     the pump. It never blocks and does not allocate;
//   - the pump goroutine: per wake-up it pops one caller frame per due
//     tick from the jitter buffer into Endpoint.PushAudio (silence or
//     concealment when nothing arrived, so the endpoint's clock runs), and
//     encodes the queued bot frames with Opus at 16 kHz (reusing the
//     encoder's silence packet while the bot is quiet) and writes them to
//     the local track with a 20 ms duration; dropped or missed frames
//     advance the RTP timestamp;
//   - an RTCP reader for the sender (the reports feed pion's interceptors);
//   - the "dtmf" data channel's message callback: each message holds 1 to
//     32 keypad characters (the softphone sends one per key), pushed with
//     Endpoint.PushDTMF; other data channels are closed;
//   - a lifecycle goroutine that waits for the end and tears down.
//
// The media clock starts when the peer connection first reaches
// connected, so bot audio queued by the handler at Accept is not spent
// before the browser can hear it.
//
// # End of a call
//
// A call ends on DELETE, Call.Hangup, WHIP.Close (Err nil); when the
// browser closes its peer connection (a DTLS close_notify; Err nil);
// when nothing arrives from the browser for ice_timeout (ICE reports
// disconnected after half of it, at most 5 s, and failed after all of it;
// Err wraps bridge.ErrMediaTimeout); when the browser does not connect
// within connect_timeout of the answer (bridge.ErrMediaTimeout); or when
// the endpoint reports pipeline.ErrClosed. Teardown unregisters the pacer
// session, closes the peer connection, waits for every goroutine of the
// call, logs its counters (packets, losses, concealment, queue drops) with
// call_id, releases its slot and only then closes Done: no PushAudio or
// PushDTMF reaches the endpoint after Done.
//
// Transfer and SendDTMF return bridge.ErrUnsupported. Flush drops the
// queued bot audio (at most 160 ms, normally one frame); what the
// browser's own jitter buffer holds cannot be recalled. Info.Remote is the
// HTTP client's address: Info is fixed before Accept, before ICE has
// chosen a path; the selected candidate pair is logged when the call
// connects.
//
// # Limits
//
// max_calls bounds calls being set up or in progress; each call binds one
// UDP port per local address in the configured range. An offer is read up
// to 64 KiB, a User-Agent kept up to 256 bytes, a keypad message up to 32
// bytes. The jitter buffer holds at most 300 ms of audio (1500-byte
// payloads), the bot queue 160 ms; after a stall the pump catches up at
// most 200 ms of caller frames at once.
//
// # Measured
//
// On the 2-core development machine (shared with other jobs, so the
// figures vary by tens of percent; re-run the benchmarks to check):
//
//   - POST /whip to 201 Created with gathering on 127.0.0.1:
//     2.4 ms median (BenchmarkWHIPAnswer; gathering on more addresses
//     adds a socket each).
//   - Per-frame work in the transport, medians, 0 allocations each: the
//     pacer's send function 0.13 µs (BenchmarkTick); a caller packet from
//     RTP parse through jitter buffer and Opus decode to PushAudio 42 µs
//     (BenchmarkInboundFrame); the Opus encode of one bot frame at 16 kHz
//     174 µs (BenchmarkOutboundEncode, libopus at complexity 5: the
//     largest per-call cost, skipped while the bot is quiet). pion's
//     packetizing and SRTP allocate per packet; they are in the figure
//     below.
//   - Whole calls between in-process pion peers, Opus both ways with the
//     bot talking all the time: about 25 ms of CPU per call-second (2.5 %
//     of a core) for 10 calls, the peers' own SRTP and ICE included
//     (BenchmarkCalls). 50 such calls saturate the shared machine: the
//     pacer reports a third of its sends late, so plan on fewer browser
//     calls per core than SIP calls.
//   - Headless Chromium against the softphone page: the call is set up
//     1.7 s after the browser starts, and the page hears the bot's reply
//     0.25 s later: the fake microphone's audio reaching the endpoint,
//     the bot starting, and the reply crossing back
//     (TestChromiumSoftphone, which logs the times).
package webrtc
