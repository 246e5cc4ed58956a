package sip

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestCallInboundAnswerAndCallerHangsUp(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			hs := startServer(t, harnessOpts{})
			ph := newPhone(t, hs)
			ctx := context.Background()
			to := hs.uri("bot", network)
			sess, res, err := ph.call(ctx, to, []byte(fakeOffer), sipgo.AnswerOptions{},
				sdpHeaders(sip.NewHeader("X-Account", "A-17"), sip.NewHeader("X-Queue", "returns"))...)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("INVITE: %v, response %v", err, res)
			}
			if string(res.Body()) != fakeAnswer {
				t.Errorf("200 body %q, want the media's answer", res.Body())
			}
			if ct := res.ContentType(); ct == nil || ct.Value() != "application/sdp" {
				t.Errorf("200 Content-Type %v, want application/sdp", ct)
			}
			if c := res.Contact(); c == nil || c.Address.Port != hs.uri("", network).Port {
				t.Errorf("200 Contact %v, want the %s listener", c, network)
			}
			a := hs.nextCall(t)
			info := a.Call.Info()
			if info.Channel != bridge.ChannelSIP || info.Direction != bridge.Inbound || info.Codec != "PCMU/8000" {
				t.Errorf("info %+v", info)
			}
			if info.Params["sip_call_id"] != sess.InviteRequest.CallID().Value() {
				t.Errorf("sip_call_id %q, want %q", info.Params["sip_call_id"], sess.InviteRequest.CallID().Value())
			}
			if info.Params["x-account"] != "A-17" || info.Params["x-queue"] != "returns" {
				t.Errorf("X- headers in params: %v", info.Params)
			}
			if !strings.HasPrefix(info.From, "sip:") || !strings.Contains(info.To, "bot@") || info.ID == "" || info.Remote == "" {
				t.Errorf("info %+v", info)
			}
			m := hs.media.last(t)
			pipelinetest.Eventually(t, m.isStarted, "media started")
			if hs.srv.Calls() != 1 {
				t.Errorf("Calls() = %d during the call", hs.srv.Calls())
			}
			if err := sess.Bye(ctx); err != nil {
				t.Fatalf("BYE: %v", err)
			}
			waitDone(t, a.Call)
			if err := a.Call.Err(); err != nil {
				t.Errorf("Err after the caller's BYE = %v, want nil", err)
			}
			pipelinetest.Eventually(t, m.isClosed, "media closed")
			pipelinetest.Eventually(t, func() bool { return hs.srv.Calls() == 0 }, "no calls left")
			if err := a.Call.Transfer(ctx, "sip:x@y"); !errors.Is(err, bridge.ErrCallEnded) {
				t.Errorf("Transfer after the end: %v, want ErrCallEnded", err)
			}
			if err := a.Call.Hangup(ctx, "again"); err != nil {
				t.Errorf("Hangup after the end: %v", err)
			}
		})
	}
}

func TestCallInviteRefused(t *testing.T) {
	tests := []struct {
		desc    string
		cfg     func(*Config)
		refuse  error
		noPorts bool
		body    string
		hdrs    []sip.Header
		want    int
		check   func(t *testing.T, res *sip.Response)
	}{
		{desc: "no common codec gets 488 with a Warning", body: strings.ReplaceAll(fakeOffer, "PCMU", "G729"), want: 488,
			check: func(t *testing.T, res *sip.Response) {
				if w := res.GetHeader("Warning"); w == nil || !strings.HasPrefix(w.Value(), "305 ") {
					t.Errorf("Warning %v, want a 305", w)
				}
			}},
		{desc: "SDP that does not parse gets 400", body: "hello", want: 400},
		{desc: "a busy handler gets 503 with Retry-After", refuse: bridge.ErrBusy, body: fakeOffer, want: 503,
			check: func(t *testing.T, res *sip.Response) {
				if res.GetHeader("Retry-After") == nil {
					t.Error("503 without Retry-After")
				}
			}},
		{desc: "a rejecting handler gets 403", refuse: bridge.ErrRejected, body: fakeOffer, want: 403},
		{desc: "a failing handler gets 500", refuse: errors.New("boom"), body: fakeOffer, want: 500},
		{desc: "no free RTP port gets 503", noPorts: true, body: fakeOffer, want: 503},
		{desc: "a body that is not SDP gets 415 with Accept", body: "hello", hdrs: []sip.Header{sip.NewHeader("Content-Type", "text/plain")}, want: 415,
			check: func(t *testing.T, res *sip.Response) {
				if a := res.GetHeader("Accept"); a == nil || a.Value() != "application/sdp" {
					t.Errorf("Accept %v", a)
				}
			}},
		{desc: "a required extension that is not supported gets 420", body: fakeOffer, hdrs: []sip.Header{sip.NewHeader("Require", "100rel")}, want: 420,
			check: func(t *testing.T, res *sip.Response) {
				if u := res.GetHeader("Unsupported"); u == nil || u.Value() != "100rel" {
					t.Errorf("Unsupported %v", u)
				}
			}},
		{desc: "a session interval below 90 s gets 422 with Min-SE", body: fakeOffer, hdrs: []sip.Header{sip.NewHeader("Session-Expires", "30")}, want: 422,
			check: func(t *testing.T, res *sip.Response) {
				if m := res.GetHeader("Min-SE"); m == nil || m.Value() != "90" {
					t.Errorf("Min-SE %v", m)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			hs := startServer(t, harnessOpts{cfg: tc.cfg})
			hs.h.Refuse(tc.refuse)
			hs.media.setNoPorts(tc.noPorts)
			ph := newPhone(t, hs)
			hdrs := tc.hdrs
			if len(hdrs) == 0 || hdrs[0].Name() != "Content-Type" {
				hdrs = sdpHeaders(hdrs...)
			}
			_, res, err := ph.call(context.Background(), hs.uri("bot", "udp"), []byte(tc.body), sipgo.AnswerOptions{}, hdrs...)
			if err != nil {
				t.Fatalf("INVITE: %v", err)
			}
			if res.StatusCode != tc.want {
				t.Fatalf("status %d %s, want %d", res.StatusCode, res.Reason, tc.want)
			}
			if tc.check != nil {
				tc.check(t, res)
			}
			pipelinetest.Eventually(t, func() bool { return hs.srv.Calls() == 0 }, "the refused call released its slot")
		})
	}
}

func TestCallMaxCalls(t *testing.T) {
	hs := startServer(t, harnessOpts{cfg: func(c *Config) { c.MaxCalls = 1 }})
	ph := newPhone(t, hs)
	ctx := context.Background()
	sess, res, err := ph.call(ctx, hs.uri("bot", "udp"), []byte(fakeOffer), sipgo.AnswerOptions{}, sdpHeaders()...)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("first call: %v %v", err, res)
	}
	_, res, err = ph.call(ctx, hs.uri("bot", "udp"), []byte(fakeOffer), sipgo.AnswerOptions{}, sdpHeaders()...)
	if err != nil || res.StatusCode != 503 || res.GetHeader("Retry-After") == nil {
		t.Fatalf("second call: %v %v, want 503 with Retry-After", err, res)
	}
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	pipelinetest.Eventually(t, func() bool { return hs.srv.Calls() == 0 }, "slot released")
	_, res, err = ph.call(ctx, hs.uri("bot", "udp"), []byte(fakeOffer), sipgo.AnswerOptions{}, sdpHeaders()...)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("third call after a hangup: %v %v", err, res)
	}
}

func TestCallCancelWhileRinging(t *testing.T) {
	hs := startServer(t, harnessOpts{fakeTime: true, cfg: func(c *Config) { c.Ring = 30 * time.Second }})
	ph := newPhone(t, hs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ringing bool
	sess, err := ph.dua.Invite(ctx, hs.uri("bot", "udp"), []byte(fakeOffer), sdpHeaders()...)
	if err != nil {
		t.Fatal(err)
	}
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sip.Response) error {
		if res.StatusCode == 180 {
			ringing = true
			cancel() // the caller hangs up while it rings
		}
		return nil
	}})
	if !errors.Is(err, context.Canceled) || !ringing {
		t.Fatalf("WaitAnswer: %v (ringing %v), want a cancelled call after 180", err, ringing)
	}
	if res := sess.InviteResponse; res == nil || res.StatusCode != 487 {
		t.Errorf("final response %v, want 487 Request Terminated", res)
	}
	a := hs.nextCall(t)
	waitDone(t, a.Call)
	if a.Call.Err() != nil {
		t.Errorf("Err = %v after a CANCEL, want nil", a.Call.Err())
	}
	pipelinetest.Eventually(t, func() bool { return hs.srv.Calls() == 0 }, "no call leaks after CANCEL")
	pipelinetest.Eventually(t, hs.media.last(t).isClosed, "media closed after CANCEL")
}

func TestCallRingsThenAnswers(t *testing.T) {
	hs := startServer(t, harnessOpts{fakeTime: true, cfg: func(c *Config) { c.Ring = 3 * time.Second }})
	ph := newPhone(t, hs)
	ctx := context.Background()
	sess, err := ph.dua.Invite(ctx, hs.uri("bot", "udp"), []byte(fakeOffer), sdpHeaders()...)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int, 8)
	done := make(chan error, 1)
	go func() {
		done <- sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sip.Response) error {
			got <- res.StatusCode
			return nil
		}})
	}()
	for code := range got {
		if code == 180 {
			break
		}
	}
	// The clock's ticker is created right after the 180 is sent.
	pipelinetest.Eventually(t, func() bool { return hs.clock.Tickers() > 0 }, "ring timer started")
	hs.clock.Advance(3 * time.Second)
	if err := <-done; err != nil {
		t.Fatalf("WaitAnswer: %v", err)
	}
	if sess.InviteResponse.StatusCode != 200 {
		t.Fatalf("final %d", sess.InviteResponse.StatusCode)
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	a := hs.nextCall(t)
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	waitDone(t, a.Call)
}

func TestCallHangupBeforeAnswer(t *testing.T) {
	hs := startServer(t, harnessOpts{fakeTime: true, cfg: func(c *Config) { c.Ring = time.Minute }})
	ph := newPhone(t, hs)
	ctx := context.Background()
	res := make(chan *sip.Response, 1)
	go func() {
		_, r, _ := ph.call(ctx, hs.uri("bot", "udp"), []byte(fakeOffer), sipgo.AnswerOptions{}, sdpHeaders()...)
		res <- r
	}()
	a := hs.nextCall(t)
	if err := a.Call.Hangup(ctx, "closed for the day"); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	if r := <-res; r == nil || r.StatusCode != 480 {
		t.Fatalf("final response %v, want 480", r)
	}
	waitDone(t, a.Call)
}
