package sip

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"

	"github.com/emiago/sipgo/sip"
)

// guardedConn is the UDP listener as sipgo sees it. It parses each
// datagram before sipgo does and keeps back those sipgo would drop
// without a word: a request whose headers or Content-Length are malformed
// gets a stateless 400 Bad Request naming the problem (RFC 3261 section
// 18.3 asks for one when the body is shorter than Content-Length), and
// anything that is not a SIP message is dropped and counted. Requests
// that parse go on to sipgo unchanged.
type guardedConn struct {
	net.PacketConn
	parser   *sip.Parser
	agent    string
	log      *slog.Logger
	rejected atomic.Uint64
	dropped  atomic.Uint64
}

// newGuardedConn wraps pc.
func newGuardedConn(pc net.PacketConn, agent string, log *slog.Logger) *guardedConn {
	return &guardedConn{PacketConn: pc, parser: sip.NewParser(), agent: agent, log: log}
}

// ReadFrom returns the next datagram that sipgo can handle, answering or
// dropping the others on the way.
func (g *guardedConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := g.PacketConn.ReadFrom(b)
		if err != nil || g.admit(b[:n], addr) {
			return n, addr, err
		}
	}
}

// admit reports whether sipgo should see data; otherwise it answers or
// drops it.
func (g *guardedConn) admit(data []byte, from net.Addr) bool {
	if len(bytes.Trim(data, "\x00\r\n")) == 0 {
		return true // keep-alive (RFC 5626 section 3.5.1): sipgo ignores it
	}
	msg, err := g.parser.ParseSIP(data)
	var reason string
	switch {
	case err != nil:
		reason = parseProblem(data, err)
	default:
		req, ok := msg.(*sip.Request)
		switch {
		case !ok:
			return true
		case req.Via() == nil:
			g.drop(from, "request without a Via header")
			return false
		case req.CSeq() == nil:
			// sipgo would answer without saying why.
			reason = "missing or malformed CSeq header"
		default:
			return true
		}
	}
	if !looksLikeRequest(data) {
		g.drop(from, reason)
		return false
	}
	res := badRequest(data, reason, g.agent)
	if res == nil {
		g.drop(from, "malformed request without a Via header: "+reason)
		return false
	}
	g.rejected.Add(1)
	g.log.Debug("sip: malformed request answered 400", "from", from.String(), "reason", reason)
	if _, werr := g.PacketConn.WriteTo(res, from); werr != nil {
		g.log.Debug("sip: cannot answer a malformed request", "from", from.String(), "error", werr)
	}
	return false
}

// drop counts and logs a datagram that gets no answer.
func (g *guardedConn) drop(from net.Addr, why string) {
	g.dropped.Add(1)
	g.log.Debug("sip: datagram dropped", "from", from.String(), "reason", why)
}

// looksLikeRequest reports whether data starts with a request line other
// than ACK (which is never answered): METHOD SP Request-URI SP SIP/2.0.
func looksLikeRequest(data []byte) bool {
	line, _, _ := bytes.Cut(data, []byte("\r\n"))
	parts := strings.Split(string(line), " ")
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "SIP/") || parts[0] == "ACK" || parts[0] == "" {
		return false
	}
	for _, r := range parts[0] {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// parseProblem says what is wrong with a message the parser refused: the
// first header line that does not parse, or the parser's verdict.
func parseProblem(data []byte, err error) string {
	if errors.Is(err, sip.ErrParseReadBodyIncomplete) {
		return "message body shorter than its Content-Length"
	}
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	parsers := sip.HeadersParser(sip.DefaultHeadersParser())
	for _, l := range unfold(strings.Split(string(head), "\r\n")[1:]) {
		name, _, ok := strings.Cut(l, ":")
		if !ok {
			return "header line without a colon: " + l
		}
		if _, perr := parsers.ParseHeader(nil, []byte(l)); perr != nil {
			return "malformed " + strings.TrimSpace(name) + " header"
		}
	}
	return err.Error()
}

// badRequest builds a stateless 400 response to a request that did not
// parse, copying its Via, From, To, Call-ID and CSeq lines (those that
// parse; a tag is added to To, and a CSeq that does not parse is replaced
// by one with the request's method so that the client can match the
// answer), with the reason in a Warning header. It returns nil when the
// request has no Via line to route the answer by.
func badRequest(data []byte, reason, agent string) []byte {
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	all := strings.Split(string(head), "\r\n")
	method, _, _ := strings.Cut(all[0], " ")
	parsers := sip.HeadersParser(sip.DefaultHeadersParser())
	var b strings.Builder
	b.WriteString("SIP/2.0 400 Bad Request\r\n")
	vias, cseq := 0, false
	for _, l := range unfold(all[1:]) {
		name, value, ok := strings.Cut(l, ":")
		if !ok || strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			continue
		}
		full := longName(strings.ToLower(strings.TrimSpace(name)))
		line := canonical(full) + ": " + strings.TrimSpace(value)
		switch full {
		case "via", "from", "call-id", "cseq", "to":
		default:
			continue
		}
		if full == "to" && !strings.Contains(strings.ToLower(line), ";tag=") {
			line += ";tag=" + sip.GenerateTagN(16)
		}
		if _, err := parsers.ParseHeader(nil, []byte(line)); err != nil || (full == "cseq" && cseq) {
			continue
		}
		switch full {
		case "via":
			vias++
		case "cseq":
			cseq = true
		}
		b.WriteString(line + "\r\n")
	}
	if vias == 0 {
		return nil
	}
	if !cseq {
		b.WriteString("CSeq: 0 " + method + "\r\n")
	}
	b.WriteString("Server: " + agent + "\r\n")
	b.WriteString("Warning: 399 parley \"" + cleanText(reason) + "\"\r\n")
	b.WriteString("Content-Length: 0\r\n\r\n")
	res := []byte(b.String())
	if _, err := sip.ParseMessage(res); err != nil {
		return nil // a copied line the header parser took but the message parser does not
	}
	return res
}

// unfold joins header continuation lines (starting with a space or tab)
// to the line they continue.
func unfold(lines []string) []string {
	out := lines[:0:0]
	for _, l := range lines {
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(out) > 0 {
			out[len(out)-1] += " " + strings.TrimSpace(l)
			continue
		}
		out = append(out, l)
	}
	return out
}

// longName expands the compact forms of the headers a 400 copies.
func longName(n string) string {
	switch n {
	case "v":
		return "via"
	case "f":
		return "from"
	case "t":
		return "to"
	case "i":
		return "call-id"
	}
	return n
}

// canonical spells a copied header name.
func canonical(n string) string {
	switch n {
	case "via":
		return "Via"
	case "from":
		return "From"
	case "to":
		return "To"
	case "call-id":
		return "Call-ID"
	case "cseq":
		return "CSeq"
	}
	return n
}
