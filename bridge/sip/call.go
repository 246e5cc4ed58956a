package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/parley-voice/parley/bridge"
)

// byeTimeout bounds the BYE the Server sends on its own (media timeout,
// session expiry, missing ACK): a far end that is gone does not answer.
const byeTimeout = 5 * time.Second

// dialog is what a call needs of sipgo's dialog sessions, UAS
// (*sipgo.DialogServerSession) and UAC (*sipgo.DialogClientSession) alike.
type dialog interface {
	Do(ctx context.Context, req *sip.Request) (*sip.Response, error)
	WriteBye(ctx context.Context, bye *sip.Request) error
	Close() error
}

// call is one SIP call: it implements bridge.Call. Its media is an
// rtp.Session; its dialog a sipgo dialog session.
type call struct {
	s       *Server
	info    bridge.Info
	log     *slog.Logger
	m       media
	network string
	host    string // our host in Contact and Via
	id      string // dialog ID once known

	uas *sipgo.DialogServerSession
	uac *sipgo.DialogClientSession
	dlg dialog

	ctx    context.Context // handed to Accept; ends with the call
	cancel context.CancelFunc
	done   chan struct{}
	abort  chan struct{} // closed by Hangup before the call is answered
	acked  chan struct{} // closed on the first ACK (inbound)

	endOnce   sync.Once
	abortOnce sync.Once
	ackOnce   sync.Once

	refreshed chan struct{} // a session refresh arrived (cap 1)

	mu         sync.Mutex
	ep         bridge.Endpoint
	answered   bool
	confirmed  bool
	ended      bool
	err        error
	started    bool   // media started
	lateOffer  bool   // the answer comes in the ACK
	localSDP   []byte // the last SDP this side sent
	remoteSeq  uint32 // CSeq of the far end's last INVITE or UPDATE
	reofferSeq uint32 // CSeq of a re-INVITE answered with an offer
	timer      timerState
	transfer   chan int                 // sipfrag status codes of a pending REFER
	reinvite   map[uint32]chan struct{} // ACK waits of answered re-INVITEs
}

// newCall returns a call with its context and logger.
func (s *Server) newCall(info bridge.Info, network, host string) *call {
	ctx, cancel := context.WithCancel(context.Background())
	return &call{
		s: s, info: info, network: network, host: host,
		log: s.log.With("call_id", info.ID, "sip_call_id", info.Params["sip_call_id"]),
		ctx: ctx, cancel: cancel, done: make(chan struct{}), abort: make(chan struct{}),
		acked: make(chan struct{}), refreshed: make(chan struct{}, 1),
		reinvite: map[uint32]chan struct{}{},
	}
}

// Info implements bridge.Call.
func (c *call) Info() bridge.Info { return c.info }

// Done implements bridge.Call.
func (c *call) Done() <-chan struct{} { return c.done }

// Err implements bridge.Call.
func (c *call) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Flush implements bridge.Call: RTP audio is paced in real time, so there
// is no buffer to drop.
func (c *call) Flush() {}

// Hangup implements bridge.Call: a BYE with a Reason header once the call
// is answered, a 480 final response while it rings.
func (c *call) Hangup(ctx context.Context, reason string) error {
	c.mu.Lock()
	ended, answered := c.ended, c.answered
	c.mu.Unlock()
	if ended {
		return nil
	}
	if !answered {
		c.abortOnce.Do(func() { close(c.abort) })
		select {
		case <-c.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	err := c.bye(ctx, reasonHeader("Q.850", 16, reason))
	c.end(nil, "hung up: "+reason)
	return err
}

// SendDTMF implements bridge.Call: RFC 4733 events, or SIP INFO
// (application/dtmf-relay) when the far end did not negotiate
// telephone-event.
func (c *call) SendDTMF(digits string) error {
	for i := 0; i < len(digits); i++ {
		if !validDigit(digits[i]) {
			return fmt.Errorf("%w: %q is not a keypad digit (0-9, *, #, A-D)", ErrBadDigits, digits[i])
		}
	}
	c.mu.Lock()
	ended, started, answered := c.ended, c.started, c.answered
	c.mu.Unlock()
	switch {
	case ended:
		return bridge.ErrCallEnded
	case !answered:
		return fmt.Errorf("%w: keypad digits need an answered call", ErrNotAnswered)
	}
	if started {
		err := c.m.SendDTMF(digits)
		if !errors.Is(err, bridge.ErrUnsupported) {
			return err
		}
	}
	c.s.goCall(func() { c.sendInfoDigits(digits) })
	return nil
}

// sendInfoDigits sends digits as SIP INFO requests, one per digit.
func (c *call) sendInfoDigits(digits string) {
	for i := 0; i < len(digits); i++ {
		req := c.request(sip.INFO)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/dtmf-relay"))
		req.SetBody([]byte("Signal=" + string(digits[i]) + "\r\nDuration=160\r\n"))
		ctx, cancel := context.WithTimeout(c.ctx, byeTimeout)
		res, err := c.dlg.Do(ctx, req)
		cancel()
		if err != nil || !res.IsSuccess() {
			c.log.Warn("sip: keypad digit not delivered by INFO", "digit", string(digits[i]), "error", err, "response", statusOf(res))
			return
		}
	}
}

// request returns an in-dialog request to the far end's target with our
// Via and Contact; the dialog adds From, To, Call-ID and CSeq.
func (c *call) request(method sip.RequestMethod) *sip.Request {
	req := sip.NewRequest(method, c.remoteTarget())
	req.AppendHeader(c.s.via(c.network, c.host))
	req.AppendHeader(c.s.contact(c.network, c.host))
	req.AppendHeader(sip.NewHeader("User-Agent", c.s.cfg.UserAgent))
	req.SetTransport(c.transport())
	c.s.bindLocal(req, c.network)
	return req
}

// remoteTarget is the far end's Contact: where in-dialog requests go.
func (c *call) remoteTarget() sip.Uri {
	if c.uas != nil {
		return *c.uas.InviteRequest.Contact().Address.Clone()
	}
	if res := c.uac.InviteResponse; res != nil {
		if ct := res.Contact(); ct != nil {
			return *ct.Address.Clone()
		}
	}
	return *c.uac.InviteRequest.Recipient.Clone()
}

// transport is the dialog's transport as a message carries it.
func (c *call) transport() string {
	switch c.network {
	case "tcp":
		return "TCP"
	case "tls":
		return "TLS"
	}
	return "UDP"
}

// bye sends a BYE carrying reason and waits for its answer or ctx.
func (c *call) bye(ctx context.Context, reason sip.Header) error {
	req := c.request(sip.BYE)
	req.AppendHeader(reason)
	if err := c.dlg.WriteBye(ctx, req); err != nil {
		c.log.Debug("sip: BYE not answered", "error", err)
		return fmt.Errorf("sip: BYE: %w", err)
	}
	return nil
}

// terminate ends the call for cause, telling the far end with a BYE.
func (c *call) terminate(cause error, reason sip.Header) {
	c.mu.Lock()
	ended := c.ended
	c.mu.Unlock()
	if ended {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	_ = c.bye(ctx, reason)
	c.end(cause, cause.Error())
}

// end finishes the call once: the media is closed, the slot released, the
// context cancelled and Done closed. err is what Err reports.
func (c *call) end(err error, why string) {
	c.endOnce.Do(func() {
		c.mu.Lock()
		c.ended, c.err = true, err
		c.mu.Unlock()
		c.cancel()
		if c.m != nil {
			_ = c.m.Close()
		}
		if c.id != "" {
			c.s.unregister(c.id, c)
		}
		if c.dlg != nil {
			_ = c.dlg.Close()
		}
		c.s.release()
		attrs := []any{"why", why}
		if !c.info.Started.IsZero() {
			attrs = append(attrs, "duration", c.s.o.clock.Now().Sub(c.info.Started))
		}
		if c.m != nil {
			attrs = append(attrs, "rtp", c.m.Stats())
		}
		if err != nil {
			attrs = append(attrs, "error", err)
		}
		c.log.Info("sip: call ended", attrs...)
		close(c.done)
	})
}

// statusOf formats a response's status for logs ("" for none).
func statusOf(res *sip.Response) string {
	if res == nil {
		return ""
	}
	return res.StartLine()
}

// validDigit reports whether d is a keypad digit.
func validDigit(d byte) bool {
	return d >= '0' && d <= '9' || d == '*' || d == '#' || d >= 'A' && d <= 'D'
}
