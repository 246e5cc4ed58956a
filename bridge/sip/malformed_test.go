package sip

import (
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// rawRequest builds a request whose headers are given line by line; the
// Via, branch and Content-Length are added unless a line sets them.
func rawRequest(start string, lines []string, body string) string {
	var b strings.Builder
	b.WriteString(start + "\r\n")
	has := func(prefix string) bool {
		for _, l := range lines {
			if strings.HasPrefix(strings.ToLower(l), strings.ToLower(prefix)) {
				return true
			}
		}
		return false
	}
	if !has("Via:") && !has("No-Via:") {
		b.WriteString("Via: SIP/2.0/UDP LOCAL;branch=z9hG4bK" + sip.GenerateTagN(12) + "\r\n")
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "No-Via:") {
			b.WriteString(l + "\r\n")
		}
	}
	if !has("Content-Length:") {
		b.WriteString("Content-Length: " + itoa(len(body)) + "\r\n")
	}
	b.WriteString("\r\n" + body)
	return b.String()
}

// okHeaders are the usual headers of a test request.
func okHeaders(method string, extra ...string) []string {
	return append([]string{
		"From: <sip:a@127.0.0.1>;tag=abc", "To: <sip:bot@127.0.0.1>", "Call-ID: c-" + sip.GenerateTagN(8),
		"CSeq: 1 " + method, "Max-Forwards: 70", "Contact: <sip:a@LOCAL>",
	}, extra...)
}

// without drops the headers starting with prefix.
func without(prefix string, hs []string) []string {
	var out []string
	for _, h := range hs {
		if !strings.HasPrefix(h, prefix) {
			out = append(out, h)
		}
	}
	return out
}

func TestMalformedRequests(t *testing.T) {
	hs := startServer(t, harnessOpts{})
	tests := []struct {
		desc    string
		msg     string
		want    int    // 0: no answer expected
		warning string // part of the Warning header
	}{
		{"missing Call-ID", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", without("Call-ID", okHeaders("INVITE")), ""), 400, "Call-ID"},
		{"CSeq that does not parse", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", append(without("CSeq", okHeaders("INVITE")), "CSeq: abc INVITE"), ""), 400, "CSeq"},
		{"missing CSeq", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", without("CSeq", okHeaders("INVITE")), ""), 400, "CSeq"},
		{"CSeq method of another request", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", append(without("CSeq", okHeaders("INVITE")), "CSeq: 1 BYE"), ""), 400, "CSeq method"},
		{"Content-Length beyond the body", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", append(okHeaders("INVITE", "Content-Type: application/sdp"), "Content-Length: 500"), fakeOffer), 400, "body"},
		{"From without a tag", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", append(without("From", okHeaders("INVITE")), "From: <sip:a@127.0.0.1>"), ""), 400, "tag"},
		{"SDP under another Content-Type", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", okHeaders("INVITE", "Content-Type: text/html"), fakeOffer), 415, "text/html"},
		{"Content-Type that does not parse", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", okHeaders("INVITE", "Content-Type: application/"), fakeOffer), 400, "Content-Type"},
		{"body without Content-Type", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", okHeaders("INVITE"), fakeOffer), 400, "Content-Type"},
		{"compressed body", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", okHeaders("INVITE", "Content-Type: application/sdp", "Content-Encoding: gzip"), fakeOffer), 415, "gzip"},
		{"SIP version 3.0", rawRequest("INVITE sip:bot@127.0.0.1 SIP/3.0", okHeaders("INVITE"), ""), 505, ""},
		{"unknown method", rawRequest("FOO sip:bot@127.0.0.1 SIP/2.0", okHeaders("FOO"), ""), 405, ""},
		{"REFER from the far end", rawRequest("REFER sip:bot@127.0.0.1 SIP/2.0", okHeaders("REFER", "Refer-To: <sip:x@y>"), ""), 405, ""},
		{"To with a tag but no dialog", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", append(without("To", okHeaders("INVITE")), "To: <sip:bot@127.0.0.1>;tag=zz"), ""), 481, ""},
		{"unparsable header line answers with the reason", "INVITE sip:bot@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bKq1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:bot@c>\r\nCall-ID: x1\r\nCSeq: 1 INVITE\r\nMax-Forwards: seventy\r\nContent-Length: 0\r\n\r\n", 400, ""},
		{"no Via: dropped", rawRequest("INVITE sip:bot@127.0.0.1 SIP/2.0", okHeaders("INVITE", "No-Via: x"), ""), 0, ""},
		{"not SIP: dropped", "hello there\r\n\r\n", 0, ""},
		{"binary: dropped", "\x00\x01\x02INVITE\xff\xfe", 0, ""},
		{"a response nobody asked for: dropped", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bKx\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", 0, ""},
	}
	for _, tc := range tests {
		wait := pipelinetest.DefaultWait
		if tc.want == 0 {
			wait = 300 * time.Millisecond
		}
		res := raw(t, hs.srv.Addr("udp"), tc.msg, wait)
		switch {
		case tc.want == 0 && res != nil:
			t.Errorf("%s: answered %d, want no answer", tc.desc, res.StatusCode)
		case tc.want != 0 && res == nil:
			t.Errorf("%s: no answer, want %d", tc.desc, tc.want)
		case tc.want != 0 && res.StatusCode != tc.want:
			t.Errorf("%s: answered %d %s, want %d", tc.desc, res.StatusCode, res.Reason, tc.want)
		case tc.warning != "":
			if w := res.GetHeader("Warning"); w == nil || !strings.Contains(w.Value(), tc.warning) {
				t.Errorf("%s: Warning %v, want it to mention %q", tc.desc, w, tc.warning)
			}
		}
	}
	// The server still serves.
	ok := rawRequest("OPTIONS sip:bot@127.0.0.1 SIP/2.0", okHeaders("OPTIONS"), "")
	if res := raw(t, hs.srv.Addr("udp"), ok, pipelinetest.DefaultWait); res == nil || res.StatusCode != 200 {
		t.Fatalf("OPTIONS after the malformed requests: %v", res)
	}
	if hs.srv.Calls() != 0 {
		t.Errorf("Calls() = %d after malformed INVITEs", hs.srv.Calls())
	}
}

func TestBadRequestResponse(t *testing.T) {
	req := "INVITE sip:bot@h SIP/2.0\r\nv: SIP/2.0/UDP 1.2.3.4:5060;branch=z9hG4bK1\r\n" +
		"Via: SIP/2.0/UDP 5.6.7.8;branch=z9hG4bK2\r\nf: <sip:a@b>;tag=9\r\nt: <sip:bot@h>\r\ni: abc\r\n" +
		"CSeq: x INVITE\r\nSubject: folded\r\n  line\r\n\r\n"
	res := badRequest([]byte(req), `bad "CSeq"`+"\r\n", "Parley")
	m, err := sip.ParseMessage(res)
	if err != nil {
		t.Fatalf("the 400 does not parse: %v\n%s", err, res)
	}
	r := m.(*sip.Response)
	if r.StatusCode != 400 || len(r.GetHeaders("Via")) != 2 || r.CallID() == nil || r.CallID().Value() != "abc" {
		t.Errorf("400 %s", res)
	}
	if tag, _ := r.To().Params.Get("tag"); tag == "" {
		t.Error("400 To without a tag")
	}
	if w := r.GetHeader("Warning"); w == nil || strings.Count(w.Value(), `"`) != 2 {
		t.Errorf("Warning %v: the reason must be quoted once", w)
	}
	if badRequest([]byte("INVITE sip:a@b SIP/2.0\r\nFrom: x\r\n\r\n"), "x", "Parley") != nil {
		t.Error("a 400 without a Via to route it by")
	}
}
