package sip

import (
	"errors"
	"fmt"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/rtp"
)

// onInvite handles an INVITE: a re-INVITE when it carries a To tag,
// otherwise a new inbound call (RFC 3261 section 13.3).
func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if tag, _ := req.To().Params.Get("tag"); tag != "" {
		if c := s.lookup(req); c != nil {
			c.onReinvite(req, tx)
			return
		}
		s.reply(tx, req, 481, "no such dialog")
		return
	}
	if err := s.reserve(); err != nil {
		s.log.Info("sip: call refused", "from", req.From().Address.String(), "error", err)
		s.reply(tx, req, 503, err.Error(), retryAfterHeader())
		return
	}
	owned := false
	defer func() {
		if !owned {
			s.release()
		}
	}()
	user, ok := s.authorize(req, tx)
	if !ok {
		return
	}
	timer, p := s.negotiateTimer(req)
	if p.code == 0 {
		_, p = sdpBody(req)
	}
	if p.code != 0 {
		s.reply(tx, req, p.code, p.reason, p.extra...)
		return
	}
	s.reply(tx, req, 100, "")
	network := networkOf(req.Transport())
	host := s.localHost(network, req)
	ua := &sipgo.DialogUA{Client: s.client, ContactHDR: *s.contact(network, host), RewriteContact: true}
	dlg, err := ua.ReadInvite(req, tx)
	if err != nil {
		s.reply(tx, req, 400, err.Error())
		return
	}
	c := s.newCall(s.inboundInfo(req, user), network, host)
	c.uas, c.dlg, c.id, c.timer = dlg, dlg, dlg.ID, timer
	c.remoteSeq = req.CSeq().SeqNo
	owned = true
	c.answerInbound(req)
}

// authorize runs digest authentication when users are configured; it
// answers the request itself and returns false when the caller is not
// let in.
func (s *Server) authorize(req *sip.Request, tx sip.ServerTransaction) (string, bool) {
	if s.auth == nil {
		return "", true
	}
	user, v := s.auth.check(req)
	switch v {
	case authOK:
		return user, true
	case authChallenge:
		s.reply(tx, req, 401, "", s.auth.challenge(false))
	case authStale:
		s.reply(tx, req, 401, "", s.auth.challenge(true))
	case authBadURI:
		s.reply(tx, req, 400, "the Authorization uri does not match the Request-URI")
	default:
		s.log.Warn("sip: authentication failed", "user", user, "source", req.Source())
		s.reply(tx, req, 403, "wrong user name or password")
	}
	return "", false
}

// inboundInfo describes a new inbound call.
func (s *Server) inboundInfo(req *sip.Request, user string) bridge.Info {
	params := xHeaders(req)
	if params == nil {
		params = map[string]string{}
	}
	params["sip_call_id"] = req.CallID().Value()
	if user != "" {
		params["sip_auth_user"] = user
	}
	return bridge.Info{
		ID:        bridge.NewID(s.o.clock.Now()),
		Channel:   bridge.ChannelSIP,
		Direction: bridge.Inbound,
		From:      req.From().Address.String(),
		To:        req.To().Address.String(),
		Remote:    req.Source(),
		Params:    params,
	}
}

// answerInbound negotiates media, asks the handler, rings and answers.
// It runs on the INVITE's handler goroutine and returns once the 200 OK
// was acknowledged (or the call failed).
func (c *call) answerInbound(req *sip.Request) {
	offer, _ := sdpBody(req)
	if code, why := c.negotiate(offer); code != 0 {
		c.fail(code, why)
		return
	}
	ep, err := c.s.h.Accept(c.ctx, c)
	if err != nil {
		code := 500
		switch {
		case errors.Is(err, bridge.ErrBusy):
			code = 503
		case errors.Is(err, bridge.ErrRejected):
			code = 403
		}
		c.log.Info("sip: call refused by the handler", "status", code, "error", err)
		c.fail(code, err.Error())
		return
	}
	c.mu.Lock()
	c.ep = ep
	c.mu.Unlock()
	if !c.s.register(c.id, c) {
		c.fail(503, "server shutting down")
		return
	}
	if !c.ring() {
		return
	}
	c.answer()
}

// negotiate builds the call's media and its SDP: an answer to offer, or
// an offer of its own when the INVITE had none. It returns the status to
// refuse the call with, or 0.
func (c *call) negotiate(offer []byte) (int, string) {
	m, err := c.s.o.newMedia(c.s, c)
	if err != nil {
		if errors.Is(err, rtp.ErrNoPorts) {
			return 503, "no free RTP port"
		}
		c.log.Error("sip: cannot set up media", "error", err)
		return 500, "media setup failed"
	}
	c.m = m
	var local []byte
	if offer == nil {
		local, err = m.Offer()
	} else {
		local, err = m.Answer(offer)
	}
	switch {
	case errors.Is(err, rtp.ErrNoCodec):
		return 488, err.Error()
	case errors.Is(err, rtp.ErrBadSDP):
		return 400, err.Error()
	case err != nil:
		c.log.Error("sip: SDP negotiation failed", "error", err)
		return 500, "SDP negotiation failed"
	}
	c.mu.Lock()
	c.localSDP, c.lateOffer = local, offer == nil
	c.mu.Unlock()
	c.info.Codec = m.Codec()
	c.info.Started = c.s.o.clock.Now()
	return 0, ""
}

// fail refuses the call with a final response and ends it.
func (c *call) fail(code int, why string) {
	extra := []sip.Header{sip.NewHeader("Server", c.s.cfg.UserAgent)}
	switch code {
	case 488:
		extra = append(extra, warningHeader(305, "parley", why), sip.NewHeader("Accept", acceptSDP))
	case 503:
		extra = append(extra, retryAfterHeader())
	}
	if code != 488 {
		extra = append(extra, warningHeader(399, "parley", why))
	}
	// The call ends first: sipgo holds Respond until the ACK of the final
	// response (up to 32 s from a caller that vanished), and the slot and
	// ports are free meanwhile.
	c.end(nil, fmt.Sprintf("refused with %d: %s", code, why))
	if err := c.uas.Respond(code, reasonPhrase(code), nil, extra...); err != nil {
		c.log.Debug("sip: cannot send the final response", "status", code, "error", err)
	}
}

// ring sends 180 Ringing and waits sip.ring; it returns false when the
// call ended meanwhile (CANCEL, Hangup, Close).
func (c *call) ring() bool {
	if c.s.cfg.Ring <= 0 {
		return c.stillWanted()
	}
	if err := c.uas.Respond(180, "Ringing", nil); err != nil {
		c.end(nil, "cancelled before ringing")
		return false
	}
	fire, stop := after(c.s.o.clock, c.s.cfg.Ring)
	defer stop()
	select {
	case <-fire:
		return c.stillWanted()
	case <-c.uas.Context().Done():
		c.end(nil, "cancelled by the caller")
	case <-c.abort:
		c.fail(480, "hung up before the answer")
	}
	return false
}

// stillWanted checks, before the answer, that the caller did not cancel
// and the server did not hang up.
func (c *call) stillWanted() bool {
	select {
	case <-c.uas.Context().Done():
		c.end(nil, "cancelled by the caller")
		return false
	case <-c.abort:
		c.fail(480, "hung up before the answer")
		return false
	default:
		return true
	}
}

// answer starts the media (for an early offer), sends the 200 OK and waits
// for the ACK; sipgo retransmits the 200 until it comes (RFC 3261 section
// 13.3.1.4). Then the call's watch goroutine takes over.
func (c *call) answer() {
	c.mu.Lock()
	late, local, ep, t := c.lateOffer, c.localSDP, c.ep, c.timer
	c.mu.Unlock()
	if !late {
		if err := c.startMedia(ep); err != nil {
			c.fail(500, "media start failed")
			return
		}
	}
	res := sip.NewSDPResponseFromRequest(c.uas.InviteRequest, local)
	res.AppendHeader(c.s.contact(c.network, c.host))
	res.AppendHeader(sip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sip.NewHeader("Supported", extTimer))
	res.AppendHeader(sip.NewHeader("Server", c.s.cfg.UserAgent))
	for _, h := range t.timerHeaders() {
		res.AppendHeader(h)
	}
	c.mu.Lock()
	c.answered = true
	c.mu.Unlock()
	err := c.uas.WriteResponse(res)
	switch {
	case err == nil:
	case c.uas.Context().Err() != nil || errors.Is(err, sip.ErrTransactionCanceled):
		c.end(nil, "cancelled by the caller")
		return
	default:
		c.log.Warn("sip: the 200 OK was not acknowledged; hanging up", "error", err)
		c.terminate(ErrNoACK, reasonHeader("SIP", 408, "no ACK received"))
		return
	}
	if !c.s.goCall(c.watch) {
		c.terminate(ErrClosed, reasonHeader("Q.850", 16, "server shutting down"))
	}
}

// startMedia connects the negotiated media to ep once.
func (c *call) startMedia(ep bridge.Endpoint) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return nil
	}
	if err := c.m.Start(ep); err != nil {
		c.log.Error("sip: cannot start media", "error", err)
		return err
	}
	c.started = true
	return nil
}
