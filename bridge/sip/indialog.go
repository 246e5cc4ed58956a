package sip

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/parley-voice/parley/bridge/rtp"
)

// guard wraps a request handler: requests that fail checkRequest are
// answered with the problem (ACKs are dropped), and a panic is contained
// to its request (logged, answered 500) so that one bad message cannot
// stop the server.
func (s *Server) guard(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("sip: request handler panicked", "method", string(req.Method), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				if !req.IsAck() && tx != nil {
					s.reply(tx, req, 500, "internal error")
				}
			}
		}()
		if tx == nil {
			return
		}
		if p := checkRequest(req, s.cfg.SessionExpires > 0); p.code != 0 {
			s.log.Debug("sip: bad request", "method", string(req.Method), "status", p.code, "reason", p.reason, "source", req.Source())
			if !req.IsAck() {
				s.reply(tx, req, p.code, p.reason, p.extra...)
			}
			return
		}
		h(req, tx)
	}
}

// onAck confirms a call (the ACK of its 200 OK) or a re-INVITE answer.
func (s *Server) onAck(req *sip.Request, tx sip.ServerTransaction) {
	if c := s.lookup(req); c != nil {
		c.onAck(req, tx)
	}
}

// onAck handles an ACK in the call's dialog: the first one confirms the
// call and, for an INVITE without SDP, carries the answer (RFC 3264
// section 4; a missing or unusable answer ends the call with a BYE).
func (c *call) onAck(req *sip.Request, tx sip.ServerTransaction) {
	seq := req.CSeq().SeqNo
	c.mu.Lock()
	wait := c.reinvite[seq]
	delete(c.reinvite, seq)
	reoffer := c.reofferSeq == seq && seq != 0
	if reoffer {
		c.reofferSeq = 0
	}
	c.mu.Unlock()
	if wait != nil {
		close(wait)
		if reoffer {
			c.applyReofferAnswer(req)
		}
		return
	}
	if c.uas == nil {
		return
	}
	if err := c.uas.ReadAck(req, tx); err != nil {
		c.log.Debug("sip: ACK outside the dialog's INVITE", "error", err)
		return
	}
	first := false
	c.ackOnce.Do(func() { first = true; close(c.acked) })
	c.mu.Lock()
	c.confirmed = true
	late, ep := c.lateOffer && !c.started, c.ep
	c.mu.Unlock()
	if !first || !late {
		return
	}
	body, p := sdpBody(req)
	var err error
	switch {
	case p.code != 0:
		err = fmt.Errorf("%w: %s", ErrBadAnswer, p.reason)
	case body == nil:
		err = fmt.Errorf("%w: the ACK carried no SDP answer to the offer in the 200 OK", ErrBadAnswer)
	default:
		if err = c.m.SetAnswer(body); err != nil {
			err = fmt.Errorf("%w: %v", ErrBadAnswer, err)
		} else {
			// Info was handed out with the Accept; its Codec stays empty
			// for a late offer and the logs name the codec.
			c.log.Info("sip: media negotiated in the ACK", "codec", c.m.Codec())
			err = c.startMedia(ep)
		}
	}
	if err != nil {
		c.log.Warn("sip: no usable answer in the ACK; hanging up", "error", err)
		c.s.goCall(func() { c.terminate(err, reasonHeader("SIP", 488, "no usable SDP answer")) })
	}
}

// applyReofferAnswer applies the SDP answer an ACK carries for the offer
// this side made in the 200 to a re-INVITE without SDP. An unusable answer
// leaves the media as it was.
func (c *call) applyReofferAnswer(ack *sip.Request) {
	body, p := sdpBody(ack)
	if p.code != 0 || body == nil {
		c.log.Warn("sip: no SDP answer in the ACK of a re-INVITE", "reason", p.reason)
		return
	}
	if err := c.m.SetAnswer(body); err != nil {
		c.log.Warn("sip: unusable SDP answer in the ACK of a re-INVITE", "error", err)
	}
}

// onBye ends a call the far end hung up.
func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil {
		s.reply(tx, req, 481, "no such call")
		return
	}
	var err error
	if c.uas != nil {
		err = c.uas.ReadBye(req, tx)
	} else {
		err = c.uac.ReadBye(req, tx)
	}
	if err != nil {
		s.reply(tx, req, 500, err.Error())
	}
	c.end(nil, "the far end hung up")
}

// onCancel answers a CANCEL that matches no INVITE (the transaction layer
// handles those that match: 200 to the CANCEL, 487 to the INVITE).
func (s *Server) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	s.reply(tx, req, 481, "no INVITE to cancel")
}

// onOptions answers keep-alives and qualify pings with what this UA
// supports, and 503 while the server drains so that load balancers stop
// sending calls.
func (s *Server) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	s.mu.Lock()
	draining := s.draining
	s.mu.Unlock()
	if draining {
		s.reply(tx, req, 503, "shutting down", retryAfterHeader())
		return
	}
	s.reply(tx, req, 200, "",
		sip.NewHeader("Allow", allowMethods), sip.NewHeader("Accept", acceptSDP),
		sip.NewHeader("Supported", extTimer))
}

// onNoRoute answers methods this UA does not accept (RFC 3261 section
// 8.2.1: 405 with Allow).
func (s *Server) onNoRoute(req *sip.Request, tx sip.ServerTransaction) {
	s.reply(tx, req, 405, string(req.Method)+" is not accepted", sip.NewHeader("Allow", allowMethods))
}

// onInfo delivers keypad digits sent as SIP INFO.
func (s *Server) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil {
		s.reply(tx, req, 481, "no such call")
		return
	}
	if len(req.Body()) == 0 {
		s.reply(tx, req, 200, "") // keep-alive INFO
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	digit, err := parseDTMFInfo(ct, req.Body())
	switch {
	case errors.Is(err, errNotDTMF):
		s.reply(tx, req, 415, err.Error(), sip.NewHeader("Accept", acceptDTMF))
		return
	case err != nil:
		s.reply(tx, req, 400, err.Error())
		return
	}
	c.mu.Lock()
	ep := c.ep
	c.mu.Unlock()
	if ep == nil {
		s.reply(tx, req, 481, "the call is not set up yet")
		return
	}
	if err := ep.PushDTMF(digit); err != nil {
		c.log.Debug("sip: keypad digit not taken", "digit", string(digit), "error", err)
	}
	s.reply(tx, req, 200, "")
}

// onUpdate handles UPDATE (RFC 3311): a session refresh, or a new offer.
func (s *Server) onUpdate(req *sip.Request, tx sip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil {
		s.reply(tx, req, 481, "no such dialog")
		return
	}
	res, p := c.offerAnswer(req, false)
	if p.code != 0 {
		s.reply(tx, req, p.code, p.reason, p.extra...)
		return
	}
	if err := tx.Respond(res); err != nil {
		c.log.Debug("sip: cannot answer an UPDATE", "error", err)
	}
}

// reorderWait is how long a request that needs a confirmed call waits for
// the ACK it may have overtaken (UDP does not keep order): 4 T1.
const reorderWait = 2 * time.Second

// waitConfirmed waits until the call is confirmed (its ACK came; outbound
// calls are confirmed when Dial returns), for at most wait or until ctx is
// done; it reports whether it is.
func (c *call) waitConfirmed(ctx context.Context, wait time.Duration) bool {
	if c.uac != nil {
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-c.acked:
		return true
	case <-c.done:
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}

// onReinvite handles a re-INVITE: hold or resume, a new address or codec,
// or a session refresh with the same SDP. The 200 is retransmitted until
// its ACK comes, as for the first INVITE.
func (c *call) onReinvite(req *sip.Request, tx sip.ServerTransaction) {
	if !c.waitConfirmed(context.Background(), reorderWait) {
		// RFC 3261 section 14.2: a second INVITE before the first completed.
		c.s.reply(tx, req, 500, "the call is not set up yet", sip.NewHeader("Retry-After", "1"))
		return
	}
	res, p := c.offerAnswer(req, true)
	if p.code != 0 {
		c.s.reply(tx, req, p.code, p.reason, p.extra...)
		return
	}
	seq := req.CSeq().SeqNo
	acked := make(chan struct{})
	c.mu.Lock()
	c.reinvite[seq] = acked
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.reinvite, seq)
		c.mu.Unlock()
	}()
	wait := sip.T1
	deadline := time.NewTimer(64 * sip.T1)
	defer deadline.Stop()
	for {
		if err := tx.Respond(res); err != nil {
			c.log.Debug("sip: cannot answer a re-INVITE", "error", err)
			return
		}
		retry := time.NewTimer(wait)
		select {
		case <-acked:
			retry.Stop()
			return
		case <-c.done:
			retry.Stop()
			return
		case <-deadline.C:
			retry.Stop()
			c.log.Warn("sip: re-INVITE answer not acknowledged")
			return
		case <-retry.C:
			wait = min(2*wait, sip.T2)
		}
	}
}

// offerAnswer answers a re-INVITE or UPDATE: the new offer goes to the
// media (a refused one leaves the call as it was), the session timer is
// refreshed. A request without SDP gets the current SDP back.
func (c *call) offerAnswer(req *sip.Request, invite bool) (*sip.Response, problem) {
	seq := req.CSeq().SeqNo
	c.mu.Lock()
	stale := seq <= c.remoteSeq
	if !stale {
		c.remoteSeq = seq
	}
	c.mu.Unlock()
	if stale {
		return nil, problem{code: 500, reason: "CSeq out of order", extra: []sip.Header{sip.NewHeader("Retry-After", "1")}}
	}
	offer, p := sdpBody(req)
	if p.code != 0 {
		return nil, p
	}
	if p = c.peerRefresh(req); p.code != 0 {
		return nil, p
	}
	c.mu.Lock()
	answer := c.localSDP
	c.mu.Unlock()
	if offer == nil && invite {
		// A re-INVITE without SDP asks for an offer; the answer comes in
		// the ACK (RFC 3264 section 4).
		o, err := c.m.Offer()
		if err != nil {
			return nil, problem{code: 500, reason: "cannot make an SDP offer"}
		}
		answer = o
		c.mu.Lock()
		c.localSDP, c.reofferSeq = o, seq
		c.mu.Unlock()
	}
	if offer != nil {
		a, err := c.m.Update(offer)
		switch {
		case errors.Is(err, rtp.ErrNoCodec):
			return nil, problem{code: 488, reason: err.Error(), extra: []sip.Header{warningHeader(305, "parley", err.Error())}}
		case errors.Is(err, rtp.ErrBadSDP):
			return nil, problem{code: 400, reason: err.Error()}
		case err != nil:
			return nil, problem{code: 500, reason: "the new offer could not be applied"}
		}
		answer = a
		c.mu.Lock()
		c.localSDP = a
		c.mu.Unlock()
	}
	c.touch()
	if !invite && offer == nil {
		answer = nil // an UPDATE without an offer gets no SDP
	}
	return c.okResponse(req, answer), problem{}
}

// okResponse builds the 200 to a re-INVITE or UPDATE, with sdp when not
// nil and the session timer headers.
func (c *call) okResponse(req *sip.Request, sdp []byte) *sip.Response {
	var res *sip.Response
	if len(sdp) > 0 {
		res = sip.NewSDPResponseFromRequest(req, sdp)
	} else {
		res = sip.NewResponseFromRequest(req, 200, "OK", nil)
	}
	res.AppendHeader(c.s.contact(c.network, c.host))
	res.AppendHeader(sip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sip.NewHeader("Supported", extTimer))
	c.mu.Lock()
	t := c.timer
	c.mu.Unlock()
	for _, h := range t.timerHeaders() {
		res.AppendHeader(h)
	}
	return res
}
