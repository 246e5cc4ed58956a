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

// callee makes the phone answer INVITEs: with status (after a 180), or
// with 200 and the fake SDP answer; auth, when set, challenges first.
// Answered dialogs are sent on the returned channel.
func (p *phone) callee(status int, auth *authenticator) <-chan *sipgo.DialogServerSession {
	dsc := sipgo.NewDialogServerCache(p.cli, p.dua.ContactHDR)
	answered := make(chan *sipgo.DialogServerSession, 4)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onReq = func(req *sip.Request, tx sip.ServerTransaction) bool {
		switch req.Method {
		case sip.ACK:
			_ = dsc.ReadAck(req, tx)
			return true
		case sip.BYE:
			if err := dsc.ReadBye(req, tx); err != nil {
				_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
			}
			return true
		case sip.INVITE:
		default:
			return false
		}
		if tag, _ := req.To().Params.Get("tag"); tag != "" {
			return false // a refresh: answered 200 by handle
		}
		if auth != nil {
			if _, v := auth.check(req); v != authOK {
				res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
				res.AppendHeader(auth.challenge(v == authStale))
				_ = tx.Respond(res)
				return true
			}
		}
		dlg, err := dsc.ReadInvite(req, tx)
		if err != nil {
			p.t.Errorf("phone: ReadInvite: %v", err)
			return true
		}
		_ = dlg.Respond(180, "Ringing", nil)
		select {
		case p.rang <- struct{}{}:
		default:
		}
		switch status {
		case 0: // ring until cancelled
			<-tx.Done()
		case 200:
			if err := dlg.RespondSDP([]byte(fakeAnswer)); err == nil {
				answered <- dlg
			}
		default:
			_ = dlg.Respond(status, reasonPhrase(status), nil)
		}
		return true
	}
	return answered
}

// phoneURI is the phone's address as a dial target.
func (p *phone) uri() string { return "sip:alice@127.0.0.1:" + itoa(p.port) }

func itoa(n int) string {
	b := []byte{}
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestDialAnswered(t *testing.T) {
	for _, who := range []string{"callee", "server"} {
		t.Run(who+" hangs up", func(t *testing.T) {
			hs := startServer(t, harnessOpts{})
			ph := newPhone(t, hs)
			answered := ph.callee(200, nil)
			ctx := context.Background()
			c, err := hs.srv.Dial(ctx, ph.uri(), "sip:sales@example.com", nil)
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			dlg := <-answered
			info := c.Info()
			if info.Direction != bridge.Outbound || info.Channel != bridge.ChannelSIP || info.Codec != "PCMU/8000" ||
				info.From != "sip:sales@example.com" || !strings.HasPrefix(info.To, "sip:alice@127.0.0.1") {
				t.Errorf("info %+v", info)
			}
			if info.Params["sip_call_id"] != dlg.InviteRequest.CallID().Value() {
				t.Errorf("sip_call_id %q, callee saw %q", info.Params["sip_call_id"], dlg.InviteRequest.CallID().Value())
			}
			a := hs.nextCall(t)
			if a.Call != c {
				t.Error("the handler got another call than Dial returned")
			}
			m := hs.media.last(t)
			pipelinetest.Eventually(t, m.isStarted, "media started")
			m.mu.Lock()
			got := len(m.answers)
			m.mu.Unlock()
			if got != 1 {
				t.Errorf("media got %d answers, want the 200's", got)
			}
			if who == "callee" {
				if err := dlg.Bye(ctx); err != nil {
					t.Fatalf("callee BYE: %v", err)
				}
			} else {
				if err := c.Hangup(ctx, "done"); err != nil {
					t.Fatalf("Hangup: %v", err)
				}
				ph.next(sip.BYE)
			}
			waitDone(t, c)
			if c.Err() != nil {
				t.Errorf("Err = %v", c.Err())
			}
			pipelinetest.Eventually(t, func() bool { return hs.srv.Calls() == 0 }, "no calls left")
		})
	}
}

func TestDialFails(t *testing.T) {
	tests := []struct {
		desc   string
		status int
		want   int
	}{
		{"busy", 486, 486},
		{"declined", 603, 603},
		{"not found", 404, 404},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			hs := startServer(t, harnessOpts{})
			ph := newPhone(t, hs)
			ph.callee(tc.status, nil)
			_, err := hs.srv.Dial(context.Background(), ph.uri(), "", nil)
			var se *StatusError
			if !errors.Is(err, ErrCallFailed) || !errors.As(err, &se) || se.Code != tc.want {
				t.Fatalf("Dial: %v, want ErrCallFailed with %d", err, tc.want)
			}
			pipelinetest.Eventually(t, func() bool { return hs.srv.Calls() == 0 }, "no calls left")
			pipelinetest.Eventually(t, hs.media.last(t).isClosed, "media closed")
		})
	}
}

func TestDialDigestChallenge(t *testing.T) {
	hs := startServer(t, harnessOpts{cfg: func(c *Config) { c.Outbound = Credentials{Username: "parley", Password: "pw"} }})
	ph := newPhone(t, hs)
	answered := ph.callee(200, newAuthenticator(AuthConfig{Realm: "carrier", Users: map[string]string{"parley": "pw"}}, pipelinetest.NewClock(time.Time{})))
	c, err := hs.srv.Dial(context.Background(), ph.uri(), "", nil)
	if err != nil {
		t.Fatalf("Dial with credentials: %v", err)
	}
	<-answered
	if err := c.Hangup(context.Background(), "test over"); err != nil {
		t.Fatal(err)
	}
}

func TestDialNoAnswerIsCancelled(t *testing.T) {
	hs := startServer(t, harnessOpts{fakeTime: true, cfg: func(c *Config) { c.InviteTimeout = 20 * time.Second }})
	ph := newPhone(t, hs)
	ph.callee(0, nil)
	result := make(chan error, 1)
	go func() {
		_, err := hs.srv.Dial(context.Background(), ph.uri(), "", nil)
		result <- err
	}()
	<-ph.rang
	waitTimers(t, hs, 0)
	hs.clock.Advance(20 * time.Second)
	select {
	case err := <-result:
		if !errors.Is(err, ErrCallFailed) {
			t.Fatalf("Dial: %v, want ErrCallFailed", err)
		}
	case <-time.After(pipelinetest.DefaultWait):
		t.Fatal("Dial did not give up after the INVITE timeout")
	}
	pipelinetest.Eventually(t, func() bool { return hs.srv.Calls() == 0 }, "no calls left")
}

func TestDialBadTarget(t *testing.T) {
	hs := startServer(t, harnessOpts{cfg: func(c *Config) { c.TCP = "" }})
	tests := []struct {
		desc, target, from string
	}{
		{"a bare number", "+15551234", ""},
		{"a tel URI", "tel:+15551234", ""},
		{"garbage", "sip:", ""},
		{"an unknown transport", "sip:a@127.0.0.1;transport=sctp", ""},
		{"no listener for the transport", "sip:a@127.0.0.1;transport=tcp", ""},
		{"a bad from", "sip:a@127.0.0.1", "mailto:x@y"},
	}
	for _, tc := range tests {
		if _, err := hs.srv.Dial(context.Background(), tc.target, tc.from, nil); !errors.Is(err, ErrBadTarget) {
			t.Errorf("%s: Dial(%q) = %v, want ErrBadTarget", tc.desc, tc.target, err)
		}
	}
	if hs.srv.Calls() != 0 {
		t.Errorf("Calls() = %d", hs.srv.Calls())
	}
}
