package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/parley-voice/parley/bridge"
)

// Dial places an outbound call to target (sip:user@host[:port], with
// ;transport=tcp or tls to use those listeners) from the SIP URI from
// (default sip:parley@<this host>), and once it is answered hands it to h
// like an inbound call (Direction Outbound; nil h means the Server's
// handler). The INVITE carries an SDP offer of the configured codecs; it
// rings for at most sip.invite_timeout or until ctx is done, and is then
// cancelled. A refused call returns a *StatusError wrapping ErrCallFailed
// (486 Busy Here, 404 Not Found...); digest challenges are answered with
// sip.outbound credentials. Dial blocks until the call is answered or
// failed.
func (s *Server) Dial(ctx context.Context, target, from string, h bridge.Handler) (bridge.Call, error) {
	if h == nil {
		h = s.h
	}
	to, network, err := s.dialTarget(target)
	if err != nil {
		return nil, err
	}
	host := s.localHost(network, nil)
	fromURI := sip.Uri{Scheme: "sip", User: "parley", Host: uriHost(host)}
	if from != "" {
		if err := sip.ParseUri(from, &fromURI); err != nil || (fromURI.Scheme != "sip" && fromURI.Scheme != "sips") {
			return nil, fmt.Errorf("%w: from %q is not a SIP URI (sip:user@host)", ErrBadTarget, from)
		}
	}
	if err := s.reserve(); err != nil {
		return nil, err
	}
	callID := sip.GenerateTagN(24) + "@" + host
	remote := to.Host + ":" + strconv.Itoa(to.Port)
	if to.Port == 0 {
		remote = to.Host + ":" + strconv.Itoa(sip.DefaultPort(network))
	}
	info := bridge.Info{
		ID: bridge.NewID(s.o.clock.Now()), Channel: bridge.ChannelSIP, Direction: bridge.Outbound,
		From: fromURI.String(), To: to.String(), Remote: remote,
		Params: map[string]string{"sip_call_id": callID},
	}
	c := s.newCall(info, network, host)
	if code, why := c.negotiate(nil); code != 0 {
		c.end(nil, why)
		return nil, fmt.Errorf("%w: %s", ErrCallFailed, why)
	}
	c.mu.Lock()
	c.lateOffer = false // this side made the offer; the answer comes in the 200
	c.mu.Unlock()
	sess, err := c.invite(ctx, to, fromURI, callID)
	if err != nil {
		c.end(err, "not answered")
		return nil, err
	}
	if err := c.connectOutbound(ctx, sess, h); err != nil {
		return nil, err
	}
	return c, nil
}

// dialTarget parses a Dial target and picks its transport.
func (s *Server) dialTarget(target string) (sip.Uri, string, error) {
	var to sip.Uri
	low := strings.ToLower(strings.TrimSpace(target))
	if !strings.HasPrefix(low, "sip:") && !strings.HasPrefix(low, "sips:") {
		return to, "", fmt.Errorf("%w: %q: want a SIP URI, sip:user@host[:port] (a number needs a gateway: sip:+15551234@gateway)", ErrBadTarget, target)
	}
	if err := sip.ParseUri(strings.TrimSpace(target), &to); err != nil || to.Host == "" {
		return to, "", fmt.Errorf("%w: %q: %v", ErrBadTarget, target, err)
	}
	network := "udp"
	if tr, ok := to.UriParams.Get("transport"); ok {
		network = strings.ToLower(tr)
	} else if to.Scheme == "sips" {
		network = "tls"
	}
	if network != "udp" && network != "tcp" && network != "tls" {
		return to, "", fmt.Errorf("%w: %q: transport %s is not supported (udp, tcp or tls)", ErrBadTarget, target, network)
	}
	if s.listenerFor(network) == nil {
		return to, "", fmt.Errorf("%w: %q: no %s listener is configured (sip.%s) for the far end to answer to", ErrBadTarget, target, network, network)
	}
	return to, network, nil
}

// inviteRequest builds the outbound INVITE with the SDP offer.
func (c *call) inviteRequest(to, from sip.Uri, callID string) *sip.Request {
	s := c.s
	c.mu.Lock()
	offer := c.localSDP
	c.mu.Unlock()
	req := sip.NewRequest(sip.INVITE, to)
	req.AppendHeader(s.via(c.network, c.host))
	fromH := &sip.FromHeader{Address: from, Params: sip.NewParams()}
	fromH.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(fromH)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: to.Scheme, User: to.User, Host: to.Host, Port: to.Port}})
	cid := sip.CallIDHeader(callID)
	req.AppendHeader(&cid)
	req.AppendHeader(s.contact(c.network, c.host))
	req.AppendHeader(sip.NewHeader("Allow", allowMethods))
	req.AppendHeader(sip.NewHeader("Supported", extTimer))
	req.AppendHeader(sip.NewHeader("User-Agent", s.cfg.UserAgent))
	if s.cfg.SessionExpires > 0 {
		req.AppendHeader(sip.NewHeader("Session-Expires", strconv.Itoa(int(s.cfg.SessionExpires.Seconds()))))
		req.AppendHeader(sip.NewHeader("Min-SE", strconv.Itoa(int(MinSessionExpires.Seconds()))))
	}
	req.AppendHeader(sip.NewHeader("Content-Type", acceptSDP))
	req.SetBody(offer)
	req.SetTransport(c.transport())
	s.bindLocal(req, c.network)
	return req
}

// invite sends the INVITE and waits for the answer.
func (c *call) invite(ctx context.Context, to, from sip.Uri, callID string) (*sipgo.DialogClientSession, error) {
	s := c.s
	req := c.inviteRequest(to, from, callID)
	ictx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var provisional atomic.Bool
	// Without any provisional answer there is nothing to CANCEL (RFC 3261
	// section 9.1): give up at once instead of waiting for Timer B.
	giveUp := func() {
		if provisional.Load() {
			cancel(context.Canceled)
		} else {
			cancel(sipgo.WaitAnswerForceCancelErr)
		}
	}
	fire, stop := after(s.o.clock, s.cfg.InviteTimeout)
	defer stop()
	go func() {
		select {
		case <-fire:
			giveUp()
		case <-ctx.Done():
			giveUp()
		case <-s.closing:
			giveUp()
		case <-ictx.Done():
		}
	}()
	ua := &sipgo.DialogUA{Client: s.client, ContactHDR: *s.contact(c.network, c.host), RewriteContact: true}
	sess, err := ua.WriteInvite(ictx, req)
	if err != nil {
		return nil, fmt.Errorf("%w: sending the INVITE to %s: %v", ErrCallFailed, to.String(), err)
	}
	err = sess.WaitAnswer(ictx, sipgo.AnswerOptions{
		Username: s.cfg.Outbound.Username, Password: s.cfg.Outbound.Password,
		OnResponse: func(res *sip.Response) error {
			if res.IsProvisional() {
				provisional.Store(true)
				c.log.Debug("sip: outbound call progress", "response", res.StartLine())
			}
			return nil
		},
	})
	if err != nil {
		return nil, dialError(ictx, err, to)
	}
	return sess, nil
}

// dialError turns a failed INVITE into the error Dial returns.
func dialError(ctx context.Context, err error, to sip.Uri) error {
	var res *sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &res):
		return &StatusError{Method: "INVITE", Code: res.Res.StatusCode, Reason: res.Res.Reason, err: ErrCallFailed}
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %s did not answer: %v", ErrCallFailed, to.String(), ctx.Err())
	}
	return fmt.Errorf("%w: INVITE to %s: %v", ErrCallFailed, to.String(), err)
}

// connectOutbound applies the answer of an accepted INVITE, acknowledges
// it, hands the call to h and starts its media.
func (c *call) connectOutbound(ctx context.Context, sess *sipgo.DialogClientSession, h bridge.Handler) error {
	c.uac, c.dlg, c.id = sess, sess, sess.ID
	res := sess.InviteResponse
	answer, p := sdpBody(res)
	if !c.s.register(c.id, c) {
		_ = sess.Ack(ctx)
		c.terminate(ErrClosed, reasonHeader("Q.850", 16, "server shutting down"))
		return ErrClosed
	}
	if err := sess.Ack(ctx); err != nil {
		c.log.Warn("sip: cannot acknowledge the answer", "error", err)
	}
	var err error
	switch {
	case p.code != 0:
		err = fmt.Errorf("%w: %s", ErrBadAnswer, p.reason)
	case answer == nil:
		err = fmt.Errorf("%w: the 200 OK carried no SDP answer", ErrBadAnswer)
	default:
		if err = c.m.SetAnswer(answer); err != nil {
			err = fmt.Errorf("%w: %v", ErrBadAnswer, err)
		}
	}
	if err != nil {
		c.terminate(err, reasonHeader("SIP", 488, "no usable SDP answer"))
		return err
	}
	c.info.Codec = c.m.Codec()
	c.info.Started = c.s.o.clock.Now()
	c.mu.Lock()
	c.answered, c.confirmed = true, true
	c.timer = c.s.uacTimer(res)
	c.mu.Unlock()
	ep, err := h.Accept(c.ctx, c)
	if err != nil {
		c.terminate(err, reasonHeader("Q.850", 21, "call refused by the handler"))
		return err
	}
	c.mu.Lock()
	c.ep = ep
	c.mu.Unlock()
	if err := c.startMedia(ep); err != nil {
		c.terminate(err, reasonHeader("Q.850", 41, "media start failed"))
		return err
	}
	if !c.s.goCall(c.watch) {
		c.terminate(ErrClosed, reasonHeader("Q.850", 16, "server shutting down"))
		return ErrClosed
	}
	return nil
}

// uacTimer reads the session timer the far end chose in its 2xx (RFC 4028
// section 7.2): no Session-Expires means no timer.
func (s *Server) uacTimer(res *sip.Response) timerState {
	se, ref, has, err := parseSessionExpires(res)
	if s.cfg.SessionExpires == 0 || !has || err != nil || se < MinSessionExpires {
		return timerState{}
	}
	return timerState{
		interval: se, weRefresh: ref != "uas", peerSupports: true,
		useUpdate: hasTag(res, "allow", "update"),
	}
}
