package rtp

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// rtpPacket marshals an RTP packet (which cannot fail for these
// headers).
func rtpPacket(pt uint8, seq uint16, ts, ssrc uint32, marker bool, payload []byte) []byte {
	b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc, Marker: marker}, Payload: payload}).Marshal()
	if err != nil {
		panic(err)
	}
	return b
}

// offerFrom returns a PCMU offer whose media address is addr.
func offerFrom(addr netip.AddrPort) []byte {
	return fmt.Appendf(nil, "v=0\r\no=- 1 1 IN IP4 %[1]s\r\ns=-\r\nc=IN IP4 %[1]s\r\nt=0 0\r\nm=audio %[2]d RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n",
		addr.Addr(), addr.Port())
}

// pcmuSilence is 20 ms of mu-law silence.
var pcmuSilence = bytes.Repeat([]byte{0xff}, 160)

// TestSymmetricLatching checks comedia: the session first sends to the
// SDP address, then to the address the far end's packets come from; a
// new address takes over only after relatchPackets consecutive packets,
// never while the latched one keeps sending; without Symmetric the SDP
// address stays.
func TestSymmetricLatching(t *testing.T) {
	for _, tc := range []struct {
		name      string
		symmetric bool
	}{{"symmetric", true}, {"not symmetric", false}} {
		t.Run(tc.name, func(t *testing.T) {
			sdpPeer, natPeer, spoofer := newUDPPeer(t), newUDPPeer(t), newUDPPeer(t)
			cfg := testConfig(CodecPCMU)
			cfg.Symmetric = &tc.symmetric
			s := newTestSession(t, testPorts(t), cfg, WithPacer(testPacer(t)))
			if _, err := s.Answer(offerFrom(sdpPeer.addr())); err != nil {
				t.Fatal(err)
			}
			if err := s.Start(&bridgetest.Endpoint{}); err != nil {
				t.Fatal(err)
			}
			b, _ := sdpPeer.recv(t, 5*time.Second)
			var p rtp.Packet
			if err := p.Unmarshal(b); err != nil || p.PayloadType != 0 || len(p.Payload) != 160 {
				t.Fatalf("first packet to the SDP address: %v %+v", err, p.Header)
			}
			want := sdpPeer.addr()
			if tc.symmetric {
				want = natPeer.addr()
			}
			natPeer.send(t, rtpPacket(0, 100, 16000, 0xaaaa, true, pcmuSilence), localRTP(s))
			pipelinetest.Eventually(t, func() bool { return s.Remote() == want.String() }, "Remote() = %s, want %s", s.Remote(), want)
			if tc.symmetric {
				natPeer.recv(t, 5*time.Second)
			}

			// Two packets from a new address, then the latched one
			// talks: no takeover.
			seq := uint16(5000)
			for range relatchPackets - 1 {
				spoofer.send(t, rtpPacket(0, seq, 0, 0xbbbb, false, pcmuSilence), localRTP(s))
				seq++
			}
			natPeer.send(t, rtpPacket(0, 101, 16160, 0xaaaa, false, pcmuSilence), localRTP(s))
			spoofer.send(t, rtpPacket(0, seq, 0, 0xbbbb, false, pcmuSilence), localRTP(s))
			seq++
			pipelinetest.Eventually(t, func() bool { return s.Stats().Foreign == relatchPackets }, "foreign packets counted (%d)", s.Stats().Foreign)
			if s.Remote() != want.String() || s.Stats().Relatches != 0 {
				t.Fatalf("interleaved packets moved the media to %s", s.Remote())
			}
			// relatchPackets in a row: the media moves.
			for range relatchPackets {
				spoofer.send(t, rtpPacket(0, seq, 0, 0xbbbb, false, pcmuSilence), localRTP(s))
				seq++
			}
			if tc.symmetric {
				want = spoofer.addr()
			}
			pipelinetest.Eventually(t, func() bool { return s.Stats().Relatches == 1 }, "a relatch")
			if s.Remote() != want.String() {
				t.Errorf("Remote() = %s after the relatch, want %s", s.Remote(), want)
			}
		})
	}
}

// lossyProxy relays UDP between a and b, dropping, duplicating and
// reordering the first packets from a to b.
type lossyProxy struct {
	conn       *net.UDPConn
	a, b       netip.AddrPort
	limit      int // packets from a subject to damage
	dropped    atomic.Int64
	duplicated atomic.Int64
	swapped    atomic.Int64
	done       chan struct{}
}

// run relays until the socket is closed.
func (p *lossyProxy) run() {
	defer close(p.done)
	buf := make([]byte, 2000)
	var held []byte
	n := 0
	for {
		k, from, err := p.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		pkt := append([]byte(nil), buf[:k]...)
		if from.Port() != p.a.Port() {
			_, _ = p.conn.WriteToUDPAddrPort(pkt, p.a)
			continue
		}
		n++
		switch {
		case n > p.limit:
		case n%10 == 5:
			p.dropped.Add(1)
			continue
		case n%13 == 0:
			p.duplicated.Add(1)
			_, _ = p.conn.WriteToUDPAddrPort(pkt, p.b)
		case n%7 == 0:
			held = pkt // sent after the next one
			p.swapped.Add(1)
			continue
		}
		_, _ = p.conn.WriteToUDPAddrPort(pkt, p.b)
		if held != nil {
			_, _ = p.conn.WriteToUDPAddrPort(held, p.b)
			held = nil
		}
	}
}

// TestLossAndReordering sends audio through a proxy that drops one packet
// in ten, duplicates and reorders others: the receiver counts the loss as
// RFC 3550 defines it (reordered packets are not lost), drops the
// duplicates and conceals the gaps.
func TestLossAndReordering(t *testing.T) {
	ports := testPorts(t)
	pacer := testPacer(t)
	a := newTestSession(t, ports, testConfig(CodecPCMU), WithPacer(pacer))
	b := newTestSession(t, ports, testConfig(CodecPCMU), WithPacer(pacer))
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	proxy := &lossyProxy{conn: conn, a: localRTP(a), b: localRTP(b), limit: 150, done: make(chan struct{})}
	go proxy.run()
	t.Cleanup(func() { _ = conn.Close(); <-proxy.done })

	// Both sides see the proxy's address in the SDP they get.
	proxyPort := conn.LocalAddr().(*net.UDPAddr).Port
	viaProxy := func(body []byte, s *Session) []byte {
		return bytes.Replace(body, fmt.Appendf(nil, "m=audio %d ", s.LocalPort()), fmt.Appendf(nil, "m=audio %d ", proxyPort), 1)
	}
	offer, _ := a.Offer()
	answer, err := b.Answer(viaProxy(offer, a))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetAnswer(viaProxy(answer, b)); err != nil {
		t.Fatal(err)
	}
	aEP, bEP := &bridgetest.Endpoint{}, &bridgetest.Endpoint{}
	aEP.Play(chirp(4*audio.PipelineRate, 300, 3000, 8000))
	if err := a.Start(aEP); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(bEP); err != nil {
		t.Fatal(err)
	}
	pipelinetest.Eventually(t, func() bool { return b.Stats().PacketsIn > 200 }, "packets past the damaged stretch")
	pipelinetest.Eventually(t, func() bool {
		st := b.Stats()
		return st.Lost == proxy.dropped.Load()-proxy.duplicated.Load() && st.Duplicate == uint64(proxy.duplicated.Load())
	}, "lost %d duplicate %d, want %d and %d", b.Stats().Lost, b.Stats().Duplicate, proxy.dropped.Load()-proxy.duplicated.Load(), proxy.duplicated.Load())
	st := b.Stats()
	if st.Foreign != 0 || st.Malformed != 0 {
		t.Errorf("%d packets foreign, %d malformed; want none", st.Foreign, st.Malformed)
	}
	if st.ConcealedFrames < uint64(proxy.dropped.Load()) {
		t.Errorf("%d frames concealed for %d lost packets", st.ConcealedFrames, proxy.dropped.Load())
	}
	if a.Remote() != netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(proxyPort)).String() || b.Remote() != a.Remote() {
		t.Errorf("remotes %s and %s, want both the proxy at port %d", a.Remote(), b.Remote(), proxyPort)
	}
	t.Logf("dropped %d, duplicated %d, swapped %d; receiver %+v", proxy.dropped.Load(), proxy.duplicated.Load(), proxy.swapped.Load(), st)
}

// TestRTCPReports checks that sessions exchange sender and receiver
// reports (round trip measured) and that Close sends a BYE.
func TestRTCPReports(t *testing.T) {
	p := newPair(t, testConfig(CodecPCMU), testConfig(CodecPCMU), WithPacer(testPacer(t)), WithRTCPInterval(200*time.Millisecond))
	pipelinetest.Eventually(t, func() bool {
		a, b := p.caller.Stats(), p.callee.Stats()
		return a.RTCPIn >= 3 && b.RTCPIn >= 3 && a.RTCPOut >= 3 && b.RTCPOut >= 3
	}, "reports both ways (%+v)", p.caller.Stats())
	for _, s := range []*Session{p.caller, p.callee} {
		if st := s.Stats(); st.RoundTrip > time.Second || st.RemoteLost != 0 {
			t.Errorf("round trip %v, far end lost %d on loopback", st.RoundTrip, st.RemoteLost)
		}
	}
	_ = p.caller.Close()
	pipelinetest.Eventually(t, func() bool { return p.callee.Stats().ByeReceived }, "the BYE")
}

// TestUpdateMovesMedia re-offers a new address and codec during the
// call: the session follows with the same SSRC and continuous sequence
// numbers.
func TestUpdateMovesMedia(t *testing.T) {
	first, second := newUDPPeer(t), newUDPPeer(t)
	s := newTestSession(t, testPorts(t), testConfig(CodecPCMU, CodecPCMA), WithPacer(testPacer(t)))
	if _, err := s.Answer(offerFrom(first.addr())); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(newNopEndpoint()); err != nil {
		t.Fatal(err)
	}
	var before rtp.Packet
	b, _ := first.recv(t, 5*time.Second)
	if err := before.Unmarshal(b); err != nil || before.PayloadType != 0 {
		t.Fatalf("first packet: %v pt %d", err, before.PayloadType)
	}
	offer := bytes.Replace(offerFrom(second.addr()), []byte("RTP/AVP 0 101"), []byte("RTP/AVP 8 101"), 1)
	if _, err := s.Update(offer); err != nil {
		t.Fatal(err)
	}
	if s.Codec() != "PCMA/8000" || s.Remote() != second.addr().String() {
		t.Fatalf("after Update: codec %s remote %s, want PCMA/8000 and %s", s.Codec(), s.Remote(), second.addr())
	}
	// A tick that began before Update may still send one PCMU packet.
	var after rtp.Packet
	for i := 0; after.PayloadType != 8; i++ {
		b, _ = second.recv(t, 5*time.Second)
		if err := after.Unmarshal(b); err != nil || i > 2 {
			t.Fatalf("packet at the new address: %v pt %d", err, after.PayloadType)
		}
	}
	if len(after.Payload) != 160 {
		t.Errorf("PCMA payload of %d bytes, want 160", len(after.Payload))
	}
	if after.SSRC != before.SSRC || after.SequenceNumber-before.SequenceNumber > 1000 || !after.Marker {
		t.Errorf("stream not continued: SSRC %x -> %x, seq %d -> %d, marker %v", before.SSRC, after.SSRC, before.SequenceNumber, after.SequenceNumber, after.Marker)
	}
}

// TestPacketization sends the packet size the far end asks for with
// a=ptime, with timestamps that advance by the audio each packet holds.
func TestPacketization(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ptime   string
		payload int
	}{
		{"default 20 ms", "", 160},
		{"40 ms", "a=ptime:40\r\n", 320},
		{"60 ms", "a=ptime:60\r\n", 480},
		{"30 ms is sent as 20 ms", "a=ptime:30\r\n", 160},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer := newUDPPeer(t)
			s := newTestSession(t, testPorts(t), testConfig(CodecPCMU), WithPacer(testPacer(t)))
			if _, err := s.Answer(append(offerFrom(peer.addr()), tc.ptime...)); err != nil {
				t.Fatal(err)
			}
			if err := s.Start(newNopEndpoint()); err != nil {
				t.Fatal(err)
			}
			var prev rtp.Packet
			for i := range 3 {
				b, _ := peer.recv(t, 5*time.Second)
				var p rtp.Packet
				if err := p.Unmarshal(b); err != nil || len(p.Payload) != tc.payload {
					t.Fatalf("packet %d: %v, %d bytes, want %d", i, err, len(p.Payload), tc.payload)
				}
				// The timestamp advances by the packet's audio, and by
				// 20 ms more for each tick a loaded machine skipped.
				step := p.Timestamp - prev.Timestamp
				if i > 0 && (p.SequenceNumber != prev.SequenceNumber+1 || step < uint32(tc.payload) || step%160 != 0) {
					t.Errorf("packet %d: seq %d -> %d, ts %d -> %d; want +1 and at least %d in 20 ms steps", i, prev.SequenceNumber, p.SequenceNumber, prev.Timestamp, p.Timestamp, tc.payload)
				}
				prev = p
			}
		})
	}
}

// TestRemoteReports checks the reading of the far end's reception
// reports: the round trip of RFC 3550 section 6.4.1 and the 24-bit signed
// loss.
func TestRemoteReports(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s, _, _ := receiveSession(t, WithNow(func() time.Time { return now }))
	sent := now.Add(-300 * time.Millisecond)
	lsr := uint32(toNTP(sent) >> 16)
	for _, tc := range []struct {
		name     string
		report   rtcp.ReceptionReport
		wantRTT  time.Duration
		wantLost int64
	}{
		{"round trip 300 ms less 100 ms held", rtcp.ReceptionReport{SSRC: s.ssrc, LastSenderReport: lsr, Delay: 65536 / 10, TotalLost: 7}, 200 * time.Millisecond, 7},
		{"negative loss (duplicates)", rtcp.ReceptionReport{SSRC: s.ssrc, LastSenderReport: lsr, Delay: 0, TotalLost: 0xfffffe}, 300 * time.Millisecond, -2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 99, Reports: []rtcp.ReceptionReport{tc.report}}})
			if err != nil {
				t.Fatal(err)
			}
			s.handleRTCP(b, netip.MustParseAddrPort("127.0.0.1:9"))
			st := s.Stats()
			if d := st.RoundTrip - tc.wantRTT; d < -time.Millisecond || d > time.Millisecond || st.RemoteLost != tc.wantLost {
				t.Errorf("round trip %v lost %d, want %v and %d", st.RoundTrip, st.RemoteLost, tc.wantRTT, tc.wantLost)
			}
		})
	}
}
