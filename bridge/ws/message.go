package ws

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// eventKind is the type of a message Twilio sends (its "event" member).
type eventKind uint8

const (
	evUnknown eventKind = iota
	evConnected
	evStart
	evMedia
	evDTMF
	evMark
	evStop
)

// String returns the event's name as Twilio spells it.
func (k eventKind) String() string {
	switch k {
	case evConnected:
		return "connected"
	case evStart:
		return "start"
	case evMedia:
		return "media"
	case evDTMF:
		return "dtmf"
	case evMark:
		return "mark"
	case evStop:
		return "stop"
	}
	return "unknown"
}

// eventOf classifies an event name.
func eventOf(name []byte) eventKind {
	switch string(name) { // no allocation: the conversion is only compared
	case "connected":
		return evConnected
	case "start":
		return evStart
	case "media":
		return evMedia
	case "dtmf":
		return evDTMF
	case "mark":
		return evMark
	case "stop":
		return evStop
	}
	return evUnknown
}

// errWrongType is a member of the wrong JSON type; decode wraps it with the
// member's name.
var errWrongType = errors.New("wrong type")

// message is one decoded message from Twilio. Byte slices point into the
// message's bytes or the decoder's scratch buffer and are valid until the
// next decode.
type message struct {
	kind eventKind
	// event is the raw event name (useful to log an unknown event).
	event []byte
	// streamSid is the top-level streamSid (or start.streamSid).
	streamSid []byte
	// Members of a media message.
	track, chunk, timestamp, payload []byte
	// digit is dtmf.digit.
	digit []byte
	// name is mark.name.
	name []byte
	// start holds a start message's metadata; set only for evStart.
	start startInfo
}

// startInfo is the metadata of a start message. Unlike the rest of a
// message it is copied out of the input (it is decoded once per call).
type startInfo struct {
	StreamSid, AccountSid, CallSid string
	Tracks                         []string
	// CustomParameters are the <Parameter> elements of the <Stream> TwiML,
	// names as sent.
	CustomParameters map[string]string
	Encoding         string
	SampleRate       string
	Channels         string
}

// span is the byte range of a member's value in the message.
type span struct{ lo, hi int }

// decoder decodes Twilio's messages. It keeps its scratch buffer from one
// message to the next so that decoding media does not allocate. It is not
// safe for concurrent use.
type decoder struct {
	scratch []byte
	msg     message
}

// maxCustomParameters bounds the custom parameters kept from a start
// message (Twilio allows a few; more is hostile input).
const maxCustomParameters = 64

// decode parses one text message. Errors wrap ErrMalformedMessage (not
// JSON) or ErrBadMessage (JSON, but not a Twilio message this package can
// use). The result is valid until the next call.
func (d *decoder) decode(data []byte) (*message, error) {
	if cap(d.scratch) < len(data) {
		// Unescaped strings are never longer than the input, so one
		// buffer of its size holds all of them.
		d.scratch = make([]byte, 0, len(data))
	}
	d.scratch = d.scratch[:0]
	d.msg = message{}
	m := &d.msg
	s := scanner{data: data, scratch: &d.scratch}
	if c := s.peek(); c != '{' {
		if err := s.skip(); err != nil {
			return nil, err
		}
		if err := s.end(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: a message must be a JSON object", ErrBadMessage)
	}
	var body span
	if err := d.topLevel(&s, &body); err != nil {
		return nil, err
	}
	if err := s.end(); err != nil {
		return nil, err
	}
	if m.event == nil {
		return nil, fmt.Errorf("%w: no \"event\" member", ErrBadMessage)
	}
	m.kind = eventOf(m.event)
	if m.kind == evUnknown || m.kind == evConnected {
		return m, nil
	}
	if body.hi == 0 {
		if m.kind == evStop {
			return m, nil // stop's metadata is informative only
		}
		return nil, fmt.Errorf("%w: %s message without its %q member", ErrBadMessage, m.kind, m.kind.String())
	}
	sub := scanner{data: data[:body.hi], pos: body.lo, scratch: &d.scratch}
	if err := d.body(&sub); err != nil {
		return nil, err
	}
	return m, nil
}

// topLevel reads the outer object, keeping event and streamSid and the
// span of the member named after the event (whose name is only known once
// the whole object has been read: members come in any order).
func (d *decoder) topLevel(s *scanner, body *span) error {
	m := &d.msg
	spans := [evStop + 1]span{}
	if err := s.beginObject(); err != nil {
		return err
	}
	for first := true; ; first = false {
		key, more, err := s.nextKey(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		switch string(key) { // compared, not kept: no allocation
		case "event":
			if m.event, err = s.str(); err != nil {
				return memberError(string(key), err)
			}
		case "streamSid":
			if m.streamSid, err = s.str(); err != nil {
				return memberError(string(key), err)
			}
		case "start", "media", "dtmf", "mark", "stop":
			lo := s.pos
			if s.peek() != '{' {
				if err := s.skip(); err != nil {
					return err
				}
				return memberError(string(key), errWrongType)
			}
			if err := s.skip(); err != nil {
				return err
			}
			spans[eventOf(key)] = span{lo: lo, hi: s.pos}
		default:
			if err := s.skip(); err != nil {
				return err
			}
		}
	}
	if m.event != nil {
		*body = spans[eventOf(m.event)]
	}
	return nil
}

// body reads the member named after the event.
func (d *decoder) body(s *scanner) error {
	m := &d.msg
	if m.kind == evStart {
		return d.startBody(s)
	}
	if err := s.beginObject(); err != nil {
		return err
	}
	for first := true; ; first = false {
		key, more, err := s.nextKey(first)
		if err != nil || !more {
			return err
		}
		var dst *[]byte
		scalar := false
		switch k := string(key); {
		case m.kind == evMedia && k == "track":
			dst = &m.track
		case m.kind == evMedia && k == "chunk":
			dst, scalar = &m.chunk, true
		case m.kind == evMedia && k == "timestamp":
			dst, scalar = &m.timestamp, true
		case m.kind == evMedia && k == "payload":
			dst = &m.payload
		case m.kind == evDTMF && k == "track":
			dst = &m.track
		case m.kind == evDTMF && k == "digit":
			dst, scalar = &m.digit, true
		case m.kind == evMark && k == "name":
			dst = &m.name
		}
		if dst == nil {
			if err := s.skip(); err != nil {
				return err
			}
			continue
		}
		if scalar {
			*dst, err = s.scalar()
		} else {
			*dst, err = s.str()
		}
		if err != nil {
			return memberError(m.kind.String()+"."+string(key), err)
		}
	}
}

// startBody reads the start member into m.start, copying its strings.
func (d *decoder) startBody(s *scanner) error {
	st := &d.msg.start
	if err := s.beginObject(); err != nil {
		return err
	}
	for first := true; ; first = false {
		key, more, err := s.nextKey(first)
		if err != nil || !more {
			return err
		}
		k := string(key)
		switch k {
		case "streamSid", "accountSid", "callSid":
			v, err := s.str()
			if err != nil {
				return memberError("start."+k, err)
			}
			switch k {
			case "streamSid":
				st.StreamSid = string(v)
			case "accountSid":
				st.AccountSid = string(v)
			default:
				st.CallSid = string(v)
			}
		case "tracks":
			if st.Tracks, err = stringArray(s); err != nil {
				return memberError("start.tracks", err)
			}
		case "customParameters":
			if st.CustomParameters, err = stringMap(s); err != nil {
				return memberError("start.customParameters", err)
			}
		case "mediaFormat":
			if err := mediaFormat(s, st); err != nil {
				return err
			}
		default:
			if err := s.skip(); err != nil {
				return err
			}
		}
	}
}

// mediaFormat reads start.mediaFormat.
func mediaFormat(s *scanner, st *startInfo) error {
	if s.peek() != '{' {
		if err := s.skip(); err != nil {
			return err
		}
		return memberError("start.mediaFormat", errWrongType)
	}
	_ = s.beginObject()
	for first := true; ; first = false {
		key, more, err := s.nextKey(first)
		if err != nil || !more {
			return err
		}
		var v []byte
		switch k := string(key); k {
		case "encoding":
			v, err = s.str()
			st.Encoding = string(v)
		case "sampleRate":
			v, err = s.scalar()
			st.SampleRate = string(v)
		case "channels":
			v, err = s.scalar()
			st.Channels = string(v)
		default:
			err = s.skip()
		}
		if err != nil {
			return memberError("start.mediaFormat."+string(key), err)
		}
	}
}

// stringArray reads an array of strings.
func stringArray(s *scanner) ([]string, error) {
	if s.peek() != '[' {
		if err := s.skip(); err != nil {
			return nil, err
		}
		return nil, errWrongType
	}
	s.pos++
	var out []string
	for first := true; ; first = false {
		more, err := s.nextElem(first)
		if err != nil || !more {
			return out, err
		}
		v, err := s.str()
		if err != nil {
			return nil, err
		}
		if len(out) < maxCustomParameters {
			out = append(out, string(v))
		}
	}
}

// stringMap reads an object of scalar values (strings, or numbers and
// literals kept as their text).
func stringMap(s *scanner) (map[string]string, error) {
	if s.peek() != '{' {
		if err := s.skip(); err != nil {
			return nil, err
		}
		return nil, errWrongType
	}
	_ = s.beginObject()
	out := map[string]string{}
	for first := true; ; first = false {
		key, more, err := s.nextKey(first)
		if err != nil || !more {
			return out, err
		}
		k := string(key)
		var v []byte
		switch c := s.peek(); c {
		case 't', 'f', 'n':
			lo := s.pos
			if err := s.skip(); err != nil {
				return nil, err
			}
			v = s.data[lo:s.pos]
		default:
			if v, err = s.scalar(); err != nil {
				return nil, fmt.Errorf("parameter %q: %w", k, err)
			}
		}
		if len(out) < maxCustomParameters {
			out[k] = string(v)
		}
	}
}

// memberError names the member a problem is in. Syntax errors pass
// through unchanged; a wrong type becomes an ErrBadMessage.
func memberError(member string, err error) error {
	if errors.Is(err, ErrMalformedMessage) {
		return err
	}
	return fmt.Errorf("%w: member %q: %w", ErrBadMessage, member, err)
}

// validDigit reports whether d is a keypad digit Twilio can report.
func validDigit(d []byte) bool {
	if len(d) != 1 {
		return false
	}
	c := d[0]
	return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D')
}

// parseUint parses a decimal number of at most 18 digits without
// allocating; ok is false for anything else (signs, fractions, exponents).
func parseUint(b []byte) (v int64, ok bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// isInbound reports whether a media track is the caller's audio: Twilio
// names it "inbound" (older streams "inbound_track"); a missing track is
// taken as inbound.
func isInbound(track []byte) bool {
	return len(track) == 0 || bytes.Equal(track, []byte("inbound")) || bytes.Equal(track, []byte("inbound_track"))
}

// formatProblem returns what is wrong with a start message's media format,
// or "" when it is the one this transport speaks (audio/x-mulaw, 8000 Hz,
// mono).
func (st *startInfo) formatProblem() string {
	enc := strings.ToLower(strings.TrimSpace(st.Encoding))
	switch {
	case enc != "audio/x-mulaw":
		return fmt.Sprintf("encoding %q", st.Encoding)
	case st.SampleRate != "8000":
		return fmt.Sprintf("sample rate %q", st.SampleRate)
	case st.Channels != "1" && st.Channels != "":
		return fmt.Sprintf("%q channels", st.Channels)
	}
	return ""
}
