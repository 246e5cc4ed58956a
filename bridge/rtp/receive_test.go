package rtp

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// receiveSession returns a negotiated session that is not started, whose
// receive path the test drives by hand, and the far end's address.
func receiveSession(t testing.TB, opts ...Option) (*Session, *bridgetest.Endpoint, *udpPeer) {
	t.Helper()
	peer := newUDPPeer(t)
	s := newTestSession(t, testPorts(t), testConfig(CodecPCMU), opts...)
	if _, err := s.Answer(offerFrom(peer.addr())); err != nil {
		t.Fatal(err)
	}
	ep := &bridgetest.Endpoint{}
	s.ep = ep
	return s, ep, peer
}

// dtmfPacket marshals an RFC 4733 event packet.
func dtmfPacket(seq uint16, ts uint32, code byte, end bool, duration uint16) []byte {
	payload := []byte{code, 10, 0, 0}
	if end {
		payload[1] |= 0x80
	}
	binary.BigEndian.PutUint16(payload[2:], duration)
	return rtpPacket(101, seq, ts, 0x1234, false, payload)
}

// TestReceiveMalformed feeds broken and unusual datagrams to the RTP
// port: none may panic, each lands in the right counter.
func TestReceiveMalformed(t *testing.T) {
	valid := rtpPacket(0, 1, 160, 0x1234, false, pcmuSilence)
	withPadding := append(append([]byte(nil), valid...), 0, 0, 3)
	withPadding[0] |= 0x20
	badPadding := append([]byte(nil), withPadding...)
	badPadding[len(badPadding)-1] = 200
	zeroPadding := append([]byte(nil), withPadding...)
	zeroPadding[len(zeroPadding)-1] = 0
	ext, err := (&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 2, Timestamp: 320, SSRC: 0x1234,
		CSRC: []uint32{1, 2, 3}, Extension: true, ExtensionProfile: rtp.ExtensionProfileOneByte,
		Extensions: []rtp.Extension{}}, Payload: pcmuSilence}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	withExt := func() []byte {
		var p rtp.Packet
		if err := p.Unmarshal(ext); err != nil {
			t.Fatal(err)
		}
		if err := p.SetExtension(1, []byte{0xaa, 0xbb}); err != nil {
			t.Fatal(err)
		}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}()
	truncatedExt := append([]byte(nil), withExt[:14]...)
	manyCSRC := append([]byte(nil), valid[:12]...)
	manyCSRC[0] |= 0x0f
	sr, err := rtcp.Marshal([]rtcp.Packet{&rtcp.SenderReport{SSRC: 0x1234, NTPTime: 1 << 40}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		pkt   []byte
		check func(Stats) bool
	}{
		{"empty", nil, func(s Stats) bool { return s.Malformed == 1 }},
		{"three bytes", []byte{0x80, 0, 1}, func(s Stats) bool { return s.Malformed == 1 }},
		{"version 1", append([]byte{0x40}, valid[1:]...), func(s Stats) bool { return s.Malformed == 1 }},
		{"STUN binding request", []byte{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, func(s Stats) bool { return s.Malformed == 1 }},
		{"CSRC count beyond the packet", manyCSRC, func(s Stats) bool { return s.Malformed == 1 }},
		{"truncated extension", truncatedExt, func(s Stats) bool { return s.Malformed == 1 }},
		{"padding longer than the packet", badPadding, func(s Stats) bool { return s.Malformed == 1 }},
		{"zero padding length", zeroPadding, func(s Stats) bool { return s.Malformed == 1 }},
		{"valid", valid, func(s Stats) bool { return s.PacketsIn == 1 && s.Malformed == 0 }},
		{"valid with padding", withPadding, func(s Stats) bool { return s.PacketsIn == 1 }},
		{"valid with CSRCs and a header extension", withExt, func(s Stats) bool { return s.PacketsIn == 1 }},
		{"payload type not negotiated", rtpPacket(96, 1, 160, 0x1234, false, pcmuSilence), func(s Stats) bool { return s.WrongPayload == 1 && s.PacketsIn == 0 }},
		{"comfort noise", rtpPacket(payloadTypeCN, 1, 160, 0x1234, false, []byte{40}), func(s Stats) bool { return s.PacketsIn == 1 && s.WrongPayload == 0 }},
		{"empty audio payload", rtpPacket(0, 1, 160, 0x1234, false, nil), func(s Stats) bool { return s.Invalid == 1 }},
		{"keypad event too short", rtpPacket(101, 1, 160, 0x1234, false, []byte{1, 2}), func(s Stats) bool { return s.Malformed == 1 && s.DTMFIn == 0 }},
		{"RTCP multiplexed on the RTP port", sr, func(s Stats) bool { return s.RTCPIn == 1 && s.PacketsIn == 0 }},
		{"broken RTCP on the RTP port", sr[:10], func(s Stats) bool { return s.Malformed == 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, peer := receiveSession(t)
			s.handleRTP(tc.pkt, peer.addr().Addr(), peer.addr().Port())
			if st := s.Stats(); !tc.check(st) {
				t.Errorf("unexpected counters: %+v", st)
			}
			s.playout(s.media.Load()) // the jitter buffer copes too
		})
	}
}

// TestReceiveDTMF checks RFC 4733 event decoding: one digit per key
// press, with retransmissions, lost start or end packets, and late
// duplicates.
func TestReceiveDTMF(t *testing.T) {
	type pkt struct {
		ts   uint32
		code byte
		end  bool
	}
	for _, tc := range []struct {
		name    string
		packets []pkt
		after   time.Duration // fake time after the packets, for lost ends
		want    string
	}{
		{"start, updates, three ends", []pkt{{1000, 5, false}, {1000, 5, false}, {1000, 5, false}, {1000, 5, true}, {1000, 5, true}, {1000, 5, true}}, 0, "5"},
		{"only the ends arrived", []pkt{{1000, 11, true}, {1000, 11, true}}, 0, "#"},
		{"two presses of one key", []pkt{{1000, 1, false}, {1000, 1, true}, {1000, 1, true}, {2000, 1, false}, {2000, 1, true}}, 0, "11"},
		{"end lost, next event starts", []pkt{{1000, 2, false}, {1000, 2, false}, {2000, 3, false}, {2000, 3, true}}, 0, "23"},
		{"all ends lost", []pkt{{1000, 12, false}, {1000, 12, false}}, time.Second, "A"},
		{"all ends lost, too soon to tell", []pkt{{1000, 12, false}}, 100 * time.Millisecond, ""},
		{"late end of an earlier event", []pkt{{1000, 4, true}, {2000, 6, false}, {1000, 4, true}, {2000, 6, true}}, 0, "46"},
		{"flash and unknown events are not digits", []pkt{{1000, 16, true}, {2000, 200, true}}, time.Second, ""},
		{"keys A to D", []pkt{{1000, 12, true}, {2000, 13, true}, {3000, 14, true}, {4000, 15, true}}, 0, "ABCD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			s, ep, peer := receiveSession(t, WithNow(func() time.Time { return now }))
			for i, p := range tc.packets {
				s.handleRTP(dtmfPacket(uint16(10+i), p.ts, p.code, p.end, 800), peer.addr().Addr(), peer.addr().Port())
			}
			now = now.Add(tc.after)
			s.dtmfLostEnd(now)
			if got := ep.Digits(); got != tc.want {
				t.Errorf("digits %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSourceStats checks the RFC 3550 appendix A sequence accounting
// across the 16-bit wrap, with loss, duplicates and a sender restart.
func TestSourceStats(t *testing.T) {
	for _, tc := range []struct {
		name     string
		seqs     []uint16
		wantLost int64
		wantMax  uint32 // extended highest sequence number
	}{
		{"in order across the wrap", []uint16{65533, 65534, 65535, 0, 1, 2}, 0, 65536 + 2},
		{"one lost at the wrap", []uint16{65533, 65534, 65535, 1, 2}, 1, 65536 + 2},
		{"reordered", []uint16{100, 101, 103, 102, 104}, 0, 104},
		{"duplicate", []uint16{100, 101, 102, 102, 103}, -1, 103},
		{"burst loss", []uint16{100, 101, 110, 111}, 8, 111},
		{"sender restart (two in sequence after a jump)", []uint16{100, 101, 102, 40000, 40001, 40002}, 0, 40002},
		{"a single stray jump is ignored", []uint16{100, 101, 102, 40000, 103, 104}, 0, 104},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st sourceStats
			now := time.Now()
			for i, seq := range tc.seqs {
				p := &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: uint32(i) * 160, SSRC: 7}}
				st.update(p, true, 8000, now.Add(time.Duration(i)*20*time.Millisecond))
			}
			if st.lost() != tc.wantLost || st.extendedMax() != tc.wantMax {
				t.Errorf("lost %d max %d, want %d and %d", st.lost(), st.extendedMax(), tc.wantLost, tc.wantMax)
			}
			if st.jitter > 1 {
				t.Errorf("jitter %.1f ticks for perfectly paced packets", st.jitter)
			}
		})
	}
}

// FuzzReceive feeds arbitrary datagrams to the RTP and RTCP paths and
// plays out after each: nothing may panic.
func FuzzReceive(f *testing.F) {
	f.Add(rtpPacket(0, 1, 160, 0x1234, true, pcmuSilence))
	f.Add(dtmfPacket(2, 320, 5, true, 800))
	f.Add([]byte{0xa0, 0, 0, 3, 0, 0, 1, 0, 0, 0, 0x12, 0x34, 0xff, 0, 0, 2}) // padding
	f.Add([]byte{0x9f, 0, 0, 4, 0, 0, 1, 0, 0, 0, 0x12, 0x34})                // 15 CSRCs claimed
	f.Add([]byte{0x90, 0, 0, 5, 0, 0, 1, 0, 0, 0, 0x12, 0x34, 0xbe, 0xde, 0, 9})
	f.Add([]byte{0x80, 0xc8, 0, 6, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x81, 0xcb, 0, 1, 0, 0, 0x12, 0x34})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, _, peer := receiveSession(t)
		s.handleRTP(b, peer.addr().Addr(), peer.addr().Port())
		s.handleRTCP(b, peer.addr())
		s.playout(s.media.Load())
		_ = s.Stats()
	})
}
