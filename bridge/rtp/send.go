package rtp

import (
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/pion/rtp"
)

// Send tuning.
const (
	// maxCatchUp bounds the frames played out in one tick after the pacer
	// skipped ticks (a stalled process), so a long stall does not turn
	// into a burst of work.
	maxCatchUp = 5
	// rtpHeaderSize is the size of the RTP header Parley sends (no CSRC,
	// no extension).
	rtpHeaderSize = 12
)

// sender is the state of the send path, owned by the pacer tick (the
// session's send function, never run concurrently with itself).
type sender struct {
	seq     uint16
	ts      uint32 // RTP time of the next frame
	gap     bool   // the next packet starts a talkspurt (marker bit)
	lastBot bool   // the last packet carried bot audio
	pending int    // frames encoded into buf, not yet sent
	pktTS   uint32 // timestamp of the first pending frame
	bot     bool   // a pending frame carries bot audio
	chain   *txChain
	frame   []int16
	buf     []byte
	hdr     rtp.Header

	// Sender statistics for RTCP sender reports (also tick-owned: RTCP
	// reports are sent from the tick).
	sentPackets uint32
	sentOctets  uint32
	lastSentTS  uint32
	lastSentAt  time.Time
	sentSinceSR bool

	dtmf dtmfPlayer
}

// init sets the random initial sequence number and timestamp (RFC 3550
// section 5.1).
func (t *sender) init(seq uint16, ts uint32) {
	t.seq, t.ts, t.gap = seq, ts, true
	t.frame = make([]int16, audio.SamplesFor(audio.PipelineRate, audio.FrameDuration))
	t.buf = make([]byte, rtpHeaderSize, maxPacket)
	t.hdr = rtp.Header{Version: 2}
}

// tick is the session's send function on the pacer, once per 20 ms: it
// checks the media timeout, plays out caller audio to the endpoint, sends
// the endpoint's audio (or keypad events), and sends RTCP when due. It
// does not block and does not allocate in steady state.
func (s *Session) tick(t audio.Tick) {
	select {
	case <-s.done:
		return
	default:
	}
	st := s.media.Load()
	now := s.now()
	if s.timeout(st, now) {
		return
	}
	for range 1 + min(t.Missed, maxCatchUp) {
		s.playout(st)
	}
	s.send(st, t.Missed)
	s.dtmfLostEnd(now)
	s.rtcpTick(st, now)
}

// playout pops 20 ms of caller audio and pushes it to the endpoint.
func (s *Session) playout(st *stream) {
	pcm, kind := st.rx.pop()
	if kind == audio.FrameConcealed {
		s.cnt.concealed.Add(1)
	}
	if err := s.ep.PushAudio(audio.Frame{Rate: audio.PipelineRate, Samples: pcm}); err != nil {
		s.cnt.pushErrors.Add(1)
	}
}

// send sends this tick's packet: a keypad event, or the endpoint's audio
// (silence when it has none). Nothing is sent while the far end holds the
// call, but the timestamp keeps running.
func (s *Session) send(st *stream, missed int) {
	tx := &s.tx
	step := st.codec.frameTS()
	if missed > 0 {
		tx.ts += step * uint32(missed)
		tx.gap = true
	}
	if tx.chain != st.tx {
		// A new codec: frames encoded with the old one are dropped.
		tx.chain, tx.pending, tx.gap = st.tx, 0, true
	}
	if !st.sending() {
		tx.ts += step
		tx.pending, tx.gap = 0, true
		tx.dtmf = dtmfPlayer{} // an event cut by hold is abandoned
		return
	}
	if tx.pending == 0 && s.dtmfTick(st) {
		tx.ts += step
		return
	}
	bot := s.ep.NextFrame(tx.frame)
	if tx.pending == 0 {
		tx.buf, tx.pktTS, tx.bot = tx.buf[:rtpHeaderSize], tx.ts, false
	}
	out, err := st.tx.encode(tx.buf, tx.frame)
	tx.ts += step
	if err != nil {
		s.cnt.encodeErrors.Add(1)
		tx.pending, tx.gap = 0, true
		return
	}
	tx.buf = out
	tx.bot = tx.bot || bot
	tx.pending++
	if tx.pending < st.frames {
		return
	}
	marker := tx.gap || (tx.bot && !tx.lastBot)
	tx.lastBot = tx.bot
	s.writeRTP(st.sendPT, marker, tx.pktTS, tx.buf)
	tx.pending = 0
}

// writeRTP fills in the header of pkt (whose first 12 bytes are reserved
// for it) and sends it. No lock is held.
func (s *Session) writeRTP(pt uint8, marker bool, ts uint32, pkt []byte) {
	tx := &s.tx
	tx.hdr.PayloadType, tx.hdr.Marker = pt, marker
	tx.hdr.SequenceNumber, tx.hdr.Timestamp, tx.hdr.SSRC = tx.seq, ts, s.ssrc
	if _, err := tx.hdr.MarshalTo(pkt[:rtpHeaderSize]); err != nil {
		s.cnt.sendErrors.Add(1)
		return
	}
	tx.seq++
	tx.gap = false
	dest := s.dest.Load()
	if _, err := s.conn.WriteToUDPAddrPort(pkt, *dest); err != nil {
		s.cnt.sendErrors.Add(1)
		return
	}
	s.cnt.packetsOut.Add(1)
	s.cnt.bytesOut.Add(uint64(len(pkt)))
	tx.sentPackets++
	tx.sentOctets += uint32(len(pkt) - rtpHeaderSize)
	tx.lastSentTS, tx.lastSentAt, tx.sentSinceSR = ts, s.now(), true
}
