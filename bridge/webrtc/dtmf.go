package webrtc

import "fmt"

// maxDTMFMessage bounds one message on the "dtmf" data channel, in bytes.
const maxDTMFMessage = 32

// dtmfChannelLabel is the label of the data channel that carries keypad
// digits from the softphone page.
const dtmfChannelLabel = "dtmf"

// parseDTMFMessage appends the keypad digits of one "dtmf" data channel
// message to dst: 1 to 32 characters from 0-9, *, #, A-D (a-d are taken
// as A-D), spaces ignored. Any other content rejects the whole message
// with ErrBadDigit, so that a garbled message presses no key.
func parseDTMFMessage(dst, msg []byte) ([]byte, error) {
	if len(msg) == 0 || len(msg) > maxDTMFMessage {
		return dst, fmt.Errorf("%w: a %d-byte message (send 1 to %d keypad characters)", ErrBadDigit, len(msg), maxDTMFMessage)
	}
	start := len(dst)
	for _, b := range msg {
		switch {
		case b == ' ':
			continue
		case b >= 'a' && b <= 'd':
			b -= 'a' - 'A'
		case !isDigit(b):
			return dst[:start], fmt.Errorf("%w: %q in %q (send 0-9, *, #, A-D)", ErrBadDigit, b, msg)
		}
		dst = append(dst, b)
	}
	if len(dst) == start {
		return dst, fmt.Errorf("%w: a message of spaces only", ErrBadDigit)
	}
	return dst, nil
}

// isDigit reports whether b is a keypad character of bridge.Endpoint.PushDTMF.
func isDigit(b byte) bool {
	return (b >= '0' && b <= '9') || b == '*' || b == '#' || (b >= 'A' && b <= 'D')
}

// eventDigit maps an RFC 4733 section 3.2 event code to its keypad
// character; ok is false for other events (flash, tones).
func eventDigit(event byte) (byte, bool) {
	switch {
	case event <= 9:
		return '0' + event, true
	case event == 10:
		return '*', true
	case event == 11:
		return '#', true
	case event <= 15:
		return 'A' + event - 12, true
	}
	return 0, false
}

// eventReader turns RFC 4733 telephone-event packets into key presses:
// one press per event (identified by its RTP timestamp), reported at the
// packet with the end bit. An event whose end packets were all lost is
// reported when the next event starts. The zero value is ready; it is
// used by one goroutine.
type eventReader struct {
	started  bool
	ts       uint32 // timestamp of the current event
	digit    byte   // its keypad character, 0 if it is not a key
	reported bool
}

// packet takes one telephone-event payload with its RTP timestamp and
// returns the keys it completes (at most two: a previous event that never
// ended, and this one). Payloads shorter than the 4-byte event block are
// ignored; events older than the current one (reordered retransmissions)
// too.
func (e *eventReader) packet(ts uint32, payload []byte) (keys [2]byte, n int) {
	if len(payload) < 4 {
		return keys, 0
	}
	if !e.started || ts != e.ts {
		if e.started && int32(ts-e.ts) < 0 {
			return keys, 0
		}
		if e.started && !e.reported && e.digit != 0 {
			keys[n] = e.digit
			n++
		}
		e.started, e.ts, e.reported = true, ts, false
		e.digit = 0
		if d, ok := eventDigit(payload[0]); ok {
			e.digit = d
		}
	}
	end := payload[1]&0x80 != 0
	if end && !e.reported {
		e.reported = true
		if e.digit != 0 {
			keys[n] = e.digit
			n++
		}
	}
	return keys, n
}
