package sip

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestNegotiateTimer(t *testing.T) {
	tests := []struct {
		desc      string
		cfg       time.Duration
		hdrs      map[string]string
		want      time.Duration
		weRefresh bool
		code      int
	}{
		{desc: "timers off", cfg: 0, hdrs: map[string]string{"Session-Expires": "30"}, want: 0},
		{desc: "caller without timer support: we refresh at our interval", cfg: 1800 * time.Second, want: 1800 * time.Second, weRefresh: true},
		{desc: "caller with timer support refreshes", cfg: 1800 * time.Second, hdrs: map[string]string{"Supported": "timer"}, want: 1800 * time.Second},
		{desc: "a shorter interval asked for is taken", cfg: 1800 * time.Second, hdrs: map[string]string{"Supported": "100rel, timer", "Session-Expires": "600"}, want: 600 * time.Second},
		{desc: "a longer interval is cut to ours", cfg: 900 * time.Second, hdrs: map[string]string{"k": "timer", "x": "3600;refresher=uac"}, want: 900 * time.Second},
		{desc: "the caller may make us refresh", cfg: 1800 * time.Second, hdrs: map[string]string{"Supported": "timer", "Session-Expires": "300;refresher=uas"}, want: 300 * time.Second, weRefresh: true},
		{desc: "Min-SE above our interval wins", cfg: 120 * time.Second, hdrs: map[string]string{"Supported": "timer", "Min-SE": "600"}, want: 600 * time.Second},
		{desc: "below 90 s is refused", cfg: 1800 * time.Second, hdrs: map[string]string{"Session-Expires": "60"}, code: 422},
		{desc: "malformed Session-Expires", cfg: 1800 * time.Second, hdrs: map[string]string{"Session-Expires": "soon"}, code: 400},
		{desc: "unknown refresher", cfg: 1800 * time.Second, hdrs: map[string]string{"Session-Expires": "300;refresher=me"}, code: 400},
	}
	for _, tc := range tests {
		s := &Server{cfg: Config{SessionExpires: tc.cfg}}
		req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", Host: "example.com"})
		for k, v := range tc.hdrs {
			req.AppendHeader(sip.NewHeader(k, v))
		}
		got, p := s.negotiateTimer(req)
		if p.code != tc.code {
			t.Errorf("%s: status %d (%s), want %d", tc.desc, p.code, p.reason, tc.code)
			continue
		}
		if p.code == 0 && (got.interval != tc.want || got.weRefresh != tc.weRefresh) {
			t.Errorf("%s: %+v, want interval %v, we refresh %v", tc.desc, got, tc.want, tc.weRefresh)
		}
	}
}

// waitTimers waits until the server armed more than n timers.
func waitTimers(t *testing.T, hs *harness, n int64) {
	t.Helper()
	pipelinetest.Eventually(t, func() bool { return hs.clock.made.Load() > n }, "a timer armed after %d", n)
}

func TestCallSessionExpires(t *testing.T) {
	hs := startServer(t, harnessOpts{fakeTime: true})
	e := establish(t, hs, sip.NewHeader("Supported", "timer"), sip.NewHeader("Session-Expires", "90;refresher=uac"))
	res := e.sess.InviteResponse
	if se := res.GetHeader("Session-Expires"); se == nil || se.Value() != "90;refresher=uac" {
		t.Fatalf("200 Session-Expires %v, want 90;refresher=uac", se)
	}
	if rq := res.GetHeader("Require"); rq == nil || rq.Value() != "timer" {
		t.Errorf("200 Require %v, want timer", rq)
	}
	waitTimers(t, hs, 0)
	armed := hs.clock.made.Load()
	// The caller refreshes within the interval with an UPDATE.
	hs.clock.Advance(50 * time.Second)
	upd := sip.NewRequest(sip.UPDATE, res.Contact().Address)
	upd.AppendHeader(sip.NewHeader("Session-Expires", "90;refresher=uac"))
	r, err := e.sess.Do(context.Background(), upd)
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("UPDATE: %v %v", err, r)
	}
	if se := r.GetHeader("Session-Expires"); se == nil || !strings.HasPrefix(se.Value(), "90;") {
		t.Errorf("UPDATE answer Session-Expires %v", se)
	}
	waitTimers(t, hs, armed)
	// 50 s after the refresh the session is still up (it was 100 s after
	// the answer: without the refresh it would have expired at 60 s).
	hs.clock.Advance(50 * time.Second)
	if pipelinetest.Poll(100*time.Millisecond, func() bool { return e.a.Call.Err() != nil }) {
		t.Fatalf("the session expired despite the refresh: %v", e.a.Call.Err())
	}
	// Without another refresh it expires 60 s (90 - 30) after the last one.
	hs.clock.Advance(15 * time.Second)
	bye := e.ph.next(sip.BYE)
	if r := bye.GetHeader("Reason"); r == nil || !strings.Contains(r.Value(), "408") {
		t.Errorf("BYE Reason %v", r)
	}
	waitDone(t, e.a.Call)
	if !errors.Is(e.a.Call.Err(), ErrSessionExpired) {
		t.Errorf("Err = %v, want ErrSessionExpired", e.a.Call.Err())
	}
}

func TestCallSessionRefresher(t *testing.T) {
	tests := []struct {
		desc   string
		allow  string
		method sip.RequestMethod
	}{
		{"an UPDATE when the caller allows it", "INVITE, ACK, BYE, UPDATE", sip.UPDATE},
		{"a re-INVITE otherwise", "INVITE, ACK, BYE", sip.INVITE},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			hs := startServer(t, harnessOpts{fakeTime: true, cfg: func(c *Config) { c.SessionExpires = 120 * time.Second }})
			e := establish(t, hs, sip.NewHeader("Allow", tc.allow))
			if se := e.sess.InviteResponse.GetHeader("Session-Expires"); se == nil || se.Value() != "120;refresher=uas" {
				t.Fatalf("200 Session-Expires %v, want 120;refresher=uas", se)
			}
			if e.sess.InviteResponse.GetHeader("Require") != nil {
				t.Error("Require: timer sent to a caller that does not support it")
			}
			waitTimers(t, hs, 0)
			hs.clock.Advance(60 * time.Second)
			req := e.ph.next(tc.method)
			if se, ok := firstHeader(req, "session-expires"); !ok || se != "120;refresher=uac" {
				t.Errorf("refresh Session-Expires %q", se)
			}
			if tc.method == sip.INVITE {
				e.ph.next(sip.ACK)
			}
			select {
			case <-e.a.Call.Done():
				t.Fatalf("the call ended after an answered refresh: %v", e.a.Call.Err())
			default:
			}
		})
	}
}
