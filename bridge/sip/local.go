package sip

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// closeHangupTimeout bounds the BYEs Close sends to calls in progress.
const closeHangupTimeout = 2 * time.Second

// ipNetwork returns the network for a listen address: base+"4" or base+"6"
// for a specific address family, base for an empty host.
func ipNetwork(base, addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return base
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		return base + "6"
	}
	return base + "4"
}

// hostIPv4 returns the host's first non-loopback IPv4 address, or
// 127.0.0.1 when it has none.
func hostIPv4() string {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				if ip4 := ipn.IP.To4(); ip4 != nil && !ip4.IsLoopback() && !ip4.IsLinkLocalUnicast() {
					return ip4.String()
				}
			}
		}
	}
	return "127.0.0.1"
}

// networkOf maps a message transport ("UDP", "tcp", "TLS") to a listener
// network name.
func networkOf(transport string) string {
	switch strings.ToLower(transport) {
	case "tcp":
		return "tcp"
	case "tls":
		return "tls"
	}
	return "udp"
}

// listenerFor returns the listener of a network, or nil.
func (s *Server) listenerFor(network string) *listener {
	for _, l := range s.listeners {
		if l.network == network {
			return l
		}
	}
	return nil
}

// localHost returns the host to put in Contact and Via for a call over
// network: sip.public_host, else the listener's address when it is
// specific, else the address the request reached when it is an IP (req
// may be nil), else the host's first IPv4 address.
func (s *Server) localHost(network string, req *sip.Request) string {
	if s.cfg.PublicHost != "" {
		return s.cfg.PublicHost
	}
	if l := s.listenerFor(network); l != nil {
		if ip := addrIP(l.addr); ip != nil && !ip.IsUnspecified() {
			return ip.String()
		}
	}
	if req != nil {
		if ip := net.ParseIP(strings.Trim(req.Recipient.Host, "[]")); ip != nil && !ip.IsUnspecified() {
			return ip.String()
		}
	}
	return s.hostIP
}

// localPort returns the bound port of network's listener (5060 when it is
// not configured).
func (s *Server) localPort(network string) int {
	if l := s.listenerFor(network); l != nil {
		if _, p, err := net.SplitHostPort(l.addr.String()); err == nil {
			if n, err := strconv.Atoi(p); err == nil {
				return n
			}
		}
	}
	return sip.DefaultPort(network)
}

// addrIP returns the IP of a TCP or UDP address.
func addrIP(a net.Addr) net.IP {
	switch v := a.(type) {
	case *net.UDPAddr:
		return v.IP
	case *net.TCPAddr:
		return v.IP
	}
	return nil
}

// contact returns the Contact header for a call over network reaching
// host.
func (s *Server) contact(network, host string) *sip.ContactHeader {
	u := sip.Uri{Scheme: "sip", User: "parley", Host: uriHost(host), Port: s.localPort(network)}
	if network != "udp" {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", network)
	}
	return &sip.ContactHeader{Address: u}
}

// via returns a new top Via header for a request this UA sends over
// network from host, with a fresh branch and rport (RFC 3581).
func (s *Server) via(network, host string) *sip.ViaHeader {
	params := sip.NewParams()
	params.Add("branch", sip.GenerateBranch())
	params.Add("rport", "")
	return &sip.ViaHeader{
		ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: strings.ToUpper(network),
		Host: uriHost(host), Port: s.localPort(network), Params: params,
	}
}

// bindLocal makes an outgoing UDP request leave from the listener socket,
// so that answers and in-dialog requests come back to it.
func (s *Server) bindLocal(req *sip.Request, network string) {
	if network != "udp" {
		return
	}
	l := s.listenerFor("udp")
	if l == nil {
		return
	}
	// Before Serve registered the listener with sipgo (or after Close),
	// sipgo would try to bind the port again: send from another socket.
	c, err := s.ua.TransportLayer().GetConnection("udp", l.addr.String())
	if err != nil || c == nil {
		return
	}
	_, _ = c.TryClose() // GetConnection took a reference; the listener stays open

	if ua, ok := l.addr.(*net.UDPAddr); ok {
		req.Laddr = sip.Addr{IP: ua.IP, Port: ua.Port}
	}
}

// reply answers req with code and the standard reason phrase, a Warning
// with detail (when not empty) and extra headers. Errors are logged: the
// transaction layer retransmits or times out on its own.
func (s *Server) reply(tx sip.ServerTransaction, req *sip.Request, code int, detail string, extra ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reasonPhrase(code), nil)
	res.AppendHeader(sip.NewHeader("Server", s.cfg.UserAgent))
	if detail != "" && code >= 300 {
		res.AppendHeader(warningHeader(399, "parley", detail))
	}
	for _, h := range extra {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip: cannot send a response", "status", code, "method", string(req.Method), "error", err)
	}
}

// reasonPhrase returns the RFC 3261 reason phrase of the status codes
// this UA sends.
func reasonPhrase(code int) string {
	switch code {
	case 100:
		return "Trying"
	case 180:
		return "Ringing"
	case 200:
		return "OK"
	case 202:
		return "Accepted"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 405:
		return "Method Not Allowed"
	case 415:
		return "Unsupported Media Type"
	case 416:
		return "Unsupported URI Scheme"
	case 420:
		return "Bad Extension"
	case 422:
		return "Session Interval Too Small"
	case 480:
		return "Temporarily Unavailable"
	case 481:
		return "Call/Transaction Does Not Exist"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 489:
		return "Bad Event"
	case 491:
		return "Request Pending"
	case 500:
		return "Server Internal Error"
	case 503:
		return "Service Unavailable"
	case 505:
		return "Version Not Supported"
	}
	return "Error"
}
