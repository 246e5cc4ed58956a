package rtp

import (
	"sync/atomic"
	"time"
)

// counters are the session's event counts, updated without locks.
type counters struct {
	packetsIn, packetsOut     atomic.Uint64
	bytesIn, bytesOut         atomic.Uint64
	late, duplicate, invalid  atomic.Uint64
	concealed                 atomic.Uint64
	wrongPayload, malformed   atomic.Uint64
	foreign, relatches        atomic.Uint64
	ssrcChanges, comfortNoise atomic.Uint64
	rtcpIn, rtcpOut           atomic.Uint64
	rtcpMalformed             atomic.Uint64
	dtmfIn, dtmfOut           atomic.Uint64
	sendErrors, readErrors    atomic.Uint64
	encodeErrors, pushErrors  atomic.Uint64
}

// Stats is a snapshot of a session's counters. Packet and byte counts are
// of RTP packets as sent or received on the wire (header included).
type Stats struct {
	// Codec is the negotiated codec ("PCMU/8000"), "" before negotiation.
	Codec string
	// Remote is the address RTP is sent to (host:port).
	Remote string
	// OnHold is true while the far end holds the call (its direction is
	// not sendrecv) or the call is inactive.
	OnHold bool
	// PacketsIn counts RTP packets accepted from the far end (audio,
	// keypad events, comfort noise); BytesIn their size.
	PacketsIn, BytesIn uint64
	// PacketsOut counts RTP packets sent; BytesOut their size.
	PacketsOut, BytesOut uint64
	// Lost is the RFC 3550 cumulative number of packets lost (expected
	// minus received) of the far end's current stream. It can be
	// negative when packets arrive twice.
	Lost int64
	// Late counts packets that arrived after their playout time and
	// Duplicate those that arrived twice; both were dropped.
	Late, Duplicate uint64
	// Jitter is the RFC 3550 interarrival jitter of the far end's
	// stream.
	Jitter time.Duration
	// ConcealedFrames counts 20 ms frames played to the endpoint that
	// hold concealment of lost or late audio (keypad events also leave
	// gaps that are concealed).
	ConcealedFrames uint64
	// WrongPayload counts packets of a payload type that was not
	// negotiated (dropped).
	WrongPayload uint64
	// Malformed counts datagrams on the RTP port that are not RTP, keypad
	// events too short to read, and invalid RTCP packets.
	Malformed uint64
	// Invalid counts audio packets the jitter buffer refused: empty or
	// oversized payloads, sequence numbers far outside the stream.
	Invalid uint64
	// Foreign counts packets dropped because they came from an address
	// other than the far end's (possibly spoofed).
	Foreign uint64
	// Relatches counts moves of the far end's media to a new source
	// address.
	Relatches uint64
	// SSRCChanges counts restarts of the far end's stream with a new
	// SSRC.
	SSRCChanges uint64
	// RTCPIn and RTCPOut count compound RTCP packets received and sent.
	RTCPIn, RTCPOut uint64
	// DTMFIn and DTMFOut count keypad digits received and sent.
	DTMFIn, DTMFOut uint64
	// RoundTrip is the network round trip measured from the far end's
	// RTCP reception reports (zero until measured).
	RoundTrip time.Duration
	// RemoteLost, RemoteFractionLost and RemoteJitter are the far end's
	// view of our stream from its last reception report: cumulative
	// loss, the fraction lost in its last interval (0..1), and jitter.
	RemoteLost         int64
	RemoteFractionLost float64
	RemoteJitter       time.Duration
	// ByeReceived is true once the far end sent an RTCP BYE.
	ByeReceived bool
	// SendErrors counts packets the socket refused to send; ReadErrors
	// failed reads; EncodeErrors frames the encoder rejected; PushErrors
	// frames or digits the endpoint refused.
	SendErrors, ReadErrors, EncodeErrors, PushErrors uint64
}

// Stats returns the session's counters (packets, bytes, lost, late,
// jitter, concealed frames, RTCP reports). It is safe to call at any
// time, also after Close.
func (s *Session) Stats() Stats {
	c := &s.cnt
	st := Stats{
		Remote:    s.Remote(),
		PacketsIn: c.packetsIn.Load(), BytesIn: c.bytesIn.Load(),
		PacketsOut: c.packetsOut.Load(), BytesOut: c.bytesOut.Load(),
		Late: c.late.Load(), Duplicate: c.duplicate.Load(),
		ConcealedFrames: c.concealed.Load(),
		WrongPayload:    c.wrongPayload.Load(),
		Malformed:       c.malformed.Load() + c.rtcpMalformed.Load(),
		Invalid:         c.invalid.Load(),
		Foreign:         c.foreign.Load(), Relatches: c.relatches.Load(),
		SSRCChanges: c.ssrcChanges.Load(),
		RTCPIn:      c.rtcpIn.Load(), RTCPOut: c.rtcpOut.Load(),
		DTMFIn: c.dtmfIn.Load(), DTMFOut: c.dtmfOut.Load(),
		SendErrors: c.sendErrors.Load(), ReadErrors: c.readErrors.Load(),
		EncodeErrors: c.encodeErrors.Load(), PushErrors: c.pushErrors.Load(),
	}
	clock := 8000
	if m := s.media.Load(); m != nil {
		st.Codec = m.codec.String()
		st.OnHold = !m.timed()
		clock = m.codec.clock
	}
	s.rx.mu.Lock()
	st.Lost = s.rx.src.lost()
	st.Jitter = ticksToDuration(s.rx.src.jitter, clock)
	s.rx.mu.Unlock()
	s.rtcp.mu.Lock()
	st.RoundTrip = s.rtcp.rtt
	st.RemoteLost = s.rtcp.remoteLost
	st.RemoteFractionLost = float64(s.rtcp.remoteFraction) / 256
	st.RemoteJitter = ticksToDuration(float64(s.rtcp.remoteJitter), clock)
	st.ByeReceived = s.rtcp.byeReceived
	s.rtcp.mu.Unlock()
	return st
}

// ticksToDuration converts RTP clock ticks to a duration.
func ticksToDuration(ticks float64, clock int) time.Duration {
	return time.Duration(ticks * float64(time.Second) / float64(clock))
}
