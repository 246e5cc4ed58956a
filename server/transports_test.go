package server

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/stt/stttest"
)

func TestTransportsServed(t *testing.T) {
	cfg := testConfig(t)
	cfg.Transports = DefaultTransportsConfig()
	cfg.SIP.UDP, cfg.SIP.TCP = "127.0.0.1:0", "127.0.0.1:0"
	cfg.RTP.Bind = "127.0.0.1"
	cfg.WebRTC.UDPPortMin, cfg.WebRTC.UDPPortMax = 0, 0
	r := newRig(t, cfg, []stttest.Result{})
	stop := running(t, r.srv)
	udp := r.srv.SIPAddr("udp")
	if udp == "" || r.srv.SIPAddr("tcp") == "" {
		t.Fatalf("SIP not listening: udp %q tcp %q", udp, r.srv.SIPAddr("tcp"))
	}
	// A SIP OPTIONS ping over UDP gets a SIP answer.
	conn, err := net.Dial("udp", udp)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	local := conn.LocalAddr().String()
	msg := fmt.Sprintf("OPTIONS sip:parley@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-test1\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:test@127.0.0.1>;tag=1\r\nTo: <sip:parley@%s>\r\nCall-ID: options-test\r\n"+
		"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", udp, local, udp)
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 ") {
		t.Fatalf("OPTIONS answer %q, %v", buf[:n], err)
	}
	// WHIP is routed: a malformed offer is refused by the WebRTC transport,
	// not answered 404.
	resp, err := http.Post("http://"+r.srv.Addr()+"/whip", "application/sdp", strings.NewReader("not sdp"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 || resp.StatusCode == http.StatusNotFound || resp.StatusCode >= 500 {
		t.Errorf("POST /whip with a bad offer: %d", resp.StatusCode)
	}
	// The Twilio endpoint is routed: a plain GET is not a WebSocket.
	code, _, _ := get(t, "http://"+r.srv.Addr()+"/media/twilio")
	if code < 400 || code == http.StatusNotFound || code >= 500 {
		t.Errorf("GET /media/twilio without an upgrade: %d", code)
	}
	// The softphone is at /, and the API still wins over it.
	code, hdr, body := get(t, "http://"+r.srv.Addr()+"/")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || len(body) == 0 {
		t.Errorf("GET /: %d %s", code, hdr.Get("Content-Type"))
	}
	if code, hdr, _ := get(t, "http://"+r.srv.Addr()+"/api/nope"); code != 404 || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("GET /api/nope with the web UI on: %d %s", code, hdr.Get("Content-Type"))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
