package audio

import (
	"fmt"
	"sync"
	"time"
)

// Sequence number rules from RFC 3550 appendix A.1.
const (
	// maxMisorder is how far behind the playout point a packet may be and
	// still count as late or duplicate rather than a new sequence.
	maxMisorder = 100
	// maxDropout is the largest forward jump still taken as the same
	// sequence (with packets lost in between).
	maxDropout = 3000
)

// RTPPacket is what a JitterBuffer needs of one received RTP packet
// (RFC 3550 section 5.1). The field names match github.com/pion/rtp's Header.
type RTPPacket struct {
	// SequenceNumber increments by one per packet and wraps at 65535.
	SequenceNumber uint16
	// Timestamp is the sampling instant of the first sample, in units of
	// the payload's RTP clock (8000 Hz for G.711, 48000 Hz for Opus); it
	// wraps at 2^32.
	Timestamp uint32
	// SSRC identifies the sender's stream; a new SSRC restarts the buffer.
	SSRC uint32
	// Marker is set on the first packet of a talkspurt (RFC 3551 section
	// 4.1): the gap before it is silence, not loss.
	Marker bool
	// Payload is the encoded audio. Push copies it; the caller keeps
	// ownership of the slice.
	Payload []byte
}

// PayloadDecoder turns RTP payloads into PCM16 at the JitterBuffer's rate.
// ULawDecoder, ALawDecoder and *OpusDecoder implement it. The JitterBuffer
// calls it from Pop only, never concurrently, and without holding the lock
// that Push takes.
type PayloadDecoder interface {
	// Decode appends the PCM decoding of payload to dst and returns the
	// extended slice.
	Decode(dst []int16, payload []byte) ([]int16, error)
}

// Concealer synthesises audio for a stretch of lost packets. *OpusDecoder
// implements it with Opus PLC and in-band FEC; a PayloadDecoder that is also
// a Concealer is used for concealment under ConcealAuto.
type Concealer interface {
	// Conceal appends exactly n samples standing in for lost audio to dst.
	// next is the payload of the packet that follows the gap when it has
	// already arrived and the gap ends right where it starts (so FEC data
	// it carries covers the end of the gap), and nil otherwise; the
	// JitterBuffer decodes next normally afterwards.
	Conceal(dst []int16, n int, next []byte) ([]int16, error)
}

// streamResetter is implemented by stateful decoders (OpusDecoder) that
// must forget the old stream when the sender restarts.
type streamResetter interface {
	Reset() error
}

// ConcealMode selects how a JitterBuffer fills in for lost packets.
type ConcealMode int

const (
	// ConcealAuto uses the decoder's own concealment when it implements
	// Concealer (Opus PLC/FEC) and ConcealRepeat otherwise. The default.
	ConcealAuto ConcealMode = iota
	// ConcealSilence plays silence in place of lost audio.
	ConcealSilence
	// ConcealRepeat repeats the last 20 ms of decoded audio, halving its
	// level every 20 ms (so it fades out within about 120 ms).
	ConcealRepeat
)

// PushResult says what a JitterBuffer did with a packet.
type PushResult int

const (
	// PushAccepted means the packet was stored for playout.
	PushAccepted PushResult = iota + 1
	// PushReset means the packet started a new stream (new SSRC or a
	// confirmed sequence restart): older packets were discarded.
	PushReset
	// PushOverflow means the packet was stored, but it was so far ahead
	// that the oldest unplayed packets were discarded to keep the buffer
	// bounded.
	PushOverflow
	// PushDuplicate means a copy of the packet was already buffered or
	// played; it was dropped.
	PushDuplicate
	// PushLate means the packet's playout time had passed; it was dropped.
	PushLate
	// PushInvalid means the packet was dropped: empty or oversized
	// payload, or a sequence number far outside the stream that has not
	// (yet) been confirmed by a following packet.
	PushInvalid
)

// FrameKind says where the audio of a popped frame came from.
type FrameKind int

const (
	// FrameDecoded means the frame was decoded from received packets.
	FrameDecoded FrameKind = iota + 1
	// FrameConcealed means some of the frame stands in for lost or late
	// packets.
	FrameConcealed
	// FrameSilence means nothing was playing: the buffer is filling at the
	// start of a stream or talkspurt, or the sender went quiet.
	FrameSilence
)

// JitterStats is a snapshot of a JitterBuffer's counters and state.
type JitterStats struct {
	// Received counts packets pushed, including dropped ones.
	Received uint64
	// Lost counts packets missing when their playout time came (one that
	// still arrives afterwards also counts as Late).
	Lost uint64
	// Late counts packets that arrived after their playout time.
	Late uint64
	// Duplicate counts packets received more than once.
	Duplicate uint64
	// Invalid counts packets dropped as malformed or out of sequence.
	Invalid uint64
	// Overflow counts unplayed packets discarded because a packet arrived
	// too far ahead of playout.
	Overflow uint64
	// Popped counts frames returned by Pop.
	Popped uint64
	// Concealed counts popped frames that hold concealment.
	Concealed uint64
	// Discarded counts frames of audio skipped to shrink the delay.
	Discarded uint64
	// Underruns counts pops that found no packet to play mid-stream.
	Underruns uint64
	// Resets counts stream restarts (SSRC change or sequence restart).
	Resets uint64
	// DecodeErrors counts payloads the decoder rejected (concealed).
	DecodeErrors uint64
	// Depth is the current target playout delay.
	Depth time.Duration
	// Level is the audio left buffered ahead of playout after the last
	// Pop; it hovers around Depth minus one frame.
	Level time.Duration
	// Jitter is the RFC 3550 interarrival jitter estimate.
	Jitter time.Duration
}

// jbSlot holds one buffered packet.
type jbSlot struct {
	used    bool
	marker  bool
	seq     uint16
	ts      uint32
	payload []byte
}

// JitterBuffer turns a stream of RTP packets that arrive late, early, out of
// order, twice or not at all into a steady stream of 20 ms PCM frames.
//
// Packets are held in sequence-number order for an adaptive playout delay
// that follows the RFC 3550 interarrival jitter estimate (four times the
// estimate, within WithJitterDepth bounds), grows at once when packets
// arrive late or the buffer runs dry, and shrinks one frame at a time after
// the network has been calm for WithShrinkAfter, preferably by skipping
// quiet audio or the silence before a talkspurt. Playout follows the RTP
// timestamps, so timestamp gaps (DTX, silence suppression) become silence or
// concealment of the right length, and packets of any duration (10, 20, 30,
// 60 ms...) are cut into 20 ms frames.
//
// Memory is bounded: a ring of packet slots sized from the maximum depth,
// each holding at most WithMaxPayload bytes. When a packet arrives too far
// ahead, the oldest unplayed packets are discarded (PushOverflow). Push and
// Pop do not allocate in steady state.
//
// Push may be called from one goroutine (the network reader) concurrently
// with Pop from another (the playout clock); Stats from any goroutine.
type JitterBuffer struct {
	rate, clock int
	frame       int    // output samples per frame
	frameTS     uint32 // RTP ticks per frame
	maxPktTS    uint32 // RTP ticks in the longest packet considered (120 ms)
	minTS       uint32
	maxTS       uint32
	shrinkAfter time.Duration
	maxPayload  int
	now         func() time.Time

	mu sync.Mutex
	jbState

	popMu sync.Mutex
	play  playout
}

// jbState is the part of a JitterBuffer guarded by mu.
type jbState struct {
	ring  []jbSlot
	mask  uint16
	count int
	// Stream identity and sequence position.
	started bool
	ssrc    uint32
	epoch   uint64 // incremented on every reset
	nextSeq uint16 // next sequence number to play
	highSeq uint16 // highest sequence number buffered
	highTS  uint32 // timestamp of the highest buffered packet
	pktTS   uint32 // estimated packet duration in RTP ticks
	// played has bit i set when nextSeq-1-i was decoded (duplicate test).
	played uint64
	// consumed is set once playout has moved past a sequence number of
	// the stream: from then on, packets behind nextSeq are late.
	consumed  bool
	probation bool
	badSeq    uint16
	// Playout position.
	playing bool
	headTS  uint32 // RTP time of the next sample to enter the playout FIFO
	resync  bool   // jump headTS to the next packet instead of concealing
	held    uint32 // silence played while waiting for a talkspurt to fill
	// Interarrival jitter (RFC 3550 A.8), in RTP ticks.
	haveTransit bool
	lastArrival time.Time
	lastTS      uint32
	jitter      float64
	// Adaptive depth, in RTP ticks.
	target     uint32
	lastChange time.Time
	lastDrop   time.Time
	underruns  int // consecutive underrun frames
	stats      JitterStats
}

// NewJitterBuffer returns a buffer that outputs 20 ms frames of PCM at rate
// Hz (8, 16, 24 or 48 kHz), decoding payloads with dec.
func NewJitterBuffer(rate int, dec PayloadDecoder, opts ...JitterOption) (*JitterBuffer, error) {
	if !SupportedRate(rate) {
		return nil, fmt.Errorf("%w: %d Hz for a jitter buffer (want 8000, 16000, 24000 or 48000)", ErrUnsupportedRate, rate)
	}
	if dec == nil {
		return nil, fmt.Errorf("%w: nil PayloadDecoder; use ULawDecoder{}, ALawDecoder{} or an *OpusDecoder", ErrInvalidOption)
	}
	cfg := jitterConfig{
		clockRate: rate, minDepth: 40 * time.Millisecond, maxDepth: 300 * time.Millisecond,
		initDepth: 60 * time.Millisecond, shrinkAfter: 2 * time.Second, maxPayload: 1500, now: time.Now,
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	b := &JitterBuffer{
		rate: rate, clock: cfg.clockRate, frame: SamplesFor(rate, FrameDuration),
		frameTS: uint32(SamplesFor(cfg.clockRate, FrameDuration)), maxPktTS: uint32(SamplesFor(cfg.clockRate, 120*time.Millisecond)),
		shrinkAfter: cfg.shrinkAfter, maxPayload: cfg.maxPayload, now: cfg.now,
	}
	b.minTS = b.durToTS(cfg.minDepth)
	b.maxTS = b.durToTS(cfg.maxDepth)
	slots := 32
	for slots < int(2*cfg.maxDepth/(10*time.Millisecond))+8 {
		slots *= 2
	}
	b.ring = make([]jbSlot, slots)
	b.mask = uint16(slots - 1)
	b.target = min(max(b.durToTS(cfg.initDepth), b.minTS), b.maxTS)
	b.pktTS = b.frameTS
	b.lastChange = cfg.now()
	b.play = newPlayout(b, dec, cfg)
	return b, nil
}

// durToTS converts a duration to RTP ticks.
func (b *JitterBuffer) durToTS(d time.Duration) uint32 {
	return uint32(int64(d) * int64(b.clock) / int64(time.Second))
}

// tsToDur converts RTP ticks to a duration.
func (b *JitterBuffer) tsToDur(ts int64) time.Duration {
	return time.Duration(ts * int64(time.Second) / int64(b.clock))
}

// tsToSamples converts RTP ticks to output samples.
func (b *JitterBuffer) tsToSamples(ts uint32) int {
	return int(int64(ts) * int64(b.rate) / int64(b.clock))
}

// samplesToTS converts output samples to RTP ticks.
func (b *JitterBuffer) samplesToTS(n int) uint32 {
	return uint32(int64(n) * int64(b.clock) / int64(b.rate))
}

// Stats returns a snapshot of the counters and the current delay.
func (b *JitterBuffer) Stats() JitterStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.Depth = b.tsToDur(int64(b.target))
	s.Jitter = b.tsToDur(int64(b.jitter))
	return s
}

// Push adds a received packet. It copies the payload and does not allocate
// once every ring slot has held a payload as large as this one.
func (b *JitterBuffer) Push(p RTPPacket) PushResult {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stats.Received++
	if len(p.Payload) == 0 || len(p.Payload) > b.maxPayload {
		b.stats.Invalid++
		return PushInvalid
	}
	result := PushAccepted
	if !b.started || p.SSRC != b.ssrc {
		if b.started {
			b.resetStream()
			result = PushReset
		}
		b.started, b.ssrc = true, p.SSRC
		b.nextSeq, b.highSeq, b.highTS = p.SequenceNumber, p.SequenceNumber, p.Timestamp
	}
	if b.count == 0 && !b.playing && !b.consumed {
		// The first packet of a stream sets the starting point.
		b.nextSeq, b.highSeq, b.highTS = p.SequenceNumber, p.SequenceNumber, p.Timestamp
	}
	d := int(int16(p.SequenceNumber - b.nextSeq))
	switch {
	case d >= 0 && d < len(b.ring):
	case d >= len(b.ring) && d <= maxDropout:
		b.overflow(p.SequenceNumber)
		result = PushOverflow
	case d < 0 && d >= -maxMisorder:
		if r, handled := b.older(p, d, now); handled {
			return r
		}
	default:
		if !b.probation || p.SequenceNumber != b.badSeq {
			b.probation, b.badSeq = true, p.SequenceNumber+1
			b.stats.Invalid++
			return PushInvalid
		}
		b.resetStream()
		b.nextSeq, b.highSeq, b.highTS = p.SequenceNumber, p.SequenceNumber, p.Timestamp
		result = PushReset
	}
	b.probation = false
	return b.store(p, result, now)
}

// older handles a packet behind nextSeq: it extends the buffer backwards
// while nothing of the stream has played yet (packets reordered at the
// start), and otherwise drops it as a duplicate or late packet. handled is
// false when the packet should be stored.
func (b *JitterBuffer) older(p RTPPacket, d int, now time.Time) (PushResult, bool) {
	if !b.playing && !b.consumed && int(int16(b.highSeq-p.SequenceNumber)) < len(b.ring) {
		b.nextSeq = p.SequenceNumber
		return 0, false
	}
	if -d <= 64 && b.played&(1<<(-d-1)) != 0 {
		b.stats.Duplicate++
		return PushDuplicate, true
	}
	b.stats.Late++
	b.updateJitter(p.Timestamp, now)
	if b.playing {
		// Grow the delay by how late the packet was, rounded up to frames.
		late := int64(int32(b.headTS - p.Timestamp))
		if late > 0 {
			frames := (late + int64(b.frameTS) - 1) / int64(b.frameTS)
			b.raiseTarget(b.target+uint32(frames)*b.frameTS, now)
		}
	}
	return PushLate, true
}

// store puts an in-window packet into its ring slot.
func (b *JitterBuffer) store(p RTPPacket, result PushResult, now time.Time) PushResult {
	s := &b.ring[p.SequenceNumber&b.mask]
	if s.used && s.seq == p.SequenceNumber {
		b.stats.Duplicate++
		return PushDuplicate
	}
	if s.used {
		// Unreachable while the ring invariant holds (every buffered
		// packet lies within one ring length of nextSeq); recover anyway.
		b.count--
	}
	b.updateJitter(p.Timestamp, now)
	s.used, s.marker, s.seq, s.ts = true, p.Marker, p.SequenceNumber, p.Timestamp
	s.payload = append(s.payload[:0], p.Payload...)
	b.count++
	if int16(p.SequenceNumber-b.highSeq) > 0 || b.count == 1 {
		b.highSeq, b.highTS = p.SequenceNumber, p.Timestamp
	}
	// Learn the packet duration from consecutive neighbours.
	for _, nb := range [2]uint16{p.SequenceNumber - 1, p.SequenceNumber + 1} {
		o := &b.ring[nb&b.mask]
		if !o.used || o.seq != nb {
			continue
		}
		gap := p.Timestamp - o.ts
		if nb == p.SequenceNumber+1 {
			gap = o.ts - p.Timestamp
		}
		if gap > 0 && gap <= b.maxPktTS {
			b.pktTS = gap
		}
	}
	b.raiseTarget(b.desiredTarget(), now)
	return result
}

// overflow discards the oldest packets so that seq fits in the ring.
func (b *JitterBuffer) overflow(seq uint16) {
	newNext := seq - uint16(len(b.ring)) + 1
	steps := int(newNext - b.nextSeq)
	for i := 0; i < steps && b.count > 0; i++ {
		s := &b.ring[(b.nextSeq+uint16(i))&b.mask]
		if s.used && s.seq == b.nextSeq+uint16(i) {
			s.used = false
			b.count--
			b.stats.Overflow++
		}
	}
	b.advanceSeq(steps, false)
	b.resync = true
}

// advanceSeq moves nextSeq forward by k, recording whether the packet it
// passes was played (only the last of them can have been).
func (b *JitterBuffer) advanceSeq(k int, played bool) {
	if k <= 0 {
		return
	}
	if k >= 64 {
		b.played = 0
	} else {
		b.played <<= uint(k)
	}
	if played {
		b.played |= 1
	}
	b.nextSeq += uint16(k)
	b.consumed = true
}

// resetStream forgets the current stream (new SSRC or sequence restart).
// Counters are kept.
func (b *JitterBuffer) resetStream() {
	for i := range b.ring {
		b.ring[i].used = false
	}
	b.count = 0
	b.playing, b.resync, b.probation = false, false, false
	b.held = 0
	b.played, b.consumed = 0, false
	b.haveTransit = false
	b.underruns = 0
	b.pktTS = b.frameTS
	b.epoch++
	b.stats.Resets++
}

// updateJitter folds the arrival of a packet of the current stream into
// the RFC 3550 A.8 estimate: J += (|D| - J) / 16, D being the change in
// transit time. D is capped at the maximum depth, so that a sender that
// re-bases its timestamps mid-stream does not pin the depth at its maximum
// for seconds.
func (b *JitterBuffer) updateJitter(ts uint32, now time.Time) {
	if b.haveTransit {
		arrival := float64(now.Sub(b.lastArrival)) * float64(b.clock) / float64(time.Second)
		d := arrival - float64(int32(ts-b.lastTS))
		if d < 0 {
			d = -d
		}
		b.jitter += (min(d, float64(b.maxTS)) - b.jitter) / 16
	}
	b.haveTransit, b.lastArrival, b.lastTS = true, now, ts
}

// desiredTarget is the delay the jitter estimate calls for.
func (b *JitterBuffer) desiredTarget() uint32 {
	want := uint32(4 * b.jitter)
	want = (want + b.frameTS - 1) / b.frameTS * b.frameTS
	return min(max(want, b.minTS), b.maxTS)
}

// raiseTarget grows the target delay to t (capped at the maximum).
func (b *JitterBuffer) raiseTarget(t uint32, now time.Time) {
	t = min(t, b.maxTS)
	if t > b.target {
		b.target = t
		b.lastChange = now
	}
}

// maybeShrink lowers the target by one frame when the network has been calm
// for shrinkAfter.
func (b *JitterBuffer) maybeShrink(now time.Time) {
	want := b.desiredTarget()
	if want >= b.target || now.Sub(b.lastChange) < b.shrinkAfter {
		return
	}
	b.target = max(b.target-min(b.frameTS, b.target), want)
	b.lastChange = now
}
