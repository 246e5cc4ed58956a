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
	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// established is an answered inbound call with the phone that placed it.
type established struct {
	hs   *harness
	ph   *phone
	sess *sipgo.DialogClientSession
	a    bridgetest.Accepted
	m    *fakeMedia
}

// establish places an answered call from a new phone.
func establish(t *testing.T, hs *harness, hdrs ...sip.Header) *established {
	t.Helper()
	ph := newPhone(t, hs)
	sess, res, err := ph.call(context.Background(), hs.uri("bot", "udp"), []byte(fakeOffer), sipgo.AnswerOptions{}, sdpHeaders(hdrs...)...)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("INVITE: %v %v", err, res)
	}
	a := hs.nextCall(t)
	e := &established{hs: hs, ph: ph, sess: sess, a: a}
	if hs.media != nil {
		e.m = hs.media.last(t)
		pipelinetest.Eventually(t, e.m.isStarted, "media started")
	}
	return e
}

// ack acknowledges the 2xx of a re-INVITE the phone sent.
func (e *established) ack(t *testing.T, body []byte) {
	t.Helper()
	ack := sip.NewRequest(sip.ACK, e.sess.InviteResponse.Contact().Address)
	if body != nil {
		ack.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		ack.SetBody(body)
	}
	if err := e.sess.WriteRequest(ack); err != nil {
		t.Fatalf("ACK: %v", err)
	}
}

func TestCallOptions(t *testing.T) {
	hs := startServer(t, harnessOpts{})
	ph := newPhone(t, hs)
	req := sip.NewRequest(sip.OPTIONS, hs.uri("", "udp"))
	res, err := ph.cli.Do(context.Background(), req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("OPTIONS: %v %v", err, res)
	}
	for name, want := range map[string]string{"Allow": "INVITE", "Accept": "application/sdp", "Supported": "timer"} {
		if h := res.GetHeader(name); h == nil || !strings.Contains(h.Value(), want) {
			t.Errorf("%s = %v, want it to hold %s", name, h, want)
		}
	}
}

func TestCallInfoDigits(t *testing.T) {
	tests := []struct {
		desc, ctype, body string
		want              int
		digit             string
	}{
		{"dtmf-relay signal", "application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", 200, "5"},
		{"dtmf-relay star as an event code", "application/dtmf-relay", "Signal= 10\r\nDuration= 100\r\n", 200, "*"},
		{"dtmf-relay lower-case key and letter", "application/dtmf-relay", "signal=b\r\n", 200, "B"},
		{"dtmf bare digit", "application/dtmf", "#", 200, "#"},
		{"empty INFO is a keep-alive", "", "", 200, ""},
		{"not a digit", "application/dtmf-relay", "Signal=X\r\n", 400, ""},
		{"no signal line", "application/dtmf-relay", "Duration=160\r\n", 400, ""},
		{"other INFO package", "application/media_control+xml", "<media_control/>", 415, ""},
	}
	hs := startServer(t, harnessOpts{})
	e := establish(t, hs)
	var want string
	for _, tc := range tests {
		req := sip.NewRequest(sip.INFO, e.sess.InviteResponse.Contact().Address)
		if tc.body != "" {
			req.AppendHeader(sip.NewHeader("Content-Type", tc.ctype))
			req.SetBody([]byte(tc.body))
		}
		res, err := e.sess.Do(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: INFO: %v", tc.desc, err)
		}
		if res.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.desc, res.StatusCode, tc.want)
		}
		want += tc.digit
	}
	if got := e.a.Endpoint.Digits(); got != want {
		t.Errorf("digits at the endpoint %q, want %q", got, want)
	}
}

func TestCallReinvite(t *testing.T) {
	hs := startServer(t, harnessOpts{})
	e := establish(t, hs)
	ctx := context.Background()
	tests := []struct {
		desc string
		body string
		want int
	}{
		{"hold (sendonly) gets the media's new answer", strings.Replace(fakeOffer, "PCMU/8000\r\n", "PCMU/8000\r\na=sendonly\r\n", 1), 200},
		{"resume", fakeOffer, 200},
		{"an offer with no common codec is refused and the call goes on", strings.ReplaceAll(fakeOffer, "PCMU", "G729"), 488},
		{"a refresh without SDP gets an offer", "", 200},
	}
	for _, tc := range tests {
		req := sip.NewRequest(sip.INVITE, e.sess.InviteResponse.Contact().Address)
		if tc.body != "" {
			req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
			req.SetBody([]byte(tc.body))
		}
		res, err := e.sess.Do(ctx, req)
		if err != nil {
			t.Fatalf("%s: re-INVITE: %v", tc.desc, err)
		}
		if res.StatusCode != tc.want {
			t.Fatalf("%s: status %d %s, want %d", tc.desc, res.StatusCode, res.Reason, tc.want)
		}
		if res.StatusCode == 200 {
			if len(res.Body()) == 0 {
				t.Errorf("%s: 200 without SDP", tc.desc)
			}
			var ackBody []byte
			if tc.body == "" {
				ackBody = []byte(fakeAnswer)
			}
			e.ack(t, ackBody)
		}
	}
	e.m.mu.Lock()
	updates := len(e.m.updates)
	e.m.mu.Unlock()
	if updates != 2 {
		t.Errorf("media got %d updates, want 2 (hold, resume)", updates)
	}
	pipelinetest.Eventually(t, func() bool {
		e.m.mu.Lock()
		defer e.m.mu.Unlock()
		return len(e.m.answers) == 1
	}, "the ACK's answer to the re-offer reached the media")
	select {
	case <-e.a.Call.Done():
		t.Fatal("the call ended after a refused re-INVITE")
	default:
	}
	if err := e.sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	waitDone(t, e.a.Call)
}

func TestCallServerHangsUp(t *testing.T) {
	hs := startServer(t, harnessOpts{})
	e := establish(t, hs)
	if err := e.a.Call.Hangup(context.Background(), "the caller's order is complete"); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	bye := e.ph.next(sip.BYE)
	r := bye.GetHeader("Reason")
	if r == nil || !strings.Contains(r.Value(), "cause=16") || !strings.Contains(r.Value(), "order is complete") {
		t.Errorf("Reason %v, want Q.850 cause 16 with the text", r)
	}
	waitDone(t, e.a.Call)
	if e.a.Call.Err() != nil {
		t.Errorf("Err = %v after Hangup", e.a.Call.Err())
	}
	if !e.m.isClosed() {
		t.Error("media left open after Hangup")
	}
	if err := e.a.Call.SendDTMF("1"); !errors.Is(err, bridge.ErrCallEnded) {
		t.Errorf("SendDTMF after the end: %v", err)
	}
}

func TestCallSendDTMF(t *testing.T) {
	hs := startServer(t, harnessOpts{})
	e := establish(t, hs)
	if err := e.a.Call.SendDTMF("12#"); err != nil {
		t.Fatal(err)
	}
	e.m.mu.Lock()
	got := e.m.dtmf
	e.m.mu.Unlock()
	if got != "12#" {
		t.Errorf("media sent %q", got)
	}
	if err := e.a.Call.SendDTMF("1x"); !errors.Is(err, ErrBadDigits) {
		t.Errorf("SendDTMF(1x) = %v, want ErrBadDigits", err)
	}
}

func TestCallTransfer(t *testing.T) {
	tests := []struct {
		desc     string
		refer    int // the phone's answer to the REFER
		notify   string
		wantErr  error
		wantCode int
		ended    bool
	}{
		{desc: "accepted and answered: the call ends", refer: 202, notify: "SIP/2.0 200 OK\r\n", ended: true},
		{desc: "refused REFER: the call goes on", refer: 603, wantErr: ErrTransferFailed, wantCode: 603},
		{desc: "transferred call busy: the call goes on", refer: 202, notify: "SIP/2.0 486 Busy Here\r\n", wantErr: ErrTransferFailed, wantCode: 486},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			hs := startServer(t, harnessOpts{})
			e := establish(t, hs)
			referTo := make(chan string, 1)
			e.ph.mu.Lock()
			e.ph.onReq = func(req *sip.Request, tx sip.ServerTransaction) bool {
				if req.Method != sip.REFER {
					return false
				}
				referTo <- req.GetHeader("Refer-To").Value()
				_ = tx.Respond(sip.NewResponseFromRequest(req, tc.refer, reasonPhrase(tc.refer), nil))
				if tc.notify == "" {
					return true
				}
				go func() {
					for _, frag := range []string{"SIP/2.0 100 Trying\r\n", tc.notify} {
						n := sip.NewRequest(sip.NOTIFY, e.sess.InviteResponse.Contact().Address)
						n.AppendHeader(sip.NewHeader("Event", "refer"))
						n.AppendHeader(sip.NewHeader("Subscription-State", "active;expires=60"))
						n.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
						n.SetBody([]byte(frag))
						if _, err := e.sess.Do(context.Background(), n); err != nil {
							t.Errorf("NOTIFY: %v", err)
						}
					}
				}()
				return true
			}
			e.ph.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), pipelinetest.DefaultWait)
			defer cancel()
			err := e.a.Call.Transfer(ctx, "agent-7")
			select {
			case got := <-referTo:
				if !strings.HasPrefix(got, "<sip:agent-7@127.0.0.1") {
					t.Errorf("Refer-To %q, want the number at the caller's host", got)
				}
			default:
				t.Fatalf("no REFER reached the phone (Transfer: %v)", err)
			}
			var se *StatusError
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("Transfer: %v", err)
			case tc.wantErr != nil && (!errors.Is(err, tc.wantErr) || !errors.As(err, &se) || se.Code != tc.wantCode):
				t.Fatalf("Transfer: %v, want %v with status %d", err, tc.wantErr, tc.wantCode)
			}
			if tc.ended {
				e.ph.next(sip.BYE)
				waitDone(t, e.a.Call)
				return
			}
			select {
			case <-e.a.Call.Done():
				t.Fatal("the call ended after a failed transfer")
			default:
			}
		})
	}
}

func TestCallMediaTimeoutHangsUp(t *testing.T) {
	hs := startServer(t, harnessOpts{})
	e := establish(t, hs)
	e.m.timeout()
	bye := e.ph.next(sip.BYE)
	if r := bye.GetHeader("Reason"); r == nil || !strings.Contains(r.Value(), "no media") {
		t.Errorf("Reason %v", r)
	}
	waitDone(t, e.a.Call)
	if !errors.Is(e.a.Call.Err(), bridge.ErrMediaTimeout) {
		t.Errorf("Err = %v, want ErrMediaTimeout", e.a.Call.Err())
	}
}

func TestCallLateOffer(t *testing.T) {
	tests := []struct {
		desc    string
		ackBody []byte
		wantErr error
	}{
		{"the ACK carries the answer", []byte(fakeAnswer), nil},
		{"an ACK without an answer ends the call", nil, ErrBadAnswer},
		{"an unusable answer ends the call", []byte(strings.ReplaceAll(fakeAnswer, "PCMU", "G729")), ErrBadAnswer},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			hs := startServer(t, harnessOpts{})
			ph := newPhone(t, hs)
			ctx := context.Background()
			sess, err := ph.dua.Invite(ctx, hs.uri("bot", "udp"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
				t.Fatal(err)
			}
			if string(sess.InviteResponse.Body()) != fakeOffer {
				t.Fatalf("200 body %q, want an offer", sess.InviteResponse.Body())
			}
			ack := sip.NewRequest(sip.ACK, sess.InviteResponse.Contact().Address)
			if tc.ackBody != nil {
				ack.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
				ack.SetBody(tc.ackBody)
			}
			if err := sess.WriteAck(ctx, ack); err != nil {
				t.Fatal(err)
			}
			a := hs.nextCall(t)
			m := hs.media.last(t)
			if tc.wantErr == nil {
				pipelinetest.Eventually(t, m.isStarted, "media started after the ACK")
				if err := sess.Bye(ctx); err != nil {
					t.Fatal(err)
				}
				waitDone(t, a.Call)
				return
			}
			ph.next(sip.BYE)
			waitDone(t, a.Call)
			if !errors.Is(a.Call.Err(), tc.wantErr) {
				t.Errorf("Err = %v, want %v", a.Call.Err(), tc.wantErr)
			}
		})
	}
}

func TestCallUnknownDialog(t *testing.T) {
	hs := startServer(t, harnessOpts{})
	for _, m := range []sip.RequestMethod{sip.BYE, sip.INFO, sip.UPDATE, sip.NOTIFY} {
		msg := string(m) + " sip:bot@127.0.0.1 SIP/2.0\r\n" +
			"Via: SIP/2.0/UDP LOCAL;branch=z9hG4bK" + sip.GenerateTagN(10) + "\r\n" +
			"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:bot@127.0.0.1>;tag=2\r\n" +
			"Call-ID: nope-" + string(m) + "\r\nCSeq: 2 " + string(m) + "\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
		res := raw(t, hs.srv.Addr("udp"), msg, pipelinetest.DefaultWait)
		if res == nil || res.StatusCode != 481 {
			t.Errorf("%s outside a dialog: %v, want 481", m, res)
		}
	}
}

func TestCallShutdownDrains(t *testing.T) {
	hs := startServer(t, harnessOpts{})
	e := establish(t, hs)
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- hs.srv.Shutdown(ctx) }()
	// New calls and pings are refused while it drains.
	pipelinetest.Eventually(t, func() bool {
		res, err := e.ph.cli.Do(context.Background(), sip.NewRequest(sip.OPTIONS, hs.uri("", "udp")))
		return err == nil && res.StatusCode == 503
	}, "OPTIONS answered 503 while draining")
	_, res, err := e.ph.call(context.Background(), hs.uri("bot", "udp"), []byte(fakeOffer), sipgo.AnswerOptions{}, sdpHeaders()...)
	if err != nil || res.StatusCode != 503 {
		t.Fatalf("INVITE while draining: %v %v, want 503", err, res)
	}
	cancel() // the grace period is over: the call is hung up
	e.ph.next(sip.BYE)
	if err := <-result; !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown = %v, want the context's error", err)
	}
	waitDone(t, e.a.Call)
	if hs.srv.Calls() != 0 {
		t.Errorf("Calls() = %d after Shutdown", hs.srv.Calls())
	}
}

func TestCallShutdownWaitsForCalls(t *testing.T) {
	hs := startServer(t, harnessOpts{})
	e := establish(t, hs)
	result := make(chan error, 1)
	go func() { result <- hs.srv.Shutdown(context.Background()) }()
	select {
	case err := <-result:
		t.Fatalf("Shutdown returned %v with a call in progress", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := e.sess.Bye(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Errorf("Shutdown = %v after the last call ended", err)
	}
}
