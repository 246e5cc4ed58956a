package audio

import (
	"math"
	"time"
)

// Playout tuning.
const (
	// quietMeanAbs is the mean absolute sample value (about -46 dBFS)
	// below which a frame is quiet enough to skip when shrinking the delay.
	quietMeanAbs = 160
	// dropInterval is the least time between two frames skipped to shrink
	// the delay, so that skips stay inaudible.
	dropInterval = 100 * time.Millisecond
	// repeatFloor is the gain below which repeated audio becomes silence.
	repeatFloor = 1.0 / 128
)

// actKind is what one playout step does.
type actKind int

const (
	actSilence actKind = iota
	actDecode
	actConceal
)

// action is one playout step, planned under the buffer lock and performed
// outside it.
type action struct {
	kind actKind
	// n is the number of samples to conceal or silence, or to conceal in
	// place of a packet the decoder rejects.
	n int
	// ts is the RTP timestamp of the packet to decode.
	ts uint32
	// trim is how many decoded samples to drop because their time has
	// already been played.
	trim int
	// next says that playout.next holds the packet after the gap (FEC).
	next bool
}

// playout is the Pop side of a JitterBuffer, guarded by popMu.
type playout struct {
	dec       PayloadDecoder
	concealer Concealer // nil: repeat or silence, by mode
	mode      ConcealMode
	frame     int
	maxDecode int     // cap on the samples one packet may produce
	fifo      []int16 // decoded audio waiting to be popped
	payload   []byte  // copy of the packet being decoded
	next      []byte  // copy of the packet after a gap, for FEC
	hist      []int16 // the last frame of decoded audio (ConcealRepeat)
	histPos   int
	gain      float32
	decay     float32 // per-sample gain factor: halves every frame
	lastDur   int     // samples in the last decoded packet
	epoch     uint64
	kinds     [3]bool // which kinds of audio the current frame holds
}

// newPlayout sets up the Pop side of b.
func newPlayout(b *JitterBuffer, dec PayloadDecoder, cfg jitterConfig) playout {
	p := playout{
		dec: dec, mode: cfg.mode, frame: b.frame,
		maxDecode: b.rate / 4,
		fifo:      make([]int16, 0, 2*b.frame+b.tsToSamples(b.maxPktTS)),
		payload:   make([]byte, 0, 256),
		next:      make([]byte, 0, 256),
		hist:      make([]int16, b.frame),
		decay:     float32(math.Pow(0.5, 1/float64(b.frame))),
		lastDur:   b.frame,
	}
	switch {
	case cfg.concealer != nil:
		p.concealer = cfg.concealer
	case cfg.mode == ConcealAuto:
		if c, ok := dec.(Concealer); ok {
			p.concealer = c
		} else {
			p.mode = ConcealRepeat
		}
	}
	return p
}

// Pop appends exactly one 20 ms frame of PCM at the buffer's rate to dst and
// says what it holds. Call it once per 20 ms from the playout clock (see
// Pacer). It does not allocate when dst has room for the frame.
func (b *JitterBuffer) Pop(dst []int16) ([]int16, FrameKind) {
	now := b.now()
	b.popMu.Lock()
	defer b.popMu.Unlock()
	p := &b.play
	p.kinds = [3]bool{}
	b.fill(now)
	if b.shouldDrop(now) {
		p.fifo = p.fifo[:copy(p.fifo, p.fifo[p.frame:])]
		before := p.kinds
		p.kinds = [3]bool{}
		b.fill(now)
		if p.kinds == [3]bool{} {
			// The next frame was already in the FIFO, made by the
			// steps of the first fill.
			p.kinds = before
		}
	}
	dst = append(dst, p.fifo[:p.frame]...)
	p.fifo = p.fifo[:copy(p.fifo, p.fifo[p.frame:])]

	kind := FrameSilence
	switch {
	case p.kinds[actConceal]:
		kind = FrameConcealed
	case p.kinds[actDecode]:
		kind = FrameDecoded
	}
	b.mu.Lock()
	b.stats.Popped++
	if kind == FrameConcealed {
		b.stats.Concealed++
	}
	b.stats.Level = b.tsToDur(int64(b.levelTS()))
	b.mu.Unlock()
	return dst, kind
}

// fill runs playout steps until the FIFO holds a frame. Planning happens
// under mu; decoding and concealment do not.
func (b *JitterBuffer) fill(now time.Time) {
	p := &b.play
	b.mu.Lock()
	reset := b.epoch != p.epoch
	p.epoch = b.epoch
	b.mu.Unlock()
	if reset {
		p.resetStream()
	}
	for guard := 0; len(p.fifo) < p.frame; guard++ {
		if guard > len(b.ring)+8 {
			p.fifo = append(p.fifo, make([]int16, p.frame-len(p.fifo))...)
			return
		}
		b.mu.Lock()
		act := b.plan(p.frame-len(p.fifo), now)
		b.mu.Unlock()
		n, ok := p.perform(act)
		if act.kind == actDecode {
			b.mu.Lock()
			b.commitDecode(act.ts, n, ok)
			b.mu.Unlock()
		}
	}
}

// plan decides the next playout step for need more samples. It consumes
// packets from the ring and moves the playout position. Called under mu.
func (b *JitterBuffer) plan(need int, now time.Time) action {
	for range len(b.ring) + 2 {
		if !b.playing && !b.startPlayout() {
			return action{kind: actSilence, n: need}
		}
		s := &b.ring[b.nextSeq&b.mask]
		if !s.used || s.seq != b.nextSeq {
			if b.count == 0 {
				return b.underrun(need, now)
			}
			if act, ok := b.loseNext(); ok {
				return act
			}
			continue
		}
		b.underruns = 0
		gap := int32(s.ts - b.headTS)
		if b.resync && gap > 0 {
			b.headTS, gap = s.ts, 0
		}
		b.resync = false
		gapN := 0
		if gap > 0 {
			gapN = b.tsToSamples(uint32(gap))
		}
		switch {
		case gap < 0 && uint32(-gap) >= b.maxPktTS:
			// Its whole time has been played already.
			b.takeSlot(s, false)
			b.stats.Late++
		case gapN == 0:
			trim := 0
			if gap < 0 {
				trim = b.tsToSamples(uint32(-gap))
			}
			b.play.payload = append(b.play.payload[:0], s.payload...)
			b.takeSlot(s, true)
			b.held = 0
			return action{kind: actDecode, ts: s.ts, trim: trim, n: b.tsToSamples(b.pktTS)}
		case s.marker:
			if act, ok := b.talkspurtGap(s, uint32(gap), need); ok {
				return act
			}
		default:
			// Audio is missing before this packet: lost packets, or DTX.
			n := min(gapN, b.play.lastDur, b.tsToSamples(b.maxPktTS))
			act := action{kind: actConceal, n: n}
			if n == gapN {
				b.play.next = append(b.play.next[:0], s.payload...)
				act.next = true
				b.headTS = s.ts
			} else {
				b.headTS += b.samplesToTS(n)
			}
			return act
		}
	}
	return action{kind: actSilence, n: need}
}

// talkspurtGap plays the silence before a talkspurt (a marker packet after
// a timestamp gap), using it to move the delay towards the target: it skips
// silence when too much audio is buffered and waits when too little is.
// ok is false when the gap was skipped entirely and s should now play.
func (b *JitterBuffer) talkspurtGap(s *jbSlot, gap uint32, need int) (action, bool) {
	ahead := int64(int32(b.highTS + b.pktTS - s.ts)) // audio from s onwards
	if excess := ahead - int64(b.target); excess > 0 {
		skip := uint32(min(excess, int64(gap)))
		b.headTS += skip
		gap -= skip
		if b.tsToSamples(gap) == 0 {
			b.headTS = s.ts
			return action{}, false
		}
	} else if excess < 0 && b.held < b.target {
		// Wait for more of the talkspurt: silence without moving on, for
		// at most the target delay in case the talkspurt is this short.
		b.held += b.samplesToTS(need)
		return action{kind: actSilence, n: need}, true
	}
	n := min(b.tsToSamples(gap), need)
	b.headTS += b.samplesToTS(n)
	return action{kind: actSilence, n: n}, true
}

// startPlayout starts playing once enough audio is buffered. Called under mu.
func (b *JitterBuffer) startPlayout() bool {
	if b.count == 0 {
		return false
	}
	first, found := b.nextSeq, false
	for range len(b.ring) {
		if s := &b.ring[first&b.mask]; s.used && s.seq == first {
			found = true
			break
		}
		first++
	}
	if !found {
		return false
	}
	s := &b.ring[first&b.mask]
	span := int32(b.highTS + b.pktTS - s.ts)
	if span < int32(b.target) && b.count < len(b.ring)/2 {
		return false
	}
	b.stats.Lost += uint64(uint16(first - b.nextSeq))
	b.advanceSeq(int(uint16(first-b.nextSeq)), false)
	b.playing, b.headTS, b.resync, b.underruns, b.held = true, s.ts, false, 0, 0
	return true
}

// underrun handles an empty buffer mid-stream: it conceals one frame while
// holding the playout position (the delay grows by a frame, so a packet
// that is merely late still plays), and stops playout when the sender has
// been silent for longer than the maximum depth. Called under mu.
func (b *JitterBuffer) underrun(need int, now time.Time) action {
	if b.underruns == 0 {
		b.raiseTarget(b.target+b.frameTS, now)
	}
	b.underruns++
	if uint32(b.underruns)*b.frameTS > b.maxTS+b.frameTS {
		b.playing = false
		return action{kind: actSilence, n: need}
	}
	b.stats.Underruns++
	return action{kind: actConceal, n: need}
}

// loseNext declares the missing packet at nextSeq lost, since a later one
// is buffered and its time has come. When it is the only one missing, the
// caller conceals the gap before the next packet (ok is false), with FEC
// from that packet. When several are missing, loseNext conceals this one's
// share of the gap and leaves the others for the next steps, so that one
// still arriving in time plays. Called under mu with count > 0.
func (b *JitterBuffer) loseNext() (action, bool) {
	k := 1
	for ; k < len(b.ring); k++ {
		seq := b.nextSeq + uint16(k)
		if s := &b.ring[seq&b.mask]; s.used && s.seq == seq {
			break
		}
	}
	b.stats.Lost++
	b.advanceSeq(1, false)
	if k == 1 {
		return action{}, false
	}
	gap := int32(b.ring[(b.nextSeq+uint16(k-1))&b.mask].ts - b.headTS)
	n := 0
	if gap > 0 {
		n = min(b.tsToSamples(uint32(gap))/k, b.play.lastDur, b.tsToSamples(b.maxPktTS))
	}
	if n == 0 {
		return action{}, false
	}
	b.headTS += b.samplesToTS(n)
	return action{kind: actConceal, n: n}, true
}

// takeSlot removes the packet at nextSeq from the ring.
func (b *JitterBuffer) takeSlot(s *jbSlot, played bool) {
	s.used = false
	b.count--
	b.advanceSeq(1, played)
}

// commitDecode moves the playout position past a decoded packet.
func (b *JitterBuffer) commitDecode(ts uint32, n int, ok bool) {
	if !ok {
		b.stats.DecodeErrors++
	}
	if end := ts + b.samplesToTS(n); int32(end-b.headTS) > 0 {
		b.headTS = end
	}
}

// levelTS is the audio buffered ahead of the output, in RTP ticks.
// Called under mu.
func (b *JitterBuffer) levelTS() uint32 {
	level := int64(b.samplesToTS(len(b.play.fifo)))
	if b.count > 0 {
		if b.playing {
			level += max(int64(int32(b.highTS+b.pktTS-b.headTS)), 0)
		} else {
			level += int64(b.pktTS) * int64(b.count)
		}
	}
	return uint32(min(level, math.MaxUint32))
}

// shouldDrop decides whether to skip the frame at the head of the FIFO to
// shrink the delay: only while playing, when the buffer holds two frames
// more than the target, and only quiet frames unless the delay is beyond
// the maximum.
func (b *JitterBuffer) shouldDrop(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.maybeShrink(now)
	if !b.playing || now.Sub(b.lastDrop) < dropInterval {
		return false
	}
	level := b.levelTS() - min(b.frameTS, b.levelTS())
	if level < b.target+2*b.frameTS {
		return false
	}
	if level <= b.maxTS && !quiet(b.play.fifo[:b.play.frame]) {
		return false
	}
	b.lastDrop = now
	b.stats.Discarded++
	return true
}

// quiet reports whether a frame's mean absolute level is below
// quietMeanAbs.
func quiet(frame []int16) bool {
	sum := 0
	for _, s := range frame {
		sum += max(int(s), -int(s))
	}
	return sum < quietMeanAbs*len(frame)
}

// resetStream forgets the old stream on the Pop side.
func (p *playout) resetStream() {
	if r, ok := p.dec.(streamResetter); ok {
		_ = r.Reset() // a failed reset leaves the old state; decoding continues
	}
	clear(p.hist)
	p.gain, p.histPos, p.lastDur = 0, 0, p.frame
}

// perform carries out one playout step, appending to the FIFO. For a decode
// it returns the number of samples the packet covered and whether the
// decoder accepted it.
func (p *playout) perform(act action) (int, bool) {
	p.kinds[act.kind] = true
	switch act.kind {
	case actDecode:
		start := len(p.fifo)
		out, err := p.dec.Decode(p.fifo, p.payload)
		if err != nil || len(out) < start {
			p.fifo = p.fifo[:start]
			p.kinds[actConceal] = true
			p.conceal(act.n, false)
			return act.n, false
		}
		n := min(len(out)-start, p.maxDecode)
		p.fifo = out[:start+n]
		p.remember(p.fifo[start:])
		p.lastDur = max(n, 1)
		if t := min(act.trim, n); t > 0 {
			p.fifo = p.fifo[:start+copy(p.fifo[start:], p.fifo[start+t:])]
		}
		return n, true
	case actConceal:
		p.conceal(act.n, act.next)
	default:
		p.fifo = append(p.fifo, make([]int16, act.n)...)
	}
	return act.n, true
}

// remember keeps the last frame of decoded audio for ConcealRepeat.
func (p *playout) remember(pcm []int16) {
	if len(pcm) >= p.frame {
		copy(p.hist, pcm[len(pcm)-p.frame:])
	} else {
		copy(p.hist, p.hist[len(pcm):])
		copy(p.hist[p.frame-len(pcm):], pcm)
	}
	p.gain, p.histPos = 1, 0
}

// conceal appends exactly n samples of concealment to the FIFO.
func (p *playout) conceal(n int, withNext bool) {
	start := len(p.fifo)
	if p.concealer != nil {
		var next []byte
		if withNext {
			next = p.next
		}
		out, err := p.concealer.Conceal(p.fifo, n, next)
		if err == nil && len(out) >= start {
			out = out[:min(len(out), start+n)]
			p.fifo = append(out, make([]int16, start+n-len(out))...)
			return
		}
		p.fifo = p.fifo[:start]
	}
	if p.mode != ConcealRepeat {
		p.fifo = append(p.fifo, make([]int16, n)...)
		return
	}
	for range n {
		v := float32(p.hist[p.histPos]) * p.gain
		p.fifo = append(p.fifo, int16(v))
		p.histPos = (p.histPos + 1) % p.frame
		p.gain *= p.decay
		if p.gain < repeatFloor {
			p.gain = 0
		}
	}
}
