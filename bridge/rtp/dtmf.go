package rtp

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/bridge"
	"github.com/pion/rtp"
)

// RFC 4733 telephone-event handling.
const (
	// dtmfVolume is the power level sent with events: -10 dBm0.
	dtmfVolume = 10
	// dtmfEnds is how many times the end of an event is sent (RFC 4733
	// section 2.5.1.4).
	dtmfEnds = 3
	// dtmfLostEnd is how long after the last packet of an event whose
	// end packets never came the digit is delivered anyway.
	dtmfLostEnd = 300 * time.Millisecond
	// dtmfRecent is how many delivered events are remembered to drop
	// their late end retransmissions.
	dtmfRecent = 4
)

// dtmfDigits maps RFC 4733 event codes 0-15 to keypad digits.
const dtmfDigits = "0123456789*#ABCD"

// dtmfReceiver turns telephone-event packets into one digit per key
// press. It is guarded by its mutex: the RTP reader feeds it and the tick
// times out events whose end was lost.
type dtmfReceiver struct {
	mu     sync.Mutex
	active bool // an event is in progress (not delivered)
	ts     uint32
	code   byte
	last   time.Time
	recent [dtmfRecent]uint32 // timestamps of delivered events
	nrec   int
}

// receiveDTMF handles one telephone-event packet.
func (s *Session) receiveDTMF(st *stream, p *rtp.Packet, now time.Time) {
	if len(p.Payload) < 4 {
		s.cnt.malformed.Add(1)
		return
	}
	code, end := p.Payload[0], p.Payload[1]&0x80 != 0
	d := &s.dtmfIn
	var deliver [2]byte
	n := 0
	d.mu.Lock()
	switch {
	case d.active && p.Timestamp == d.ts:
		d.last = now
		if end {
			deliver[n], n = d.code, n+1
			d.finish()
		}
	case d.delivered(p.Timestamp):
		// A retransmitted end of an event already delivered.
	case code < byte(len(dtmfDigits)):
		if d.active {
			// A new event began before the last one's end arrived.
			deliver[n], n = d.code, n+1
			d.finish()
		}
		d.active, d.ts, d.code, d.last = true, p.Timestamp, code, now
		if end {
			deliver[n], n = code, n+1
			d.finish()
		}
	}
	d.mu.Unlock()
	for _, c := range deliver[:n] {
		s.pushDigit(dtmfDigits[c])
	}
}

// finish marks the current event delivered. Called under mu.
func (d *dtmfReceiver) finish() {
	d.active = false
	d.recent[d.nrec%dtmfRecent] = d.ts
	d.nrec++
}

// delivered reports whether an event with timestamp ts was delivered
// lately. Called under mu.
func (d *dtmfReceiver) delivered(ts uint32) bool {
	for i := range min(d.nrec, dtmfRecent) {
		if d.recent[i] == ts {
			return true
		}
	}
	return false
}

// dtmfLostEnd delivers an event whose end packets were all lost, once
// its packets stopped coming. Called by the tick.
func (s *Session) dtmfLostEnd(now time.Time) {
	d := &s.dtmfIn
	d.mu.Lock()
	if !d.active || now.Sub(d.last) < dtmfLostEnd {
		d.mu.Unlock()
		return
	}
	code := d.code
	d.finish()
	d.mu.Unlock()
	s.pushDigit(dtmfDigits[code])
}

// pushDigit hands a received digit to the endpoint.
func (s *Session) pushDigit(c byte) {
	s.cnt.dtmfIn.Add(1)
	if s.ep == nil {
		return
	}
	if err := s.ep.PushDTMF(c); err != nil {
		s.cnt.pushErrors.Add(1)
	}
}

// dtmfQueue holds digits SendDTMF queued for the tick.
type dtmfQueue struct {
	n      atomic.Int32 // len(digits), read by the tick without the lock
	mu     sync.Mutex
	digits []byte
}

// SendDTMF sends digits as RFC 4733 events (or returns
// bridge.ErrUnsupported when the far end did not negotiate
// telephone-event). It queues the digits and returns at once; each plays
// for the WithDTMFTiming tone (100 ms by default) in place of audio,
// followed by a pause. It returns an ErrBadDigit error for characters
// other than 0-9, *, #, A-D (nothing is queued then), an ErrDTMFQueueFull
// error beyond MaxPendingDTMF queued digits, and bridge.ErrCallEnded
// after Close or the media's end.
func (s *Session) SendDTMF(digits string) error {
	select {
	case <-s.done:
		return fmt.Errorf("send DTMF: %w", bridge.ErrCallEnded)
	default:
	}
	st := s.media.Load()
	if st == nil || !st.dtmf {
		return fmt.Errorf("send DTMF: the far end did not negotiate telephone-event: %w", bridge.ErrUnsupported)
	}
	codes := make([]byte, 0, len(digits))
	for _, c := range []byte(digits) {
		i := strings.IndexByte(dtmfDigits, upper(c))
		if i < 0 {
			return fmt.Errorf("%w: %q in %q (want 0-9, *, #, A-D)", ErrBadDigit, c, digits)
		}
		codes = append(codes, byte(i))
	}
	q := &s.dtmfOut
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.digits)+len(codes) > MaxPendingDTMF {
		return fmt.Errorf("%w: %d queued, %d more asked, at most %d", ErrDTMFQueueFull, len(q.digits), len(codes), MaxPendingDTMF)
	}
	q.digits = append(q.digits, codes...)
	q.n.Store(int32(len(q.digits)))
	return nil
}

// upper maps a-d to A-D.
func upper(c byte) byte {
	if c >= 'a' && c <= 'd' {
		return c - 'a' + 'A'
	}
	return c
}

// next pops the next queued event code.
func (q *dtmfQueue) next() (byte, bool) {
	if q.n.Load() == 0 {
		return 0, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.digits) == 0 {
		return 0, false
	}
	c := q.digits[0]
	q.digits = q.digits[:copy(q.digits, q.digits[1:])]
	q.n.Store(int32(len(q.digits)))
	return c, true
}

// dtmfPlayer is the event being sent, owned by the tick.
type dtmfPlayer struct {
	active  bool
	code    byte
	startTS uint32
	frames  int // frames of the event sent so far
	ends    int // end packets sent
	gap     int // frames of pause left before the next event
}

// dtmfTick sends this tick's telephone-event packet when an event is
// playing or queued, and reports whether it did (the audio frame is then
// replaced).
func (s *Session) dtmfTick(st *stream) bool {
	d := &s.tx.dtmf
	if !d.active {
		if d.gap > 0 {
			d.gap--
			return false
		}
		if !st.dtmf {
			return false
		}
		code, ok := s.dtmfOut.next()
		if !ok {
			return false
		}
		*d = dtmfPlayer{active: true, code: code, startTS: s.tx.ts}
	}
	tone := frames(s.opt.dtmfTone)
	if d.frames < tone {
		d.frames++
	}
	end := d.frames >= tone
	if end {
		d.ends++
	}
	duration := d.frames * st.dtmfClock / 50 // 20 ms frames in the event's clock
	pkt := s.tx.buf[:rtpHeaderSize+4]
	pkt[rtpHeaderSize] = d.code
	pkt[rtpHeaderSize+1] = dtmfVolume
	if end {
		pkt[rtpHeaderSize+1] |= 0x80
	}
	binary.BigEndian.PutUint16(pkt[rtpHeaderSize+2:], uint16(min(duration, 0xffff)))
	s.writeRTP(st.dtmfSendPT, d.frames == 1 && !end, d.startTS, pkt)
	if d.ends >= dtmfEnds {
		*d = dtmfPlayer{gap: frames(s.opt.dtmfGap)}
		s.tx.gap = true // the audio after the event starts a talkspurt
		s.cnt.dtmfOut.Add(1)
	}
	return true
}
