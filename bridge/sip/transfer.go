package sip

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/parley-voice/parley/bridge"
)

// transferTimeout bounds a transfer whose context has no deadline: the
// far end has this long to report (NOTIFY) how the transferred call went.
const transferTimeout = 60 * time.Second

// Transfer implements bridge.Call with a blind transfer (RFC 3515): a REFER
// to the far end with Refer-To target, then its NOTIFYs (message/sipfrag)
// are awaited until the new call is answered, and the call ends with a
// BYE. A refused REFER or a failed new call returns an error wrapping
// ErrTransferFailed (a *StatusError when there is a status) and the call
// goes on. A target without a scheme (a phone number or user) is sent to
// the far end's host: sip:target@host.
func (c *call) Transfer(ctx context.Context, target string) error {
	c.mu.Lock()
	ended, answered, busy := c.ended, c.answered, c.transfer != nil
	c.mu.Unlock()
	switch {
	case ended:
		return bridge.ErrCallEnded
	case !answered:
		return fmt.Errorf("%w: %w", ErrTransferFailed, ErrNotAnswered)
	case !c.waitConfirmed(ctx, 64*sip.T1):
		return fmt.Errorf("%w: the caller has not acknowledged the answer", ErrTransferFailed)
	case busy:
		return fmt.Errorf("%w: another transfer is in progress", ErrTransferFailed)
	}
	referTo, err := c.transferURI(target)
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, transferTimeout)
		defer cancel()
	}
	notify := make(chan int, 8)
	c.mu.Lock()
	c.transfer = notify
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.transfer = nil
		c.mu.Unlock()
	}()
	req := c.request(sip.REFER)
	req.AppendHeader(sip.NewHeader("Refer-To", "<"+referTo.String()+">"))
	req.AppendHeader(sip.NewHeader("Referred-By", "<"+c.s.contact(c.network, c.host).Address.String()+">"))
	c.log.Info("sip: transferring the call", "target", referTo.String())
	res, err := c.dlg.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("%w: REFER: %v", ErrTransferFailed, err)
	}
	if !res.IsSuccess() {
		return &StatusError{Method: "REFER", Code: res.StatusCode, Reason: res.Reason, err: ErrTransferFailed}
	}
	if err := c.awaitTransfer(ctx, notify); err != nil {
		return err
	}
	_ = c.bye(ctx, reasonHeader("Q.850", 16, "transferred"))
	c.end(nil, "transferred to "+referTo.String())
	return nil
}

// awaitTransfer waits for the NOTIFY that reports the final status of the
// transferred call.
func (c *call) awaitTransfer(ctx context.Context, notify <-chan int) error {
	for {
		select {
		case code := <-notify:
			switch {
			case code < 200:
				continue
			case code < 300:
				return nil
			default:
				return &StatusError{Method: "REFER", Code: code, Reason: "in the transfer's NOTIFY", err: ErrTransferFailed}
			}
		case <-c.done:
			return bridge.ErrCallEnded
		case <-ctx.Done():
			return fmt.Errorf("%w: no final NOTIFY from the far end: %v", ErrTransferFailed, ctx.Err())
		}
	}
}

// transferURI turns a Transfer target into a Refer-To URI.
func (c *call) transferURI(target string) (sip.Uri, error) {
	target = strings.TrimSpace(target)
	var u sip.Uri
	if target == "" || strings.ContainsAny(target, "<>\"\r\n ") {
		return u, fmt.Errorf("%w: %q: want sip:user@host, tel:+number or a number", ErrBadTarget, target)
	}
	low := strings.ToLower(target)
	if strings.HasPrefix(low, "sip:") || strings.HasPrefix(low, "sips:") || strings.HasPrefix(low, "tel:") {
		if err := sip.ParseUri(target, &u); err != nil {
			return u, fmt.Errorf("%w: %q: %v", ErrBadTarget, target, err)
		}
		return u, nil
	}
	rt := c.remoteTarget()
	u = sip.Uri{Scheme: "sip", User: target, Host: rt.Host, Port: rt.Port}
	return u, nil
}

// onNotify takes the NOTIFYs of a transfer's implicit subscription
// (RFC 3515 section 2.4.5): their message/sipfrag body holds the status
// line of the transferred call.
func (s *Server) onNotify(req *sip.Request, tx sip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil {
		s.reply(tx, req, 481, "no such dialog")
		return
	}
	ev, _ := firstHeader(req, "event")
	if name, _, _ := strings.Cut(strings.TrimSpace(ev), ";"); !strings.EqualFold(name, "refer") {
		s.reply(tx, req, 489, "only the refer event is supported", sip.NewHeader("Allow-Events", "refer"))
		return
	}
	c.mu.Lock()
	notify := c.transfer
	c.mu.Unlock()
	if notify == nil {
		s.reply(tx, req, 481, "no transfer in progress")
		return
	}
	code, err := sipfragStatus(req.Body())
	if err != nil {
		s.reply(tx, req, 400, err.Error())
		return
	}
	s.reply(tx, req, 200, "")
	for { // drop the oldest report when full: the latest one matters
		select {
		case notify <- code:
			return
		default:
			select {
			case <-notify:
			default:
			}
		}
	}
}

// sipfragStatus returns the status code of a message/sipfrag body's
// status line ("SIP/2.0 200 OK").
func sipfragStatus(body []byte) (int, error) {
	line, _, _ := strings.Cut(string(body), "\n")
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "SIP/") {
		return 0, fmt.Errorf("NOTIFY body is not a SIP status line (message/sipfrag)")
	}
	code, err := strconv.Atoi(f[1])
	if err != nil || code < 100 || code > 699 {
		return 0, fmt.Errorf("NOTIFY sipfrag status %q is not a status code", cleanText(f[1]))
	}
	return code, nil
}
