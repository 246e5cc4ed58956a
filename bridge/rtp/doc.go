// Package rtp is the media plane of a SIP call: SDP offer/answer, RTP and
// RTCP over UDP, codecs, jitter buffering, RFC 4733 keypad events, and
// paced sending. bridge/sip drives it for each call's signalling, and the
// test phone (parley call) uses it as the caller's side.
//
// # A call's media
//
// A server shares one [Ports] (the rtp.port_min..rtp.port_max range) and
// one audio.Pacer between its calls. For each call:
//
//	s, err := rtp.NewSession(cfg, ports, rtp.WithPacer(pacer), rtp.WithCallID(id))
//	answer, err := s.Answer(offer)     // or s.Offer() ... s.SetAnswer(answer)
//	err = s.Start(endpoint)            // audio flows
//	answer, err = s.Update(reoffer)    // re-INVITE: hold, resume, new address
//	err = s.SendDTMF("123#")
//	<-s.Done()                         // Close, or no media for MediaTimeout
//	s.Close()                          // RTCP BYE, ports released
//
// Answer takes the first plain-RTP audio stream of an offer (RTP/AVP or
// RTP/AVPF on a non-zero port, at an address the host can reach) and the
// first codec of Config.Codecs it offers; other streams are rejected with
// port 0 (RFC 3264). The answer mirrors the offered direction, so a
// sendonly offer (the caller holds the call) is answered recvonly.
// Parsing is lenient about what phones send (LF line ends, lines out of
// order, unknown media such as T.38) and strict about what it uses:
// ErrBadSDP for text that is not SDP (SIP 400), ErrNoCodec when nothing
// is acceptable (SIP 488). The codecs are G.711 PCMU and PCMA, G.722 (in
// Go, checked bit for bit against an independent implementation of the
// ITU-T algorithm) and Opus; telephone-event is always offered and
// accepted.
//
// # Goroutines and who calls what
//
// A started session has two reader goroutines and one send function:
//
//   - The RTP reader reads datagrams into one reused buffer, parses them
//     (pion/rtp, into a reused packet), checks the version, payload type
//     and source, updates the RFC 3550 receive statistics, pushes audio
//     into the session's audio.JitterBuffer and turns RFC 4733 events into
//     endpoint.PushDTMF calls (one per key press, on the event's end).
//   - The RTCP reader reads sender and receiver reports (round trip, the
//     far end's view of our stream) and BYE.
//   - The send function runs on the shared pacer every 20 ms: it checks
//     the media timeout, pops 20 ms of caller audio from the jitter buffer
//     (concealing losses), resamples it to 16 kHz and calls
//     endpoint.PushAudio; then it calls endpoint.NextFrame, resamples and
//     encodes the frame (or a keypad event in its place) and writes the
//     RTP packet; every ~5 s it sends an RTCP report.
//
// Signalling methods (Answer, Update, SendDTMF, Stats, Close) may be
// called from any goroutine. Negotiation publishes an immutable
// description of the media that the goroutines load atomically; no lock
// is held across a socket read or write, and the per-packet and per-tick
// paths do not allocate.
//
// # Symmetric RTP
//
// With Config.Symmetric (the default) the session sends to the address
// the far end's packets come from once the first one arrives, for callers
// behind NAT. A different address takes over only after three packets in
// a row of one stream in sequence from it, and never while the latched
// address keeps sending, so a few spoofed packets cannot divert a call's
// media. Packets from other addresses are dropped and counted
// (Stats.Foreign).
//
// # Bounds and overflow policies
//
//   - Received audio waits in the jitter buffer, bounded by its maximum
//     depth (300 ms by default, WithJitterOptions): a packet too far ahead
//     discards the oldest unplayed ones, late packets are dropped and
//     counted (Stats.Late), gaps are concealed (Stats.ConcealedFrames).
//   - Digits from SendDTMF queue up to MaxPendingDTMF; beyond it SendDTMF
//     fails with ErrDTMFQueueFull and queues nothing.
//   - After the pacer skipped ticks (a stalled process), the send
//     timestamp jumps by the missed frames (the next packet carries the
//     marker bit) and at most five missed frames of caller audio are
//     played out at once; the endpoint's queued audio is not skipped.
//   - Nothing is sent while the far end holds the call; the media timeout
//     does not run then.
//
// # Measured cost
//
// On the 2-core development machine, shared with other work (go test
// -bench, medians of 5 runs): receiving one G.711 packet and playing out
// its 20 ms (parse, statistics, jitter buffer, decode, 8 to 16 kHz) takes
// about 3.7 us and one send tick (16 to 8 kHz, encode, UDP write) about
// 9.4 us, both without allocating; G.722 costs about 15 and 38 us, Opus
// 16 and 250 us (libopus encoding). The 8 <-> 16 kHz conversion uses a
// half-band filter (halfband.go), a quarter of the work of the general
// resampler. BenchmarkCapacity loops G.711 calls through 127.0.0.1 on one
// pacer, each session sending to itself, so a call's send and receive
// work and both directions of the kernel's UDP path are counted: at 200
// calls a call costs 0.20% of a core (40% of it in the kernel), so 1000
// concurrent calls take about 2 cores.
package rtp
