package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/parley-voice/parley/bridge"
)

// Session timers (RFC 4028). The refresher re-sends the session (an UPDATE
// when the far end allows it, else a re-INVITE with the same SDP) every
// half interval; the other side ends a session that was not refreshed
// within the interval less min(32 s, interval/3) (section 10).

// refreshTimeout bounds a refresh request Parley sends.
const refreshTimeout = 32 * time.Second

// timerState is a call's negotiated session timer.
type timerState struct {
	// interval is the session interval; 0 means no session timer.
	interval time.Duration
	// weRefresh says that this side sends the refreshes.
	weRefresh bool
	// peerSupports says the far end supports timer (Supported: timer).
	peerSupports bool
	// useUpdate says the far end allows UPDATE for refreshes.
	useUpdate bool
}

// wait returns how long to wait before the next refresh (refresher) or
// before the session expires (the other side).
func (t timerState) wait() time.Duration {
	if t.weRefresh {
		return t.interval / 2
	}
	return t.interval - min(32*time.Second, t.interval/3)
}

// parseSessionExpires reads Session-Expires (or x): its delta-seconds and
// refresher parameter, and whether the header is there.
func parseSessionExpires(m message) (time.Duration, string, bool, error) {
	v, ok := firstHeader(m, "session-expires")
	if !ok {
		return 0, "", false, nil
	}
	parts := strings.Split(v, ";")
	n, err := strconv.ParseUint(strings.TrimSpace(parts[0]), 10, 32)
	if err != nil {
		return 0, "", true, fmt.Errorf("malformed Session-Expires %q", v)
	}
	refresher := ""
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "refresher") {
			refresher = strings.ToLower(strings.TrimSpace(val))
		}
	}
	if refresher != "" && refresher != "uac" && refresher != "uas" {
		return 0, "", true, fmt.Errorf("Session-Expires refresher %q: want uac or uas", refresher)
	}
	return time.Duration(n) * time.Second, refresher, true, nil
}

// minSE reads Min-SE, never below MinSessionExpires.
func minSE(m message) time.Duration {
	v, ok := firstHeader(m, "min-se")
	if !ok {
		return MinSessionExpires
	}
	n, err := strconv.ParseUint(strings.TrimSpace(strings.Split(v, ";")[0]), 10, 32)
	if err != nil {
		return MinSessionExpires
	}
	return max(MinSessionExpires, time.Duration(n)*time.Second)
}

// negotiateTimer decides the session timer of an inbound INVITE (RFC 4028
// section 9): a Session-Expires below Min-SE gets 422, the caller's
// interval is accepted up to sip.session_expires, and a caller that
// supports timer refreshes unless it asked otherwise.
func (s *Server) negotiateTimer(req *sip.Request) (timerState, problem) {
	if s.cfg.SessionExpires == 0 {
		return timerState{}, problem{}
	}
	se, refresher, has, err := parseSessionExpires(req)
	if err != nil {
		return timerState{}, problem{code: 400, reason: err.Error()}
	}
	if has && se < MinSessionExpires {
		return timerState{}, problem{code: 422, reason: "Session-Expires below the minimum",
			extra: []sip.Header{sip.NewHeader("Min-SE", strconv.Itoa(int(MinSessionExpires/time.Second)))}}
	}
	t := timerState{
		peerSupports: hasTag(req, "supported", extTimer) || hasTag(req, "require", extTimer),
		useUpdate:    hasTag(req, "allow", "update"),
	}
	t.interval = s.cfg.SessionExpires
	if has {
		t.interval = min(t.interval, se)
	}
	t.interval = max(t.interval, minSE(req))
	switch {
	case !t.peerSupports:
		t.weRefresh = true
	case refresher == "uas":
		t.weRefresh = true
	}
	return t, problem{}
}

// timerHeaders returns the session timer headers of a 2xx answering the
// far end's request: Session-Expires with the refresher relative to that
// transaction (uac is the far end), and Require: timer when it supports
// timer.
func (t timerState) timerHeaders() []sip.Header {
	if t.interval == 0 {
		return nil
	}
	ref := "uac"
	if t.weRefresh {
		ref = "uas"
	}
	hs := []sip.Header{sip.NewHeader("Session-Expires", strconv.Itoa(int(t.interval/time.Second))+";refresher="+ref)}
	if t.peerSupports {
		hs = append(hs, sip.NewHeader("Require", extTimer))
	}
	return hs
}

// peerRefresh applies the Session-Expires of a refresh (re-INVITE or
// UPDATE) from the far end and reports a problem for an interval that is
// too small. The refresher parameter is relative to the refresh: uac is
// the far end.
func (c *call) peerRefresh(req *sip.Request) problem {
	se, refresher, has, err := parseSessionExpires(req)
	if err != nil {
		return problem{code: 400, reason: err.Error()}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer.interval == 0 && !has {
		return problem{}
	}
	if has && se < MinSessionExpires {
		return problem{code: 422, reason: "Session-Expires below the minimum",
			extra: []sip.Header{sip.NewHeader("Min-SE", strconv.Itoa(int(MinSessionExpires/time.Second)))}}
	}
	if has && c.s.cfg.SessionExpires > 0 {
		c.timer.interval = se
		switch refresher {
		case "uac":
			c.timer.weRefresh = false
		case "uas":
			c.timer.weRefresh = true
		}
	}
	c.timer.peerSupports = c.timer.peerSupports || hasTag(req, "supported", extTimer)
	return problem{}
}

// touch restarts the session timer after a refresh.
func (c *call) touch() {
	select {
	case c.refreshed <- struct{}{}:
	default:
	}
}

// watch runs for an answered call until it ends: it ends the call when
// the media times out and runs the session timer.
func (c *call) watch() {
	for {
		c.mu.Lock()
		t := c.timer
		c.mu.Unlock()
		var fire <-chan time.Time
		stop := func() {}
		if t.interval > 0 {
			fire, stop = after(c.s.o.clock, t.wait())
		}
		select {
		case <-c.done:
			stop()
			return
		case <-c.m.Done():
			stop()
			c.mediaEnded()
			return
		case <-c.refreshed:
			stop()
		case <-fire:
			stop()
			if !t.weRefresh {
				c.log.Warn("sip: session timer expired without a refresh; hanging up", "interval", t.interval)
				c.terminate(ErrSessionExpired, reasonHeader("SIP", 408, "session timer expired"))
				return
			}
			if err := c.refresh(); err != nil {
				c.terminate(err, reasonHeader("SIP", 408, "session refresh failed"))
				return
			}
		}
	}
}

// mediaEnded ends a call whose media stopped on its own.
func (c *call) mediaEnded() {
	err := c.m.Err()
	select {
	case <-c.done:
		return
	default:
	}
	if errors.Is(err, bridge.ErrMediaTimeout) {
		c.log.Warn("sip: no media from the far end; hanging up")
		c.terminate(bridge.ErrMediaTimeout, reasonHeader("Q.850", 41, "no media received"))
		return
	}
	if err == nil {
		err = errors.New("sip: media stopped")
	}
	c.terminate(err, reasonHeader("Q.850", 41, "media failure"))
}

// refresh sends a session refresh and applies the answer. It returns an
// error only when the session is gone (408, 481 or no answer, RFC 4028
// section 10); other refusals keep the call and the next refresh retries.
func (c *call) refresh() error {
	c.mu.Lock()
	t := c.timer
	c.mu.Unlock()
	method := sip.INVITE
	if t.useUpdate {
		method = sip.UPDATE
	}
	req := c.request(method)
	req.AppendHeader(sip.NewHeader("Session-Expires", strconv.Itoa(int(t.interval/time.Second))+";refresher=uac"))
	req.AppendHeader(sip.NewHeader("Supported", extTimer))
	if method == sip.INVITE {
		// A re-INVITE carries an offer; the media keeps its codec.
		offer, err := c.m.Offer()
		if err != nil {
			return fmt.Errorf("%w: no offer for the refresh: %v", ErrSessionExpired, err)
		}
		req.AppendHeader(sip.NewHeader("Content-Type", acceptSDP))
		req.SetBody(offer)
	}
	ctx, cancel := context.WithTimeout(c.ctx, refreshTimeout)
	defer cancel()
	res, err := c.dlg.Do(ctx, req)
	if err != nil {
		if c.ctx.Err() != nil {
			return nil // the call ended meanwhile
		}
		return fmt.Errorf("%w: refresh not answered: %v", ErrSessionExpired, err)
	}
	if method == sip.INVITE && res.IsSuccess() {
		c.ackReinvite(req, res)
		if body, p := sdpBody(res); p.code == 0 && body != nil {
			if err := c.m.SetAnswer(body); err != nil {
				c.log.Warn("sip: unusable SDP answer to a session refresh", "error", err)
			}
		}
	}
	switch {
	case res.IsSuccess():
		if se, ref, has, err := parseSessionExpires(res); has && err == nil && se >= MinSessionExpires {
			c.mu.Lock()
			c.timer.interval, c.timer.weRefresh = se, ref != "uas"
			c.mu.Unlock()
		}
	case res.StatusCode == 408 || res.StatusCode == 481:
		return fmt.Errorf("%w: refresh answered %d %s", ErrSessionExpired, res.StatusCode, res.Reason)
	case res.StatusCode == 422:
		c.mu.Lock()
		c.timer.interval = max(c.timer.interval, minSE(res))
		c.mu.Unlock()
	default:
		c.log.Warn("sip: session refresh refused", "response", statusOf(res))
	}
	return nil
}

// ackReinvite acknowledges the 2xx of a re-INVITE this side sent (the UA
// core sends it, not the transaction: RFC 3261 section 13.2.2.4).
func (c *call) ackReinvite(req *sip.Request, res *sip.Response) {
	ack := sip.NewRequest(sip.ACK, *req.Recipient.Clone())
	ack.AppendHeader(c.s.via(c.network, c.host))
	for _, h := range []sip.Header{req.From(), res.To(), req.CallID()} {
		if h != nil {
			ack.AppendHeader(sip.HeaderClone(h))
		}
	}
	if cs := req.CSeq(); cs != nil {
		ack.AppendHeader(&sip.CSeqHeader{SeqNo: cs.SeqNo, MethodName: sip.ACK})
	}
	mf := sip.MaxForwardsHeader(70)
	ack.AppendHeader(&mf)
	ack.AppendHeader(c.s.contact(c.network, c.host))
	for _, r := range req.GetHeaders("Route") {
		ack.AppendHeader(sip.NewHeader("Route", r.Value()))
	}
	ack.SetBody(nil)
	ack.SetTransport(req.Transport())
	ack.SetDestination(req.Destination())
	c.s.bindLocal(ack, c.network)
	if err := c.s.client.WriteRequest(ack); err != nil {
		c.log.Warn("sip: cannot acknowledge a re-INVITE answer", "error", err)
	}
}
