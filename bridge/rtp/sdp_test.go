package rtp

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// testNegotiator returns a negotiator for port 40000 at 192.0.2.1 with
// the given codecs (all of them when none), reaching IPv4 only or both
// families.
func testNegotiator(dual bool, codecs ...string) *negotiator {
	if len(codecs) == 0 {
		codecs = DefaultConfig().Codecs
	}
	n := &negotiator{public: netip.MustParseAddr("192.0.2.1"), port: 40000, sessID: 4242,
		reachable: func(a netip.Addr) bool { return dual || a.Is4() }}
	for _, c := range codecs {
		canon, _ := canonicalCodec(c)
		n.codecs = append(n.codecs, codecByName(canon))
	}
	return n
}

// mediaSummary lists an SDP body's m= lines as "media port formats...",
// after checking that the body parses.
func mediaSummary(t *testing.T, body []byte) []string {
	t.Helper()
	if _, err := parseSDP(body); err != nil {
		t.Fatalf("our SDP does not parse: %v\n%s", err, body)
	}
	var out []string
	for l := range strings.SplitSeq(string(body), "\r\n") {
		if f := strings.Fields(strings.TrimPrefix(l, "m=")); strings.HasPrefix(l, "m=") && len(f) > 3 {
			out = append(out, strings.Join(append(f[:2:2], f[3:]...), " "))
		}
	}
	return out
}

// TestAnswerOffers answers real-world and broken offers.
func TestAnswerOffers(t *testing.T) {
	for _, tc := range []struct {
		name       string
		offer      string
		codecs     []string
		dual       bool
		wantErr    error
		wantCodec  string
		wantPT     uint8
		wantDTMF   int // payload type, -1 for none
		wantRemote string
		wantRTCP   string
		wantDir    direction
		wantFrames int
		wantLines  []string
	}{
		{name: "Linphone with video, ICE and three telephone-events", offer: offerLinphone,
			wantCodec: "PCMU/8000", wantPT: 0, wantDTMF: 100, wantRemote: "192.0.2.20:7078", wantRTCP: "192.0.2.20:7079",
			wantFrames: 1, wantLines: []string{"audio 40000 0 100", "video 0 96"}},
		{name: "Linphone, opus preferred", offer: offerLinphone, codecs: []string{"OPUS", "pcmu"},
			wantCodec: "opus/48000", wantPT: 96, wantDTMF: 101, wantRemote: "192.0.2.20:7078", wantRTCP: "192.0.2.20:7079",
			wantFrames: 1, wantLines: []string{"audio 40000 96 101", "video 0 96"}},
		{name: "baresip, our order wins over the offer's", offer: offerBaresip,
			wantCodec: "PCMU/8000", wantPT: 0, wantDTMF: 101, wantRemote: "10.0.0.5:10100", wantRTCP: "10.0.0.5:10101",
			wantFrames: 1, wantLines: []string{"audio 40000 0 101"}},
		{name: "baresip, wideband", offer: offerBaresip, codecs: []string{CodecG722, CodecPCMU},
			wantCodec: "G722/8000", wantPT: 9, wantDTMF: 101, wantRemote: "10.0.0.5:10100", wantRTCP: "10.0.0.5:10101",
			wantFrames: 1, wantLines: []string{"audio 40000 9 101"}},
		{name: "Asterisk with GSM and maxptime", offer: offerAsterisk, codecs: []string{CodecPCMA, CodecPCMU},
			wantCodec: "PCMA/8000", wantPT: 8, wantDTMF: 101, wantRemote: "203.0.113.10:17290", wantRTCP: "203.0.113.10:17291",
			wantFrames: 1, wantLines: []string{"audio 40000 8 101"}},
		{name: "Twilio", offer: offerTwilio,
			wantCodec: "PCMU/8000", wantPT: 0, wantDTMF: 101, wantRemote: "198.51.100.60:15086", wantRTCP: "198.51.100.60:15087",
			wantFrames: 1, wantLines: []string{"audio 40000 0 101"}},
		{name: "IPv6 with best-effort SRTP on a dual-stack host", offer: offerIPv6, dual: true,
			wantCodec: "PCMU/8000", wantPT: 0, wantDTMF: 101, wantRemote: "[2001:db8::15]:4000", wantRTCP: "[2001:db8::15]:4001",
			wantFrames: 1, wantLines: []string{"audio 40000 0 101"}},
		{name: "IPv6 on an IPv4-only host", offer: offerIPv6, wantErr: ErrNoCodec},
		{name: "SRTP only", offer: offerSRTP, wantErr: ErrNoCodec},
		{name: "WebRTC", offer: offerWebRTC, wantErr: ErrNoCodec},
		{name: "disabled stream, fax, media-level c=, a=rtcp, ptime 40, LF only, out of order", offer: offerMixed,
			wantCodec: "PCMA/8000", wantPT: 8, wantDTMF: 101, wantRemote: "192.0.2.100:6000", wantRTCP: "192.0.2.101:6005",
			wantFrames: 2, wantLines: []string{"audio 0 0", "image 0 t38", "audio 40000 8 101"}},
		{name: "RFC 2543 hold", offer: offerOldHold,
			wantCodec: "PCMU/8000", wantPT: 0, wantDTMF: -1, wantRemote: "0.0.0.0:7000", wantRTCP: "0.0.0.0:7001",
			wantDir: dirRecvOnly, wantFrames: 1, wantLines: []string{"audio 40000 0"}},
		{name: "session-level sendonly", offer: offerSendOnly,
			wantCodec: "PCMU/8000", wantPT: 0, wantDTMF: 101, wantRemote: "192.0.2.50:9000", wantRTCP: "192.0.2.50:9001",
			wantDir: dirRecvOnly, wantFrames: 1, wantLines: []string{"audio 40000 0 101"}},
		{name: "no codec in common", offer: offerG729, wantErr: ErrNoCodec},
		{name: "video only", offer: offerVideo, wantErr: ErrNoCodec},
		{name: "not SDP", offer: "hello world", wantErr: ErrBadSDP},
		{name: "empty", offer: "", wantErr: ErrBadSDP},
		{name: "no o= line", offer: "v=0\r\ns=-\r\nt=0 0\r\n", wantErr: ErrBadSDP},
		{name: "host name in c=", offer: strings.Replace(offerTwilio, "198.51.100.60\r\nt=", "media.example.com\r\nt=", 1), wantErr: ErrBadSDP},
		{name: "no c= at all", offer: "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", wantErr: ErrBadSDP},
		{name: "bad port", offer: "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 99999 RTP/AVP 0\r\n", wantErr: ErrBadSDP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := testNegotiator(tc.dual, tc.codecs...)
			m, answer, err := n.answer([]byte(tc.offer), nil)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.codec.String(); got != tc.wantCodec || m.sendPT != tc.wantPT || m.recvPT != tc.wantPT {
				t.Errorf("codec %s pt %d/%d, want %s pt %d", got, m.sendPT, m.recvPT, tc.wantCodec, tc.wantPT)
			}
			if tc.wantDTMF < 0 && m.dtmf || tc.wantDTMF >= 0 && (!m.dtmf || int(m.dtmfSendPT) != tc.wantDTMF) {
				t.Errorf("telephone-event %v pt %d, want pt %d", m.dtmf, m.dtmfSendPT, tc.wantDTMF)
			}
			if m.remote.String() != tc.wantRemote || m.remoteRTCP.String() != tc.wantRTCP {
				t.Errorf("remote %v rtcp %v, want %s and %s", m.remote, m.remoteRTCP, tc.wantRemote, tc.wantRTCP)
			}
			if m.localDir != tc.wantDir || m.frames != tc.wantFrames {
				t.Errorf("direction %v frames %d, want %v and %d", m.localDir, m.frames, tc.wantDir, tc.wantFrames)
			}
			if got := mediaSummary(t, answer); strings.Join(got, "|") != strings.Join(tc.wantLines, "|") {
				t.Errorf("answer m= lines %q, want %q\n%s", got, tc.wantLines, answer)
			}
			if !bytes.Contains(answer, []byte("a="+tc.wantDir.String()+"\r\n")) {
				t.Errorf("answer lacks a=%v:\n%s", tc.wantDir, answer)
			}
		})
	}
}

// TestAnswerDirections checks the mirrored direction for every offered
// one (RFC 3264 section 6.1) and whether we send.
func TestAnswerDirections(t *testing.T) {
	for _, tc := range []struct {
		offered  string
		answered direction
		sending  bool
		timed    bool
	}{
		{"sendrecv", dirSendRecv, true, true},
		{"sendonly", dirRecvOnly, false, false},
		{"recvonly", dirSendOnly, true, false},
		{"inactive", dirInactive, false, false},
	} {
		t.Run(tc.offered, func(t *testing.T) {
			offer := strings.Replace(offerTwilio, "a=sendrecv", "a="+tc.offered, 1)
			m, _, err := testNegotiator(false).answer([]byte(offer), nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.localDir != tc.answered || m.sending() != tc.sending || m.timed() != tc.timed {
				t.Errorf("answered %v sending %v timed %v, want %v %v %v", m.localDir, m.sending(), m.timed(), tc.answered, tc.sending, tc.timed)
			}
		})
	}
}

// TestOfferAndAnswer checks our offers and the reading of answers to
// them.
func TestOfferAndAnswer(t *testing.T) {
	n := testNegotiator(false, CodecPCMU, CodecOpus)
	offer, err := n.offer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := mediaSummary(t, offer); len(got) != 1 || got[0] != "audio 40000 0 111 101 110" {
		t.Fatalf("offer m= lines %q\n%s", got, offer)
	}
	for _, want := range []string{"a=rtpmap:111 opus/48000/2", "a=fmtp:101 0-16", "a=rtpmap:110 telephone-event/48000", "a=sendrecv", "o=parley 4242 1 IN IP4 192.0.2.1"} {
		if !bytes.Contains(offer, []byte(want)) {
			t.Errorf("offer lacks %q:\n%s", want, offer)
		}
	}
	for _, tc := range []struct {
		name      string
		answer    string
		wantErr   error
		wantCodec string
		wantSend  uint8
		wantDTMF  uint8
	}{
		{name: "opus with renumbered types",
			answer:    "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 5000 RTP/AVP 97 98\r\na=rtpmap:97 opus/48000/2\r\na=rtpmap:98 telephone-event/48000\r\n",
			wantCodec: "opus/48000", wantSend: 97, wantDTMF: 98},
		{name: "PCMU", answer: "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
			wantCodec: "PCMU/8000", wantSend: 0, wantDTMF: 101},
		{name: "rejected stream", answer: "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n", wantErr: ErrNoCodec},
		{name: "a codec we did not offer", answer: "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 5000 RTP/AVP 8\r\n", wantErr: ErrNoCodec},
		{name: "garbage", answer: "v=1", wantErr: ErrBadSDP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := n.applyAnswer([]byte(tc.answer))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.codec.String() != tc.wantCodec || m.sendPT != tc.wantSend || m.recvPT != m.codec.pt || m.dtmfSendPT != tc.wantDTMF {
				t.Errorf("codec %s send pt %d recv pt %d dtmf %d, want %s %d %d %d", m.codec, m.sendPT, m.recvPT, m.dtmfSendPT, tc.wantCodec, tc.wantSend, m.codec.pt, tc.wantDTMF)
			}
		})
	}
}

// TestSDPVersions checks that the origin keeps its session id and that
// the version increments with every SDP we write (RFC 3264 section 8),
// and that a re-offer puts the codec in use first.
func TestSDPVersions(t *testing.T) {
	s := newTestSession(t, testPorts(t), testConfig(CodecPCMU, CodecPCMA))
	var origins []string
	answer, err := s.Answer([]byte(strings.Replace(offerTwilio, "m=audio 15086 RTP/AVP 0 101", "m=audio 15086 RTP/AVP 8 0 101", 1)))
	if err != nil {
		t.Fatal(err)
	}
	origins = append(origins, originLine(answer))
	if s.Codec() != "PCMU/8000" {
		t.Fatalf("codec %s, want PCMU", s.Codec())
	}
	answer, err = s.Update([]byte(offerAsterisk))
	if err != nil {
		t.Fatal(err)
	}
	origins = append(origins, originLine(answer))
	if s.Codec() != "PCMU/8000" {
		t.Errorf("Update switched the codec to %s although the offer still has PCMU", s.Codec())
	}
	offer, err := s.Offer()
	if err != nil {
		t.Fatal(err)
	}
	origins = append(origins, originLine(offer))
	if got := mediaSummary(t, offer); got[0] != fmt.Sprintf("audio %d 0 8 101", s.LocalPort()) {
		t.Errorf("re-offer m= line %q, want the codec in use first", got[0])
	}
	for i, o := range origins {
		f := strings.Fields(o)
		if len(f) != 6 || f[2] != fmt.Sprint(i+1) || f[1] != strings.Fields(origins[0])[1] {
			t.Errorf("origin %d = %q, want the same session id and version %d", i, o, i+1)
		}
	}
}

// originLine returns the o= line of an SDP body.
func originLine(body []byte) string {
	for l := range strings.SplitSeq(string(body), "\r\n") {
		if strings.HasPrefix(l, "o=") {
			return l[2:]
		}
	}
	return ""
}

// FuzzAnswer feeds arbitrary offers to the answerer: it must never panic,
// fail only with ErrBadSDP or ErrNoCodec, and produce answers that parse
// and mirror the offer's m= lines.
func FuzzAnswer(f *testing.F) {
	for _, o := range []string{offerLinphone, offerBaresip, offerAsterisk, offerTwilio, offerIPv6, offerSRTP,
		offerWebRTC, offerMixed, offerOldHold, offerG729, offerSendOnly, offerVideo} {
		f.Add([]byte(o))
	}
	f.Fuzz(func(t *testing.T, offer []byte) {
		n := testNegotiator(true)
		m, answer, err := n.answer(offer, nil)
		if err != nil {
			if !errors.Is(err, ErrBadSDP) && !errors.Is(err, ErrNoCodec) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if _, err := parseSDP(answer); err != nil {
			t.Fatalf("our answer does not parse: %v\n%s", err, answer)
		}
		_, offered, err := normalizeSDP(offer)
		if err != nil {
			t.Fatal(err)
		}
		_, answered, err := normalizeSDP(answer)
		if err != nil {
			t.Fatal(err)
		}
		if len(answered) != len(offered) {
			t.Fatalf("answer has %d m= lines, offer %d", len(answered), len(offered))
		}
		taken := 0
		for i, ml := range answered {
			if ml.media != offered[i].media {
				t.Fatalf("answer m= line %d is %s, offer's %s", i, ml.media, offered[i].media)
			}
			if ml.port != 0 {
				taken++
			}
		}
		if taken != 1 || m.frames < 1 || m.frames > 3 {
			t.Fatalf("%d streams taken, frames %d", taken, m.frames)
		}
	})
}
