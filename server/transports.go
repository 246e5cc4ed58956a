package server

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/parley-voice/parley/bridge/rtp"
	"github.com/parley-voice/parley/bridge/sip"
	"github.com/parley-voice/parley/bridge/webrtc"
	"github.com/parley-voice/parley/bridge/ws"
	"github.com/parley-voice/parley/web"
)

// transport is one way calls come in, as the server runs it.
type transport interface {
	// name names it in logs ("sip", "webrtc", "twilio", "web").
	name() string
	// routes returns its HTTP handlers, served on http.listen.
	routes() []route
	// serve runs its own listeners until ctx is done (nil at once when
	// it has none).
	serve(ctx context.Context) error
	// addr returns its own listening addresses, "" when it has none.
	addr() string
	// shutdown stops it taking calls, letting calls in progress end.
	shutdown(ctx context.Context) error
	// close releases it.
	close() error
}

// buildTransports builds the enabled transports on the shared pacer, all
// answering through the call manager.
func (s *Server) buildTransports() error {
	log := s.log
	if s.cfg.Transports.SIP {
		srv, err := sip.NewServer(s.cfg.SIP, s.cfg.RTP, s.calls, sip.WithLogger(log.With("transport", "sip")),
			sip.WithPacer(s.pacer), sip.WithClock(s.clock))
		if err != nil {
			if errors.Is(err, sip.ErrInvalidConfig) || errors.Is(err, rtp.ErrInvalidConfig) {
				return err
			}
			return fmt.Errorf("%w: sip: %w (change sip.udp and sip.tcp, or stop the other SIP server)", ErrListen, err)
		}
		s.transports = append(s.transports, sipTransport{srv})
	}
	if s.cfg.Transports.WebRTC {
		w, err := webrtc.New(s.cfg.WebRTC, s.calls, webrtc.WithLogger(log.With("transport", "webrtc")),
			webrtc.WithPacer(s.pacer))
		if err != nil {
			return err
		}
		s.transports = append(s.transports, httpTransport{label: "webrtc", stop: w.Close,
			rs: []route{{"/whip", w}, {"/whip/", w}}})
	}
	if s.cfg.Transports.Twilio {
		tw, err := ws.New(s.cfg.Twilio, s.calls, ws.WithLogger(log.With("transport", "twilio")), ws.WithPacer(s.pacer))
		if err != nil {
			return err
		}
		s.transports = append(s.transports, httpTransport{label: "twilio", stop: tw.Close,
			rs: []route{{tw.Config().Path, tw}}})
	}
	if s.cfg.Transports.Web {
		s.transports = append(s.transports, httpTransport{label: "web", rs: []route{{"/", web.Handler()}}})
	}
	return nil
}

// sipTransport runs the SIP server.
type sipTransport struct{ srv *sip.Server }

func (t sipTransport) name() string                       { return "sip" }
func (t sipTransport) routes() []route                    { return nil }
func (t sipTransport) serve(ctx context.Context) error    { return t.srv.Serve(ctx) }
func (t sipTransport) shutdown(ctx context.Context) error { return t.srv.Shutdown(ctx) }
func (t sipTransport) close() error                       { return t.srv.Close() }
func (t sipTransport) addr() string {
	var out []string
	for _, n := range []string{"udp", "tcp", "tls"} {
		if a := t.srv.Addr(n); a != nil {
			out = append(out, n+" "+a.String())
		}
	}
	return strings.Join(out, ", ")
}

// SIPAddr returns the SIP listener's address for network ("udp", "tcp" or
// "tls"), or "" when SIP or that network is off. With port 0 in the
// configuration it tells the port picked.
func (s *Server) SIPAddr(network string) string {
	for _, t := range s.transports {
		if st, ok := t.(sipTransport); ok {
			if a := st.srv.Addr(network); a != nil {
				return a.String()
			}
		}
	}
	return ""
}

// httpTransport is a transport that is only HTTP handlers.
type httpTransport struct {
	label string
	rs    []route
	stop  func() error
}

func (t httpTransport) name() string                   { return t.label }
func (t httpTransport) routes() []route                { return t.rs }
func (t httpTransport) serve(context.Context) error    { return nil }
func (t httpTransport) addr() string                   { return "" }
func (t httpTransport) shutdown(context.Context) error { return nil }
func (t httpTransport) close() error {
	if t.stop == nil {
		return nil
	}
	return t.stop()
}

// SetSIPListen makes SIP listen on addr (host:port) over UDP and TCP, as
// `parley serve --sip` does.
func (c *Config) SetSIPListen(addr string) error {
	c.SIP.UDP, c.SIP.TCP = addr, addr
	if err := c.SIP.Validate(); err != nil {
		return transportError("sip", err, sip.ErrInvalidConfig)
	}
	return nil
}

// transportSections validates the sections of the enabled transports.
func (c Config) transportSections() error {
	if c.Transports.SIP {
		if err := c.SIP.Validate(); err != nil {
			return transportError("sip", err, sip.ErrInvalidConfig)
		}
		if err := c.RTP.Validate(); err != nil {
			return transportError("rtp", err, rtp.ErrInvalidConfig)
		}
	}
	if c.Transports.WebRTC {
		if err := c.WebRTC.Validate(); err != nil {
			return transportError("webrtc", err, webrtc.ErrInvalidConfig)
		}
	}
	if c.Transports.Twilio {
		if err := c.Twilio.Validate(); err != nil {
			return transportError("twilio", err, ws.ErrInvalidConfig)
		}
	}
	return nil
}

var dottedField = regexp.MustCompile(`^[a-z_]+(?:\.[a-z_][a-z0-9_]*(?:\[\d+\])?)+`)

// transportError turns a transport's validation error ("sip: invalid
// configuration: sip.udp "x": ...") into a ConfigError naming the field.
func transportError(section string, err, sentinel error) error {
	msg := strings.TrimPrefix(err.Error(), sentinel.Error()+": ")
	field := dottedField.FindString(msg)
	if field == "" || !strings.HasPrefix(field, section+".") {
		return &ConfigError{Field: section, Err: errors.New(msg)}
	}
	rest := strings.TrimLeft(strings.TrimPrefix(msg, field), ": ")
	return &ConfigError{Field: field, Err: errors.New(rest)}
}
