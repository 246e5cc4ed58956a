package rtp

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxSDPSize bounds the SDP bodies parsed (far beyond any real offer).
const maxSDPSize = 64 << 10

// mediaLine is an m= line as the far end wrote it, kept so that a stream
// can be rejected in the answer with the same media, proto and format
// (RFC 3264 section 6) even when the SDP library does not know them.
type mediaLine struct {
	media  string
	port   int
	proto  string
	format string // the first format
}

// Line orders of RFC 4566 section 5 (session level, then media level).
// Lines of other types are dropped.
var (
	sessionOrder = "vosiuepcbtrzka"
	mediaOrder   = "micbka"
)

// Media types and transport protocol tokens the SDP library accepts on an
// m= line; a line with others (m=image 0 udptl t38) is replaced by a
// rejected placeholder before parsing.
var (
	knownMedia  = []string{"audio", "video", "text", "application", "message"}
	knownProtos = []string{"UDP", "RTP", "AVP", "SAVP", "SAVPF", "TLS", "DTLS", "SCTP", "AVPF", "TCP", "MSRP", "BFCP", "UDT", "IX", "MRCPv2", "FEC"}
)

// normalizeSDP rewrites an SDP body into the strict form the SDP library
// parses, accepting what real phones send: LF or CRLF line ends, blank
// lines, trailing spaces, lines out of the order of RFC 4566, unknown line
// types, and missing s= or t= lines. It returns the rewritten body and the
// m= lines as written. It fails only on text that is not SDP at all.
func normalizeSDP(body []byte) ([]byte, []mediaLine, error) {
	if len(body) > maxSDPSize {
		return nil, nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrBadSDP, len(body), maxSDPSize)
	}
	var sections [][]string // sections[0] is the session level
	sections = append(sections, nil)
	for raw := range bytes.SplitSeq(body, []byte("\n")) {
		line := strings.TrimRight(string(raw), " \t\r")
		if line == "" {
			continue
		}
		if len(line) < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z' {
			return nil, nil, fmt.Errorf("%w: line %q is not of the form x=value", ErrBadSDP, clip(line))
		}
		if line[0] == 'm' {
			sections = append(sections, nil)
		}
		sections[len(sections)-1] = append(sections[len(sections)-1], line)
	}
	session := sections[0]
	if len(session) == 0 || session[0] != "v=0" {
		return nil, nil, fmt.Errorf("%w: the body does not start with v=0", ErrBadSDP)
	}
	session = orderLines(session, sessionOrder)
	if !hasType(session, 'o') {
		return nil, nil, fmt.Errorf("%w: no o= line", ErrBadSDP)
	}
	if !hasType(session, 's') {
		session = insertLine(session, "s=-", sessionOrder)
	}
	if !hasType(session, 't') {
		session = insertLine(session, "t=0 0", sessionOrder)
	}
	var b strings.Builder
	for _, l := range session {
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	var lines []mediaLine
	for _, sec := range sections[1:] {
		ml, known, err := parseMediaLine(sec[0])
		if err != nil {
			return nil, nil, err
		}
		lines = append(lines, ml)
		if !known {
			// A placeholder the library parses; the stream is rejected.
			b.WriteString("m=application 0 UDP 0\r\n")
			continue
		}
		for _, l := range orderLines(sec, mediaOrder) {
			b.WriteString(l)
			b.WriteString("\r\n")
		}
	}
	return []byte(b.String()), lines, nil
}

// parseMediaLine splits an m= line. known is false when the SDP library
// would refuse its media type or protocol.
func parseMediaLine(line string) (ml mediaLine, known bool, err error) {
	f := strings.Fields(line[2:])
	if len(f) < 3 {
		return ml, false, fmt.Errorf("%w: m= line %q needs media, port and proto", ErrBadSDP, clip(line))
	}
	port, _, _ := strings.Cut(f[1], "/")
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return ml, false, fmt.Errorf("%w: m= line %q has a bad port", ErrBadSDP, clip(line))
	}
	ml = mediaLine{media: f[0], port: p, proto: f[2], format: "0"}
	if len(f) > 3 {
		ml.format = f[3]
	}
	known = slices.Contains(knownMedia, ml.media) && len(f) > 3
	for tok := range strings.SplitSeq(ml.proto, "/") {
		known = known && slices.Contains(knownProtos, tok)
	}
	return ml, known, nil
}

// orderLines sorts lines stably into the RFC 4566 order given as a string
// of type letters, dropping unknown types and repeated single lines (a
// second c= or o=).
func orderLines(lines []string, order string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if strings.IndexByte(order, l[0]) < 0 {
			continue
		}
		if strings.IndexByte("vosiuck", l[0]) >= 0 && hasType(out, l[0]) {
			continue
		}
		out = append(out, l)
	}
	slices.SortStableFunc(out, func(a, b string) int {
		return strings.IndexByte(order, a[0]) - strings.IndexByte(order, b[0])
	})
	return out
}

// hasType reports whether lines has a line of type t.
func hasType(lines []string, t byte) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return l[0] == t })
}

// insertLine adds line at its place in the order.
func insertLine(lines []string, line, order string) []string {
	return orderLines(append(lines, line), order)
}

// clip shortens text quoted in error messages.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
