package rtp

import (
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/rtcp"
)

// ntpEpochOffset is the number of seconds from 1900 (NTP) to 1970 (Unix).
const ntpEpochOffset = 2208988800

// rtcpState is the RTCP side of a session.
type rtcpState struct {
	// Owned by the tick.
	interval time.Duration
	next     time.Time
	rnd      *rand.Rand

	// Guarded by mu: written by the RTCP reader, read by Stats.
	mu             sync.Mutex
	rtt            time.Duration
	remoteLost     int64
	remoteFraction uint8
	remoteJitter   uint32 // in the far end's RTP ticks
	byeReceived    bool
}

// init schedules the first report after half an interval (RFC 3550
// section 6.3.2).
func (r *rtcpState) init(now time.Time, interval time.Duration) {
	r.interval = interval
	r.rnd = rand.New(rand.NewPCG(uint64(now.UnixNano()), uint64(interval)))
	r.next = now.Add(interval / 2)
}

// schedule sets the next report time: the interval randomised to
// 0.5..1.5 times its value (RFC 3550 section 6.3.1).
func (r *rtcpState) schedule(now time.Time) {
	r.next = now.Add(time.Duration((0.5 + r.rnd.Float64()) * float64(r.interval)))
}

// toNTP converts a time to the 64-bit NTP format.
func toNTP(t time.Time) uint64 {
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// rtcpTick sends a report when one is due. Called by the tick; the
// marshalling allocates, once per report interval.
func (s *Session) rtcpTick(st *stream, now time.Time) {
	if now.Before(s.rtcp.next) {
		return
	}
	s.rtcp.schedule(now)
	s.writeRTCP(s.report(st, now))
}

// report builds a compound report: a sender report when we sent since
// the last one (else a receiver report), with a reception report block
// for the far end's stream, and our CNAME.
func (s *Session) report(st *stream, now time.Time) []rtcp.Packet {
	var blocks []rtcp.ReceptionReport
	s.rx.mu.Lock()
	if src := &s.rx.src; src.valid && src.probation == 0 {
		b := rtcp.ReceptionReport{
			SSRC: src.ssrc, FractionLost: src.fractionLost(),
			TotalLost:          uint32(min(max(src.lost(), -0x800000), 0x7fffff)) & 0xffffff,
			LastSequenceNumber: src.extendedMax(),
			Jitter:             uint32(src.jitter),
			LastSenderReport:   src.lastSR,
		}
		if src.lastSR != 0 {
			b.Delay = uint32(now.Sub(src.lastSRAt) * 65536 / time.Second)
		}
		blocks = append(blocks, b)
	}
	s.rx.mu.Unlock()
	tx := &s.tx
	var first rtcp.Packet = &rtcp.ReceiverReport{SSRC: s.ssrc, Reports: blocks}
	if tx.sentSinceSR && st != nil {
		elapsed := now.Sub(tx.lastSentAt)
		first = &rtcp.SenderReport{
			SSRC: s.ssrc, NTPTime: toNTP(now),
			RTPTime:     tx.lastSentTS + uint32(int64(elapsed)*int64(st.codec.clock)/int64(time.Second)),
			PacketCount: tx.sentPackets, OctetCount: tx.sentOctets, Reports: blocks,
		}
		tx.sentSinceSR = false
	}
	return []rtcp.Packet{first, rtcp.NewCNAMESourceDescription(s.ssrc, s.cname)}
}

// writeRTCP sends a compound RTCP packet to the far end's RTCP address.
func (s *Session) writeRTCP(pkts []rtcp.Packet) {
	dest := s.destRTCP.Load()
	if dest == nil || !dest.Addr().IsValid() || dest.Addr().IsUnspecified() {
		return
	}
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		s.cnt.sendErrors.Add(1)
		return
	}
	if _, err := s.rconn.WriteToUDPAddrPort(b, *dest); err != nil {
		s.cnt.sendErrors.Add(1)
		return
	}
	s.cnt.rtcpOut.Add(1)
}

// sendBye sends a final report and an RTCP BYE (RFC 3550 section 6.6).
// Called by Close once the tick has stopped.
func (s *Session) sendBye() {
	pkts := s.report(s.media.Load(), s.now())
	pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{s.ssrc}, Reason: "call ended"})
	s.writeRTCP(pkts)
}

// readRTCP is the RTCP reader goroutine.
func (s *Session) readRTCP() {
	defer s.wg.Done()
	buf := make([]byte, maxPacket+1)
	failures := 0
	for {
		n, from, err := s.rconn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if isClosedErr(err) || !s.readFailed(err, &failures) {
				return
			}
			continue
		}
		failures = 0
		if n > maxPacket {
			s.cnt.rtcpMalformed.Add(1)
			continue
		}
		s.handleRTCP(buf[:n], netip.AddrPortFrom(from.Addr().Unmap(), from.Port()))
	}
}

// handleRTCP processes one compound RTCP packet: sender reports (for the
// delay since the last SR in our reports), reception reports about our
// stream (round trip, the far end's loss and jitter) and BYE. It never
// panics on malformed input.
func (s *Session) handleRTCP(b []byte, from netip.AddrPort) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		s.cnt.rtcpMalformed.Add(1)
		return
	}
	now := s.now()
	s.cnt.rtcpIn.Add(1)
	s.lastHeard.Store(now.UnixNano())
	if d := s.dest.Load(); s.cfg.symmetric && d != nil && d.Addr() == from.Addr() {
		if rd := s.destRTCP.Load(); rd == nil || *rd != from {
			s.destRTCP.Store(&from)
		}
	}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			s.rx.mu.Lock()
			if s.rx.src.valid && p.SSRC == s.rx.src.ssrc {
				s.rx.src.lastSR, s.rx.src.lastSRAt = uint32(p.NTPTime>>16), now
			}
			s.rx.mu.Unlock()
			s.remoteReports(p.Reports, now)
		case *rtcp.ReceiverReport:
			s.remoteReports(p.Reports, now)
		case *rtcp.Goodbye:
			s.rtcp.mu.Lock()
			s.rtcp.byeReceived = true
			s.rtcp.mu.Unlock()
		}
	}
}

// remoteReports reads the far end's reception reports about our stream.
func (s *Session) remoteReports(reports []rtcp.ReceptionReport, now time.Time) {
	for _, r := range reports {
		if r.SSRC != s.ssrc {
			continue
		}
		lost := int64(r.TotalLost & 0xffffff)
		if lost >= 0x800000 {
			lost -= 0x1000000 // 24-bit two's complement
		}
		s.rtcp.mu.Lock()
		s.rtcp.remoteLost, s.rtcp.remoteFraction, s.rtcp.remoteJitter = lost, r.FractionLost, r.Jitter
		if r.LastSenderReport != 0 {
			// RFC 3550 section 6.4.1: A - LSR - DLSR, in 1/65536 s.
			rtt := int32(uint32(toNTP(now)>>16) - r.LastSenderReport - r.Delay)
			if rtt >= 0 {
				s.rtcp.rtt = time.Duration(int64(rtt) * int64(time.Second) / 65536)
			}
		}
		s.rtcp.mu.Unlock()
	}
}
