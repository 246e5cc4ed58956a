package sip

import (
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Header values this UA sends.
const (
	// allowMethods lists the methods accepted (Allow, RFC 3261 section
	// 20.5). REFER is sent, not accepted: transfers are placed by the
	// server.
	allowMethods = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, NOTIFY, UPDATE"
	// acceptSDP is the body type INVITE, UPDATE and OPTIONS accept.
	acceptSDP = "application/sdp"
	// acceptDTMF lists the INFO bodies understood.
	acceptDTMF = "application/dtmf-relay, application/dtmf"
	// extTimer is the session timer option tag (RFC 4028).
	extTimer = "timer"
	// maxReasonText bounds the text put in Reason and Warning headers.
	maxReasonText = 200
	// maxXHeaders and maxXValue bound the X- headers kept in Info.Params.
	maxXHeaders = 32
	maxXValue   = 1024
)

// message is what header lookups need of a request or response.
type message interface {
	Headers() []sip.Header
	ContentType() *sip.ContentTypeHeader
	Body() []byte
}

// headerName returns the full lower-case name of a header, expanding the
// compact forms (RFC 3261 section 7.3.3, RFC 3515, RFC 4028) that sipgo
// keeps as generic headers.
func headerName(h sip.Header) string {
	n := strings.ToLower(h.Name())
	switch n {
	case "k":
		return "supported"
	case "x":
		return "session-expires"
	case "r":
		return "refer-to"
	case "o":
		return "event"
	case "u":
		return "allow-events"
	case "b":
		return "referred-by"
	case "e":
		return "content-encoding"
	case "s":
		return "subject"
	}
	return n
}

// headerValues returns the values of every header named name (full,
// lower-case), compact forms included.
func headerValues(m message, name string) []string {
	var out []string
	for _, h := range m.Headers() {
		if headerName(h) == name {
			out = append(out, h.Value())
		}
	}
	return out
}

// firstHeader returns the value of the first header named name and
// whether there is one.
func firstHeader(m message, name string) (string, bool) {
	for _, h := range m.Headers() {
		if headerName(h) == name {
			return h.Value(), true
		}
	}
	return "", false
}

// optionTags returns the comma-separated tokens of every header named
// name (Supported, Require, Allow), lower-cased.
func optionTags(m message, name string) []string {
	var out []string
	for _, v := range headerValues(m, name) {
		for _, t := range strings.Split(v, ",") {
			if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// hasTag reports whether a header list holds tag.
func hasTag(m message, name, tag string) bool {
	for _, t := range optionTags(m, name) {
		if t == tag {
			return true
		}
	}
	return false
}

// cleanText makes s safe inside a quoted header string: no quotes,
// backslashes or control characters, at most maxReasonText bytes.
func cleanText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\'')
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
		if b.Len() >= maxReasonText {
			break
		}
	}
	return strings.TrimSpace(b.String())
}

// reasonHeader returns a Reason header (RFC 3326), for example
// Q.850;cause=16;text="Normal call clearing".
func reasonHeader(protocol string, cause int, text string) sip.Header {
	return sip.NewHeader("Reason", protocol+";cause="+strconv.Itoa(cause)+";text=\""+cleanText(text)+"\"")
}

// warningHeader returns a Warning header (RFC 3261 section 20.43) with
// code (399 miscellaneous, 305 incompatible media format) and text.
func warningHeader(code int, agent, text string) sip.Header {
	return sip.NewHeader("Warning", strconv.Itoa(code)+" "+agent+" \""+cleanText(text)+"\"")
}

// retryAfterHeader asks the caller to retry in retryAfter seconds.
func retryAfterHeader() sip.Header {
	return sip.NewHeader("Retry-After", strconv.Itoa(retryAfter))
}

// xHeaders returns the X- headers of req with lower-case names, at most
// maxXHeaders of them, values cut to maxXValue bytes; nil when there are
// none.
func xHeaders(req *sip.Request) map[string]string {
	var out map[string]string
	for _, h := range req.Headers() {
		name := strings.ToLower(h.Name())
		if !strings.HasPrefix(name, "x-") || len(name) > 64 {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		if _, dup := out[name]; !dup && len(out) >= maxXHeaders {
			continue
		}
		v := h.Value()
		if len(v) > maxXValue {
			v = v[:maxXValue]
		}
		out[name] = v
	}
	return out
}

// uriHost formats a host for a SIP URI: IPv6 addresses in brackets.
func uriHost(h string) string {
	if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
		return "[" + h + "]"
	}
	return h
}
