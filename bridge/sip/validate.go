package sip

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// problem is why a request cannot be processed: the status to answer and
// a reason for the Warning header (and the logs). A zero code means no
// problem.
type problem struct {
	code   int
	reason string
	// extra holds headers the response needs (Unsupported, Accept).
	extra []sip.Header
}

// maxMultipartParts bounds the parts of a multipart body searched for SDP.
const maxMultipartParts = 8

// checkRequest checks what every request handled here needs (RFC 3261
// section 8.2): the mandatory headers and their agreement, a supported
// URI scheme and version, and no required extension other than timer
// (when session timers are on). It never panics on missing headers.
func checkRequest(req *sip.Request, timers bool) problem {
	if req.SipVersion != "SIP/2.0" {
		return problem{code: 505, reason: "only SIP/2.0 is supported"}
	}
	switch strings.ToLower(req.Recipient.Scheme) {
	case "sip", "sips", "tel":
	default:
		return problem{code: 416, reason: "Request-URI scheme " + req.Recipient.Scheme + " is not supported (use sip:, sips: or tel:)"}
	}
	if req.Via() == nil {
		return problem{code: 400, reason: "missing Via header"}
	}
	if h := req.CallID(); h == nil || strings.TrimSpace(h.Value()) == "" {
		return problem{code: 400, reason: "missing Call-ID header"}
	}
	from, to := req.From(), req.To()
	if from == nil {
		return problem{code: 400, reason: "missing From header"}
	}
	if to == nil {
		return problem{code: 400, reason: "missing To header"}
	}
	if tag, _ := from.Params.Get("tag"); tag == "" {
		return problem{code: 400, reason: "From header has no tag"}
	}
	cseq := req.CSeq()
	if cseq == nil {
		return problem{code: 400, reason: "missing CSeq header"}
	}
	if cseq.MethodName != req.Method {
		return problem{code: 400, reason: "CSeq method " + string(cseq.MethodName) + " does not match the request method " + string(req.Method)}
	}
	if req.IsAck() {
		return problem{}
	}
	var unsupported []string
	for _, t := range optionTags(req, "require") {
		if t != extTimer || !timers {
			unsupported = append(unsupported, t)
		}
	}
	if len(unsupported) > 0 {
		return problem{code: 420, reason: "unsupported extension " + strings.Join(unsupported, ", "),
			extra: []sip.Header{sip.NewHeader("Unsupported", strings.Join(unsupported, ", "))}}
	}
	return problem{}
}

// sdpBody returns the SDP of a request or ACK body (nil when there is no
// body), extracting it from a multipart body (SIP-I and some carriers send
// SDP with ISUP). A body that is not SDP is a 415 problem; a body without a
// Content-Type or with a content coding is a 400 or 415.
func sdpBody(m message) ([]byte, problem) {
	body := m.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, problem{}
	}
	accept := []sip.Header{sip.NewHeader("Accept", acceptSDP)}
	if enc, ok := firstHeader(m, "content-encoding"); ok && !strings.EqualFold(strings.TrimSpace(enc), "identity") {
		return nil, problem{code: 415, reason: "Content-Encoding " + enc + " is not supported",
			extra: []sip.Header{sip.NewHeader("Accept-Encoding", "identity")}}
	}
	ct := m.ContentType()
	if ct == nil {
		return nil, problem{code: 400, reason: "message body without a Content-Type header"}
	}
	mt, params, err := mime.ParseMediaType(ct.Value())
	if err != nil {
		return nil, problem{code: 400, reason: "malformed Content-Type " + ct.Value()}
	}
	switch {
	case mt == acceptSDP:
		return body, problem{}
	case strings.HasPrefix(mt, "multipart/"):
		sdp, err := multipartSDP(body, params["boundary"])
		if err != nil {
			return nil, problem{code: 415, reason: err.Error(), extra: accept}
		}
		return sdp, problem{}
	}
	return nil, problem{code: 415, reason: "body type " + mt + " is not supported (want application/sdp)", extra: accept}
}

// multipartSDP returns the first application/sdp part of a multipart body.
func multipartSDP(body []byte, boundary string) ([]byte, error) {
	if boundary == "" {
		return nil, errors.New("multipart body without a boundary parameter")
	}
	errNoSDPPart := errors.New("multipart body has no application/sdp part")
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for range maxMultipartParts {
		p, err := r.NextPart()
		if err != nil {
			return nil, errNoSDPPart
		}
		mt, _, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err == nil && mt == acceptSDP {
			b, err := io.ReadAll(io.LimitReader(p, int64(len(body))))
			if err != nil || len(b) == 0 {
				return nil, errNoSDPPart
			}
			return b, nil
		}
	}
	return nil, errNoSDPPart
}
