package sip

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// signed returns an INVITE to uri with digest credentials for chal.
func signed(uri sip.Uri, chal *digest.Challenge, user, pw, digestURI string, nc int) *sip.Request {
	req := sip.NewRequest(sip.INVITE, uri)
	cred, err := digest.Digest(chal, digest.Options{Method: "INVITE", URI: digestURI, Username: user, Password: pw, Count: nc})
	if err != nil {
		panic(err)
	}
	req.AppendHeader(sip.NewHeader("Authorization", cred.String()))
	return req
}

func TestAuthenticatorCheck(t *testing.T) {
	clock := pipelinetest.NewClock(time.Time{})
	a := newAuthenticator(AuthConfig{Realm: "acme", Users: map[string]string{"alice": "s3cret"}}, clock)
	uri := sip.Uri{Scheme: "sip", User: "bot", Host: "10.0.0.1", Port: 5060}
	fresh := func() *digest.Challenge {
		c, err := digest.ParseChallenge(a.challenge(false).Value())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	used := fresh()
	if _, v := a.check(signed(uri, used, "alice", "s3cret", uri.Addr(), 1)); v != authOK {
		t.Fatalf("first use: verdict %d", v)
	}
	old := fresh()
	forged := fresh()
	forged.Nonce = strings.ToUpper(forged.Nonce[:4]) + forged.Nonce[4:]
	foreign := newAuthenticator(AuthConfig{Realm: "acme", Users: map[string]string{"alice": "s3cret"}}, clock)
	fc, _ := digest.ParseChallenge(foreign.challenge(false).Value())
	tests := []struct {
		desc    string
		req     *sip.Request
		want    verdict
		advance time.Duration // clock moves before the check
	}{
		{"no credentials", sip.NewRequest(sip.INVITE, uri), authChallenge, 0},
		{"right password", signed(uri, fresh(), "alice", "s3cret", uri.Addr(), 1), authOK, 0},
		{"wrong password", signed(uri, fresh(), "alice", "guess", uri.Addr(), 1), authForbidden, 0},
		{"unknown user", signed(uri, fresh(), "mallory", "s3cret", uri.Addr(), 1), authForbidden, 0},
		{"replayed nonce count", signed(uri, used, "alice", "s3cret", uri.Addr(), 1), authStale, 0},
		{"next nonce count on a used nonce", signed(uri, used, "alice", "s3cret", uri.Addr(), 2), authOK, 0},
		{"forged nonce", signed(uri, forged, "alice", "s3cret", uri.Addr(), 1), authChallenge, 0},
		{"nonce of another server", signed(uri, fc, "alice", "s3cret", uri.Addr(), 1), authChallenge, 0},
		{"credentials for another URI", signed(uri, fresh(), "alice", "s3cret", "sip:other@10.0.0.1", 1), authBadURI, 0},
		{"garbage header", func() *sip.Request {
			r := sip.NewRequest(sip.INVITE, uri)
			r.AppendHeader(sip.NewHeader("Authorization", "Digest ,,,=\"\""))
			return r
		}(), authChallenge, 0},
		{"expired nonce", signed(uri, old, "alice", "s3cret", uri.Addr(), 1), authStale, nonceTTL + time.Second},
	}
	for _, tc := range tests {
		clock.Advance(tc.advance)
		if _, v := a.check(tc.req); v != tc.want {
			t.Errorf("%s: verdict %d, want %d", tc.desc, v, tc.want)
		}
	}
	if st := a.challenge(true).Value(); !strings.Contains(st, "stale=true") || !strings.Contains(st, `qop="auth"`) {
		t.Errorf("stale challenge %q", st)
	}
}

func TestCallDigestAuth(t *testing.T) {
	hs := startServer(t, harnessOpts{cfg: func(c *Config) {
		c.Auth = AuthConfig{Realm: "acme", Users: map[string]string{"alice": "s3cret"}}
	}})
	ph := newPhone(t, hs)
	ctx := context.Background()
	tests := []struct {
		desc string
		opts sipgo.AnswerOptions
		want int
	}{
		{"no credentials: challenged", sipgo.AnswerOptions{}, 401},
		{"wrong password: forbidden", sipgo.AnswerOptions{Username: "alice", Password: "guess"}, 403},
		{"right password: answered", sipgo.AnswerOptions{Username: "alice", Password: "s3cret"}, 200},
	}
	for _, tc := range tests {
		sess, res, err := ph.call(ctx, hs.uri("bot", "udp"), []byte(fakeOffer), tc.opts, sdpHeaders()...)
		if err != nil {
			t.Fatalf("%s: %v", tc.desc, err)
		}
		if res.StatusCode != tc.want {
			t.Fatalf("%s: status %d, want %d", tc.desc, res.StatusCode, tc.want)
		}
		if tc.want == 401 {
			if h := res.GetHeader("WWW-Authenticate"); h == nil || !strings.Contains(h.Value(), `realm="acme"`) {
				t.Errorf("%s: challenge %v", tc.desc, h)
			}
		}
		if tc.want == 200 {
			a := hs.nextCall(t)
			if a.Call.Info().Params["sip_auth_user"] != "alice" {
				t.Errorf("params %v, want sip_auth_user alice", a.Call.Info().Params)
			}
			if err := sess.Bye(ctx); err != nil {
				t.Fatal(err)
			}
			waitDone(t, a.Call)
		}
	}
}
