package webrtc_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/webrtc"
)

// videoOnlyOffer is a well-formed offer without audio.
const videoOnlyOffer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\na=sendrecv\r\n"

func TestWHIPErrors(t *testing.T) {
	cfg := testConfig()
	cfg.Token = "s3cret"
	srv := newTestServer(t, cfg)
	auth := http.Header{"Authorization": {"Bearer s3cret"}}
	offer := newTestPeer(t, false).offer(t)
	recvOnly := strings.ReplaceAll(offer, "a=sendrecv", "a=recvonly")
	base := srv.http.URL + "/whip"

	tests := []struct {
		name        string
		refuse      error
		method, url string
		ctype, body string
		header      http.Header
		want        int
		wantHeader  map[string]string
		wantBody    string
	}{
		{name: "no token", method: "POST", url: base, ctype: "application/sdp", body: offer, want: 401,
			wantHeader: map[string]string{"WWW-Authenticate": `Bearer realm="parley"`}},
		{name: "wrong token", method: "POST", url: base, ctype: "application/sdp", body: offer, want: 401,
			header: http.Header{"Authorization": {"Bearer nope"}}},
		{name: "not SDP", method: "POST", url: base, ctype: "application/json", body: "{}", header: auth, want: 415,
			wantHeader: map[string]string{"Accept-Post": "application/sdp"}},
		{name: "no content type", method: "POST", url: base, body: offer, header: auth, want: 415},
		{name: "garbage SDP", method: "POST", url: base, ctype: "application/sdp", body: "hello\x00world", header: auth, want: 400,
			wantBody: "bad SDP offer"},
		{name: "empty body", method: "POST", url: base, ctype: "application/sdp", header: auth, want: 400, wantBody: "empty"},
		{name: "video only", method: "POST", url: base, ctype: "application/sdp", body: videoOnlyOffer, header: auth, want: 400,
			wantBody: "no Opus audio"},
		{name: "receive-only audio", method: "POST", url: base, ctype: "application/sdp", body: recvOnly, header: auth, want: 400,
			wantBody: "recvonly"},
		{name: "SDP without ICE credentials", method: "POST", url: base, ctype: "application/sdp; charset=utf-8", header: auth, want: 400,
			body: strings.ReplaceAll(videoOnlyOffer, "m=video 9 UDP/TLS/RTP/SAVPF 96", "m=audio 9 UDP/TLS/RTP/SAVPF 111") + "a=rtpmap:111 opus/48000/2\r\n"},
		{name: "body too big", method: "POST", url: base, ctype: "application/sdp", body: offer + strings.Repeat("a=x\r\n", 20000), header: auth, want: 413},
		{name: "busy", refuse: fmt.Errorf("full: %w", bridge.ErrBusy), method: "POST", url: base, ctype: "application/sdp", body: offer, header: auth, want: 503,
			wantHeader: map[string]string{"Retry-After": "5"}},
		{name: "rejected", refuse: bridge.ErrRejected, method: "POST", url: base, ctype: "application/sdp", body: offer, header: auth, want: 403},
		{name: "handler fails", refuse: errors.New("database down"), method: "POST", url: base, ctype: "application/sdp", body: offer, header: auth, want: 500},
		{name: "unknown session", method: "DELETE", url: base + "/20260101T000000-00000000", header: auth, want: 404},
		{name: "outside the endpoint", method: "DELETE", url: base + "/a/b", header: auth, want: 404},
		{name: "trickle ICE", method: "PATCH", url: base + "/20260101T000000-00000000", ctype: "application/trickle-ice-sdpfrag", body: "a=candidate:1", header: auth, want: 405,
			wantHeader: map[string]string{"Allow": "OPTIONS, DELETE"}, wantBody: "trickle"},
		{name: "GET the endpoint", method: "GET", url: base, header: auth, want: 405, wantHeader: map[string]string{"Allow": "OPTIONS, POST"}},
		{name: "preflight", method: "OPTIONS", url: base, header: http.Header{"Origin": {"https://example.com"}, "Access-Control-Request-Method": {"POST"}}, want: 204,
			wantHeader: map[string]string{"Accept-Post": "application/sdp", "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "OPTIONS, POST"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.h.Refuse(tc.refuse)
			defer srv.h.Refuse(nil)
			req, err := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			for k, v := range tc.header {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tc.want)
			}
			for k, v := range tc.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if !strings.Contains(body, tc.wantBody) {
				t.Errorf("body %q does not contain %q", body, tc.wantBody)
			}
		})
	}
	if st := srv.whip.Stats(); st.Active != 0 || st.Accepted != 0 || st.Refused != 3 || st.BadRequests != 10 {
		t.Errorf("Stats = %+v, want nothing active, 3 refused, 10 bad requests", st)
	}
}

func TestWHIPCapacity(t *testing.T) {
	cfg := testConfig()
	cfg.MaxCalls = 1
	srv := newTestServer(t, cfg)
	first := newTestPeer(t, false)
	first.dial(t, srv.http.URL+"/whip", nil)
	a := srv.nextCall(t)

	resp := post(t, srv.http.URL+"/whip", newTestPeer(t, false).offer(t), nil)
	if body := readBody(t, resp); resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second call: %d %s (Retry-After %q), want 503 with Retry-After", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	_ = srv.whip.Close()
	waitDone(t, a.Call, 10e9)
	resp = post(t, srv.http.URL+"/whip", newTestPeer(t, false).offer(t), nil)
	if body := readBody(t, resp); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after Close: %d %s, want 503", resp.StatusCode, body)
	}
}

func TestWHIPCreatedHeaders(t *testing.T) {
	cfg := testConfig()
	cfg.STUNServers = []string{"stun:127.0.0.1:3478"}
	cfg.CORSOrigin = "https://app.example.com"
	cfg.GatherTimeout = 200e6 // nothing answers on that STUN port
	srv := newTestServer(t, cfg, webrtc.WithBasePath("/whip/"))
	peer := newTestPeer(t, false)
	header := http.Header{"Origin": {"https://app.example.com"}}
	resp := post(t, srv.http.URL+"/whip/", peer.offer(t), header)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST: %d %s", resp.StatusCode, body)
	}
	want := map[string]string{
		"Content-Type":                "application/sdp",
		"Link":                        `<stun:127.0.0.1:3478>; rel="ice-server"`,
		"Access-Control-Allow-Origin": "https://app.example.com",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if etag := resp.Header.Get("ETag"); len(etag) < 3 || etag[0] != '"' {
		t.Errorf("ETag = %q, want a quoted entity tag", etag)
	}
	if !strings.Contains(body, "a=candidate:") || !strings.Contains(body, "opus/48000/2") {
		t.Errorf("the answer lacks candidates or Opus:\n%s", body)
	}
	srv.nextCall(t)
	other := post(t, srv.http.URL+"/whip", newTestPeer(t, false).offer(t), http.Header{"Origin": {"https://evil.example.com"}})
	readBody(t, other)
	if got := other.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("Access-Control-Allow-Origin for another origin = %q, want none", got)
	}
}
