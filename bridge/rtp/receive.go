package rtp

import (
	"net/netip"
	"sync"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/pion/rtp"
)

// Receive tuning.
const (
	// maxPacket is the largest datagram read; bigger ones are truncated
	// and dropped as malformed.
	maxPacket = 1500
	// relatchPackets is how many consecutive packets of one stream a new
	// source address must send before it replaces the latched one, so a
	// few spoofed packets cannot steal the call's media.
	relatchPackets = 3
)

// latch is the reader's view of where the far end's media comes from.
// It is owned by the RTP reader goroutine.
type latch struct {
	epoch    uint64         // Session.relatch value it was set under
	latched  bool           // src is known
	src      netip.AddrPort // accepted source
	cand     netip.AddrPort // a new source trying to take over
	candSSRC uint32
	candSeq  uint16
	streak   int
}

// receiver is the state of the RTP receive path.
type receiver struct {
	// Owned by the reader goroutine.
	pkt   rtp.Packet
	latch latch

	// Guarded by mu: shared with Stats and RTCP reports.
	mu  sync.Mutex
	src sourceStats
}

// readRTP is the RTP reader goroutine: it reads datagrams until the
// socket is closed.
func (s *Session) readRTP() {
	defer s.wg.Done()
	buf := make([]byte, maxPacket+1)
	failures := 0
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if isClosedErr(err) || !s.readFailed(err, &failures) {
				return
			}
			continue
		}
		failures = 0
		if n > maxPacket {
			s.cnt.malformed.Add(1)
			continue
		}
		s.handleRTP(buf[:n], from.Addr().Unmap(), from.Port())
	}
}

// maxReadFailures is how many reads in a row may fail before a reader
// gives up on its socket (the media timeout then ends the call).
const maxReadFailures = 1000

// readFailed counts a failed read and reports whether to keep reading.
func (s *Session) readFailed(err error, failures *int) bool {
	s.cnt.readErrors.Add(1)
	*failures++
	if *failures < maxReadFailures {
		return true
	}
	s.log.Error("rtp: the socket keeps failing; no more media is read", "error", err)
	return false
}

// handleRTP processes one datagram from the RTP port: it validates and
// classifies it, latches the source, updates the RFC 3550 statistics and
// hands audio to the jitter buffer and keypad events to the endpoint. It
// never panics on malformed input and does not allocate in steady state.
func (s *Session) handleRTP(b []byte, fromIP netip.Addr, fromPort uint16) {
	from := netip.AddrPortFrom(fromIP, fromPort)
	if len(b) >= 2 && b[0]>>6 == 2 && b[1] >= 192 && b[1] <= 223 {
		// RTCP multiplexed on the RTP port (RFC 5761 section 4).
		s.handleRTCP(b, from)
		return
	}
	p := &s.rx.pkt
	if err := p.Unmarshal(b); err != nil || p.Version != 2 {
		s.cnt.malformed.Add(1)
		return
	}
	st := s.media.Load()
	if st == nil {
		s.cnt.wrongPayload.Add(1) // nothing negotiated yet
		return
	}
	kind := s.classify(st, p.PayloadType)
	if kind == pktUnknown {
		s.cnt.wrongPayload.Add(1)
		return
	}
	if !s.accept(from, p) {
		s.cnt.foreign.Add(1)
		return
	}
	now := s.now()
	s.lastHeard.Store(now.UnixNano())
	s.cnt.packetsIn.Add(1)
	s.cnt.bytesIn.Add(uint64(len(b)))
	s.rx.mu.Lock()
	if s.rx.src.update(p, kind == pktAudio, st.codec.clock, now) {
		s.cnt.ssrcChanges.Add(1)
	}
	s.rx.mu.Unlock()
	switch kind {
	case pktAudio:
		s.pushAudio(st, p)
	case pktDTMF:
		s.receiveDTMF(st, p, now)
	case pktCN:
		s.cnt.comfortNoise.Add(1)
	}
}

// Packet kinds by payload type.
const (
	pktUnknown = iota
	pktAudio
	pktDTMF
	pktCN
)

// classify maps a payload type to what the session does with it.
func (s *Session) classify(st *stream, pt uint8) int {
	switch {
	case pt == st.recvPT || pt == st.sendPT:
		return pktAudio
	case st.dtmf && (pt == st.dtmfRecvPT || pt == st.dtmfSendPT):
		return pktDTMF
	case pt == payloadTypeCN:
		return pktCN
	}
	return pktUnknown
}

// pushAudio hands an audio packet to the jitter buffer.
func (s *Session) pushAudio(st *stream, p *rtp.Packet) {
	switch st.rx.jb.Push(audio.RTPPacket{
		SequenceNumber: p.SequenceNumber, Timestamp: p.Timestamp, SSRC: p.SSRC,
		Marker: p.Marker, Payload: p.Payload,
	}) {
	case audio.PushLate:
		s.cnt.late.Add(1)
	case audio.PushDuplicate:
		s.cnt.duplicate.Add(1)
	case audio.PushInvalid:
		s.cnt.invalid.Add(1)
	}
}

// accept decides whether a packet comes from the far end, latching its
// address: the first packet sets the source; a packet from another
// address is dropped unless relatchPackets consecutive in-sequence
// packets of one stream came from there (a re-INVITE-less move: NAT
// rebinding, a media server switch). With Config.Symmetric the send
// address follows the source.
func (s *Session) accept(from netip.AddrPort, p *rtp.Packet) bool {
	l := &s.rx.latch
	if e := s.relatch.Load(); e != l.epoch {
		*l = latch{epoch: e}
	}
	switch {
	case !l.latched:
	case from == l.src:
		l.streak = 0
		return true
	case l.streak > 0 && from == l.cand && p.SSRC == l.candSSRC && p.SequenceNumber == l.candSeq+1:
		l.streak++
		l.candSeq = p.SequenceNumber
		if l.streak < relatchPackets {
			return false
		}
		s.cnt.relatches.Add(1)
	default:
		l.cand, l.candSSRC, l.candSeq, l.streak = from, p.SSRC, p.SequenceNumber, 1
		return false
	}
	l.latched, l.src, l.streak = true, from, 0
	s.latchTo(from)
	return true
}

// latchTo points RTP (and RTCP, at the next port) at the far end's source
// address when the session is symmetric.
func (s *Session) latchTo(from netip.AddrPort) {
	if !s.cfg.symmetric {
		return
	}
	if d := s.dest.Load(); d != nil && *d == from {
		return
	}
	dest := from
	s.dest.Store(&dest)
	if rd := s.destRTCP.Load(); rd == nil || rd.Addr() != from.Addr() {
		rdest := netip.AddrPortFrom(from.Addr(), from.Port()+1)
		s.destRTCP.Store(&rdest)
	}
	s.log.Info("rtp: sending to the far end's source address", "remote", from.String())
}

// sourceStats keeps the RFC 3550 appendix A.1/A.8 receive statistics of
// the far end's stream.
type sourceStats struct {
	valid       bool
	ssrc        uint32
	maxSeq      uint16
	cycles      uint32 // sequence wraps, shifted << 16
	baseSeq     uint32
	badSeq      uint32
	probation   int
	received    uint32
	expPrior    uint32
	recvPrior   uint32
	haveTransit bool
	transit     int64
	jitter      float64 // in RTP ticks
	clock       int
	epoch       time.Time // base of arrival times
	lastSR      uint32    // middle 32 bits of the last SR's NTP time
	lastSRAt    time.Time
}

// RFC 3550 appendix A.1 constants.
const (
	seqMod         = 1 << 16
	minSequential  = 2
	maxSeqDropout  = 3000
	maxSeqMisorder = 100
)

// update folds one packet into the statistics. isAudio packets also feed
// the interarrival jitter (keypad events repeat their timestamp). It
// reports whether the packet started a new source (a new SSRC).
func (r *sourceStats) update(p *rtp.Packet, isAudio bool, clock int, now time.Time) bool {
	changed := false
	if !r.valid || p.SSRC != r.ssrc {
		changed = r.valid
		*r = sourceStats{valid: true, ssrc: p.SSRC, clock: clock, epoch: now}
		r.initSeq(p.SequenceNumber)
		r.maxSeq = p.SequenceNumber - 1
		r.probation = minSequential
	}
	if !r.updateSeq(p.SequenceNumber) {
		return changed
	}
	if isAudio {
		r.updateJitter(p.Timestamp, clock, now)
	}
	return changed
}

// initSeq starts the sequence state at seq (RFC 3550 A.1 init_seq).
func (r *sourceStats) initSeq(seq uint16) {
	r.baseSeq = uint32(seq)
	r.maxSeq = seq
	r.badSeq = seqMod + 1
	r.cycles = 0
	r.received, r.expPrior, r.recvPrior = 0, 0, 0
}

// updateSeq is RFC 3550 A.1 update_seq; false means the packet is not
// (yet) counted.
func (r *sourceStats) updateSeq(seq uint16) bool {
	udelta := seq - r.maxSeq
	if r.probation > 0 {
		if seq == r.maxSeq+1 {
			r.probation--
			r.maxSeq = seq
			if r.probation == 0 {
				r.initSeq(seq)
				r.received++
				return true
			}
		} else {
			r.probation = minSequential - 1
			r.maxSeq = seq
		}
		return false
	}
	switch {
	case udelta < maxSeqDropout:
		if seq < r.maxSeq {
			r.cycles += seqMod
		}
		r.maxSeq = seq
	case udelta <= seqMod-maxSeqMisorder:
		if uint32(seq) == r.badSeq {
			r.initSeq(seq) // the sender restarted its sequence
		} else {
			r.badSeq = (uint32(seq) + 1) & (seqMod - 1)
			return false
		}
	default:
		// a duplicate or reordered packet
	}
	r.received++
	return true
}

// updateJitter is RFC 3550 A.8: J += (|D| - J) / 16 in RTP ticks.
func (r *sourceStats) updateJitter(ts uint32, clock int, now time.Time) {
	if clock != r.clock {
		r.clock, r.haveTransit = clock, false
	}
	arrival := int64(now.Sub(r.epoch)) * int64(clock) / int64(time.Second)
	transit := arrival - int64(ts)
	if r.haveTransit {
		d := int64(int32(transit - r.transit))
		if d < 0 {
			d = -d
		}
		r.jitter += (float64(d) - r.jitter) / 16
	}
	r.transit, r.haveTransit = transit, true
}

// extendedMax is the extended highest sequence number received.
func (r *sourceStats) extendedMax() uint32 { return r.cycles + uint32(r.maxSeq) }

// lost is the cumulative number of packets lost (RFC 3550 A.3); it can
// be negative when duplicates arrive.
func (r *sourceStats) lost() int64 {
	if !r.valid || r.probation > 0 {
		return 0
	}
	expected := int64(r.extendedMax()) - int64(r.baseSeq) + 1
	return expected - int64(r.received)
}

// fractionLost returns the fraction lost since the last call, in 1/256
// (RFC 3550 A.3), and moves the interval on.
func (r *sourceStats) fractionLost() uint8 {
	expected := r.extendedMax() - r.baseSeq + 1
	expInterval := expected - r.expPrior
	r.expPrior = expected
	recvInterval := r.received - r.recvPrior
	r.recvPrior = r.received
	lostInterval := int64(expInterval) - int64(recvInterval)
	if expInterval == 0 || lostInterval <= 0 {
		return 0
	}
	return uint8(min(lostInterval<<8/int64(expInterval), 255))
}
