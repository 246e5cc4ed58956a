package sip

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/parley-voice/parley/bridge"
)

// FuzzInvite sends each input as a UDP datagram to a running server ("LOCAL"
// in the input becomes the sender's address, so that seeds can carry a
// routable Via). Whatever it sends back must parse; a request that parses
// with a Via naming the sender must get a final answer echoing its
// Call-ID; and after every input the server still answers OPTIONS.
func FuzzInvite(f *testing.F) {
	for _, s := range []string{
		rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", okHeaders("INVITE", "Content-Type: application/sdp"), fakeOffer),
		rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", okHeaders("INVITE", "Content-Type: multipart/mixed;boundary=xx"), "--xx\r\nContent-Type: application/sdp\r\n\r\n"+fakeOffer+"\r\n--xx--\r\n"),
		rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", okHeaders("INVITE", "Session-Expires: 10", "Supported: timer"), ""),
		rawRequest("OPTIONS sip:bot@127.0.0.1 SIP/2.0", okHeaders("OPTIONS"), ""),
		rawRequest("INFO sip:bot@127.0.0.1 SIP/2.0", okHeaders("INFO", "Content-Type: application/dtmf-relay"), "Signal=5\r\n"),
		rawRequest("BYE sip:bot@127.0.0.1 SIP/2.0", okHeaders("BYE"), ""),
		rawRequest("CANCEL sip:bot@127.0.0.1 SIP/2.0", okHeaders("CANCEL"), ""),
		rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", append(without("CSeq", okHeaders("INVITE")), "CSeq: 99999999999 INVITE"), ""),
		"INVITE sip:bot@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK1\r\nContent-Length: 10\r\n\r\nabc",
		"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK1\r\n\r\n",
		"\r\n\r\n",
		"INVITE  SIP/2.0\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	hs := startServer(f, harnessOpts{})
	hs.h.Refuse(bridge.ErrRejected) // calls are refused after the whole INVITE path ran
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = conn.Close() })
	local := conn.LocalAddr().String()
	to := hs.srv.Addr("udp")
	f.Fuzz(func(t *testing.T, data []byte) {
		data = bytes.ReplaceAll(data, []byte("LOCAL"), []byte(local))
		want := expectAnswer(data, local)
		if _, err := conn.WriteTo(data, to); err != nil {
			t.Skip("datagram too large to send")
		}
		wait := 30 * time.Millisecond
		if want != nil {
			wait = 3 * time.Second
		}
		got := readFinal(t, conn, wait, want)
		if want != nil && got == nil {
			t.Fatalf("no final answer to a request that parses:\n%q", data)
		}
		opt := rawRequest("OPTIONS sip:bot@127.0.0.1 SIP/2.0", okHeaders("OPTIONS"), "")
		opt = strings.ReplaceAll(opt, "LOCAL", local)
		if _, err := conn.WriteTo([]byte(opt), to); err != nil {
			t.Fatal(err)
		}
		m, _ := sip.ParseMessage([]byte(opt))
		if res := readFinal(t, conn, 3*time.Second, m.(*sip.Request)); res == nil || res.StatusCode != 200 {
			t.Fatalf("the server stopped answering OPTIONS after:\n%q", data)
		}
	})
}

// expectAnswer returns the request in data when it must get a final
// answer: it parses, is not an ACK, and its top Via names the sender.
func expectAnswer(data []byte, local string) *sip.Request {
	m, err := sip.ParseMessage(data)
	if err != nil {
		return nil
	}
	req, ok := m.(*sip.Request)
	if !ok || req.IsAck() || req.Via() == nil || req.CSeq() == nil || req.CallID() == nil {
		return nil
	}
	v := req.Via()
	if net.JoinHostPort(v.Host, itoa(v.Port)) != local || !strings.EqualFold(v.Transport, "UDP") {
		return nil
	}
	return req
}

// readFinal reads datagrams for up to wait and returns the first final
// response to req (any final response when req is nil). Every datagram
// must parse.
func readFinal(t *testing.T, conn net.PacketConn, wait time.Duration, req *sip.Request) *sip.Response {
	buf := make([]byte, 65535)
	deadline := time.Now().Add(wait)
	for {
		_ = conn.SetReadDeadline(deadline)
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			return nil
		}
		m, err := sip.ParseMessage(buf[:n])
		if err != nil {
			t.Fatalf("the server sent an unparsable message: %v\n%s", err, buf[:n])
		}
		res, ok := m.(*sip.Response)
		if !ok || res.StatusCode < 200 {
			continue
		}
		if req == nil {
			return res
		}
		if res.CallID() != nil && res.CallID().Value() == req.CallID().Value() {
			return res
		}
	}
}

func FuzzParseDTMFInfo(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf-relay", []byte("Signal=11\r\n"))
	f.Add("application/dtmf", []byte("*"))
	f.Add("application/dtmf; charset=x", []byte("Signal=d"))
	f.Add("text/plain", []byte("5"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		d, err := parseDTMFInfo(ct, body)
		if err == nil && !validDigit(d) {
			t.Fatalf("digit %q accepted from %q %q", d, ct, body)
		}
	})
}

func FuzzBadRequest(f *testing.F) {
	f.Add([]byte("INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\nCSeq: x INVITE\r\nTo: <sip:a@b>\r\n\r\n"), "reason")
	f.Add([]byte("BYE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h\r\n t\r\ni: \"x\r\n\r\n"), "\"\\\r\n")
	f.Fuzz(func(t *testing.T, data []byte, reason string) {
		if !looksLikeRequest(data) {
			return
		}
		res := badRequest(data, reason, "Parley")
		if res == nil {
			return
		}
		if _, err := sip.ParseMessage(res); err != nil {
			t.Fatalf("the 400 for %q does not parse: %v\n%s", data, err, res)
		}
	})
}

func FuzzSDPBody(f *testing.F) {
	f.Add("application/sdp", []byte(fakeOffer))
	f.Add("multipart/mixed;boundary=b", []byte("--b\r\nContent-Type: application/isup\r\n\r\nxx\r\n--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b--\r\n"))
	f.Add("multipart/mixed", []byte("--b\r\n"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", Host: "h"})
		req.AppendHeader(sip.NewHeader("Content-Type", ct))
		req.SetBody(body)
		sdp, p := sdpBody(req)
		if p.code == 0 && len(bytes.TrimSpace(body)) > 0 && sdp == nil {
			t.Fatalf("no SDP and no problem for %q %q", ct, body)
		}
		if p.code != 0 && p.code != 400 && p.code != 415 {
			t.Fatalf("status %d", p.code)
		}
	})
}

func FuzzSipfrag(f *testing.F) {
	f.Add([]byte("SIP/2.0 200 OK\r\n"))
	f.Add([]byte("SIP/2.0 99999999999999999999 x"))
	f.Fuzz(func(t *testing.T, body []byte) {
		code, err := sipfragStatus(body)
		if err == nil && (code < 100 || code > 699) {
			t.Fatalf("status %d from %q", code, body)
		}
	})
}
